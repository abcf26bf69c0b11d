package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/spf13/cobra"
)

// remote is how a command reaches a server: --server / BISTRO_URL, and the
// token from BISTRO_TOKEN or <data dir>/admin-token.
type remote struct {
	server, data string
}

func (r *remote) flags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&r.server, "server", "", "the Bistro server's address (also BISTRO_URL; default http://127.0.0.1:8080)")
	cmd.PersistentFlags().StringVar(&r.data, "data", "", "the data directory holding admin-token (also BISTRO_DATA; default ./bistro-data)")
}

func (r *remote) client(s env) (*client.Client, error) {
	server := serverURL(s, r.server)
	token := s.get("BISTRO_TOKEN")
	if token == "" {
		creds, path, err := loadCredentials(s)
		if err != nil && path != "" {
			return nil, err // a damaged file; no folder at all means no sign-in
		}
		token = creds[server]
	}
	if token == "" {
		path := filepath.Join(firstOf(r.data, s.get("BISTRO_DATA"), "bistro-data"), "admin-token")
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("not signed in to %s: run 'bistro login --email you@example.com', set BISTRO_TOKEN, or point --data at the server's data directory (%s: %v)", server, path, errors.Unwrap(err))
		}
		token = strings.TrimSpace(string(data))
	}
	return client.New(server, token), nil
}

// serverURL is the server the CLI talks to: the flag, else BISTRO_URL,
// else the local default.
func serverURL(s env, flag string) string {
	return strings.TrimRight(firstOf(flag, s.get("BISTRO_URL"), "http://127.0.0.1:8080"), "/")
}

func (s env) get(name string) string {
	v, _ := s.lookup(name)
	return strings.TrimSpace(v)
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// remoteCmd builds a subcommand that talks to the server.
func remoteCmd(s env, r *remote, use, short, example string, args cobra.PositionalArgs, do func(context.Context, *client.Client, []string) error) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Example: example, Args: args,
		RunE: func(cmd *cobra.Command, a []string) error {
			c, err := r.client(s)
			if err != nil {
				return err
			}
			err = do(cmd.Context(), c, a)
			var ce *client.Error
			if errors.As(err, &ce) {
				// The server explained it: print and exit 1, not as a usage error.
				fmt.Fprintln(s.err, "error:", ce.Error())
				return errFailed
			}
			return err
		},
	}
}

func newFlowCmd(s env) *cobra.Command {
	r := &remote{}
	cmd := &cobra.Command{
		Use:   "flow",
		Short: "Manage the flows of a Bistro server",
		Example: `  bistro flow apply flows/*.yaml
  bistro flow list
  bistro flow run lead-cleanup --input '{"email":"ann@example.com"}' --wait 30s`,
	}
	r.flags(cmd)
	cmd.AddCommand(
		newFlowApply(s, r),
		remoteCmd(s, r, "list", "List the flows", "  bistro flow list", cobra.NoArgs,
			func(ctx context.Context, c *client.Client, _ []string) error { return listFlows(ctx, s, c) }),
		newFlowShow(s, r),
		newFlowVersions(s, r),
		remoteCmd(s, r, "enable NAME", "Let a flow's trigger start runs", "  bistro flow enable lead-cleanup", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error {
				_, err := c.EnableFlow(ctx, a[0])
				return done(s, err, "enabled flow '%s'", a[0])
			}),
		remoteCmd(s, r, "disable NAME", "Stop a flow's trigger from starting runs", "  bistro flow disable lead-cleanup", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error {
				_, err := c.DisableFlow(ctx, a[0])
				return done(s, err, "disabled flow '%s'", a[0])
			}),
		remoteCmd(s, r, "delete NAME", "Delete a flow", "  bistro flow delete old-import", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error {
				return done(s, c.DeleteFlow(ctx, a[0]), "deleted flow '%s'", a[0])
			}),
		newFlowRun(s, r),
		newFlowCheck(s),
	)
	return cmd
}

func done(s env, err error, format string, args ...any) error {
	if err == nil {
		fmt.Fprintf(s.out, format+"\n", args...)
	}
	return err
}

func newFlowApply(s env, r *remote) *cobra.Command {
	cmd := remoteCmd(s, r, "apply FILE...", "Create or update flows on the server from their files",
		"  bistro flow apply flows/lead-cleanup.yaml\n  BISTRO_URL=https://bistro.example.com bistro flow apply flows/*.yaml",
		cobra.MinimumNArgs(1), func(ctx context.Context, c *client.Client, files []string) error {
			failed := false
			for _, file := range files {
				if err := applyFile(ctx, s, c, file); err != nil {
					var ce *client.Error
					if !errors.As(err, &ce) || ce.Code != "invalid_flow" {
						return err
					}
					fmt.Fprintf(s.err, "%s\n%s\n\n", formatInvalid(file, ce), ce.Detail)
					failed = true
				}
			}
			if failed {
				return errFailed
			}
			return nil
		})
	cmd.Long = "Send flow files to the server. Each is validated there and saved as a new\nversion when it changed. Exits with status 1 when any file is invalid."
	return cmd
}

func applyFile(ctx context.Context, s env, c *client.Client, file string) error {
	doc, err := os.ReadFile(file)
	if err != nil {
		return readError(file, err)
	}
	res, err := c.ApplyFlow(ctx, filepath.Base(file), doc)
	switch {
	case err != nil:
		return err
	case res.Review != nil:
		fmt.Fprintf(s.out, "submitted flow '%s' for review (risk %d: %s); it goes live when IT approves it\n",
			res.Review.Flow, res.Review.Risk, firstOf(strings.Join(res.Review.Reasons, "; "), "it uses a connector IT reviews"))
	case !res.Changed:
		fmt.Fprintf(s.out, "unchanged flow '%s' (version %d)\n", res.Flow.Name, res.Flow.Version)
	case res.Flow.Version == 1:
		fmt.Fprintf(s.out, "created flow '%s' (version 1)\n", res.Flow.Name)
	default:
		fmt.Fprintf(s.out, "updated flow '%s' (version %d)\n", res.Flow.Name, res.Flow.Version)
	}
	return nil
}

// formatInvalid prints the server's located errors like 'bistro validate',
// with the source line from the local file.
func formatInvalid(file string, ce *client.Error) string {
	src, _ := os.ReadFile(file)
	lines := strings.Split(string(src), "\n")
	parts := make([]string, 0, len(ce.Errors))
	for _, d := range ce.Errors {
		text := client.FormatDetail(file, d)
		if d.Line > 0 && d.Line <= len(lines) {
			head, hint, _ := strings.Cut(text, "\n")
			caret := strings.Repeat(" ", max(d.Column-1, 0)) + "^"
			text = fmt.Sprintf("%s\n%5d | %s\n      | %s", head, d.Line, strings.ReplaceAll(lines[d.Line-1], "\t", " "), caret)
			if hint != "" {
				text += "\n" + hint
			}
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "\n\n")
}

func listFlows(ctx context.Context, s env, c *client.Client) error {
	flows, err := c.ListFlows(ctx)
	if err != nil {
		return err
	}
	if len(flows) == 0 {
		fmt.Fprintln(s.err, "no flows yet: add one with 'bistro flow apply FILE'")
		return nil
	}
	w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tTRIGGER\tENABLED\tUPDATED")
	for _, f := range flows {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", f.Name, f.Version, f.Trigger, yesNo(f.Enabled), f.UpdatedAt.Format(time.DateTime))
	}
	return w.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func showFlow(ctx context.Context, s env, c *client.Client, name string) error {
	f, err := c.GetFlow(ctx, name)
	if err != nil {
		return err
	}
	state := "enabled"
	if !f.Enabled {
		state = "disabled"
	}
	fmt.Fprintf(s.err, "flow '%s', version %d, %s\n", f.Name, f.Version, state)
	if f.WebhookPath != "" {
		fmt.Fprintf(s.err, "webhook URL: %s%s\n", c.BaseURL, f.WebhookPath)
	}
	fmt.Fprint(s.out, f.Document)
	if !strings.HasSuffix(f.Document, "\n") {
		fmt.Fprintln(s.out)
	}
	return nil
}

// printRecords writes a run's output records as JSON lines.
func printRecords(s env, output json.RawMessage) {
	var records []json.RawMessage
	if json.Unmarshal(output, &records) != nil {
		if len(output) > 0 {
			fmt.Fprintln(s.out, string(output))
		}
		return
	}
	for _, r := range records {
		fmt.Fprintln(s.out, string(r))
	}
}

// runFailure describes a failed run from its error JSON.
func runFailure(r api.Run) string {
	var e struct {
		Step    string `json:"step"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(r.Error, &e)
	switch {
	case e.Step != "" && e.Message != "":
		return fmt.Sprintf("step '%s' failed: %s", e.Step, e.Message)
	case e.Message != "":
		return e.Message
	}
	return string(r.Error)
}
