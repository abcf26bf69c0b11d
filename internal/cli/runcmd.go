package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/spf13/cobra"
)

func newFlowRun(s env, r *remote) *cobra.Command {
	var inputArg string
	var wait time.Duration
	cmd := remoteCmd(s, r, "run NAME", "Start a run of a flow on the server",
		`  bistro flow run lead-cleanup --input '{"email":"ann@example.com"}'
  bistro flow run order-import --input @orders.json --wait 30s`,
		cobra.ExactArgs(1), func(ctx context.Context, c *client.Client, a []string) error {
			input, err := remoteInput(inputArg, s.in)
			if err != nil {
				return err
			}
			if wait < 0 || wait > api.MaxWait*time.Second {
				return fmt.Errorf("--wait must be between 0s and %ds", api.MaxWait)
			}
			run, err := c.StartRun(ctx, a[0], input, wait)
			if err != nil {
				return err
			}
			return reportRun(s, run, wait > 0)
		})
	cmd.Long = "Start a run of a flow on the server and print its id. With --wait, wait for\nthe run to end and print its output records, one JSON object a line."
	cmd.Flags().StringVar(&inputArg, "input", "", "the input: JSON, @file with JSON (a list, or one object a line), or - for standard input")
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait this long for the run to end (at most 5m)")
	return cmd
}

// reportRun prints the run id (stdout, so scripts can keep it), or with
// wait its outcome and output records.
func reportRun(s env, run api.Run, waited bool) error {
	if !waited {
		fmt.Fprintln(s.out, run.ID)
		return nil
	}
	switch run.Status {
	case "succeeded":
		printRecords(s, run.Output)
		fmt.Fprintf(s.err, "run %s succeeded\n", run.ID)
		return nil
	case "failed":
		fmt.Fprintf(s.err, "run %s failed: %s\n", run.ID, runFailure(run))
		return errFailed
	case "cancelled":
		fmt.Fprintf(s.err, "run %s was cancelled\n", run.ID)
		return errFailed
	}
	fmt.Fprintln(s.out, run.ID)
	fmt.Fprintf(s.err, "run %s is still %s; see it with 'bistro runs show %s'\n", run.ID, run.Status, run.ID)
	return nil
}

// remoteInput reads --input as one JSON value; several values (JSON lines)
// become a list of records.
func remoteInput(arg string, stdin io.Reader) (json.RawMessage, error) {
	name, src := "--input", io.Reader(strings.NewReader(arg))
	switch {
	case arg == "":
		return nil, nil
	case arg == "-":
		name, src = "standard input", stdin
	case strings.HasPrefix(arg, "@"):
		f, err := os.Open(arg[1:])
		if err != nil {
			return nil, readError(arg[1:], err)
		}
		defer f.Close()
		name, src = arg[1:], f
	}
	var values []json.RawMessage
	dec := json.NewDecoder(src)
	for dec.More() {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s is not valid JSON: %v", name, plainJSONError(err))
		}
		values = append(values, v)
	}
	switch len(values) {
	case 0:
		return nil, fmt.Errorf("%s is empty", name)
	case 1:
		return values[0], nil
	}
	return json.Marshal(values)
}

func newRunsCmd(s env) *cobra.Command {
	r := &remote{}
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "See and manage the runs of a Bistro server",
		Example: `  bistro runs list --flow lead-cleanup --status failed
  bistro runs show 0193a1b2-...
  bistro runs rerun 0193a1b2-... --from-failed`,
	}
	r.flags(cmd)
	cmd.AddCommand(newRunsList(s, r),
		remoteCmd(s, r, "show ID", "Print a run with its steps", "  bistro runs show 0193a1b2-...", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error { return showRun(ctx, s, c, a[0]) }),
		remoteCmd(s, r, "cancel ID", "Cancel a run that has not ended", "  bistro runs cancel 0193a1b2-...", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error {
				run, err := c.CancelRun(ctx, a[0])
				return done(s, err, "run %s: %s", a[0], run.Status)
			}),
		newRunsRerun(s, r))
	return cmd
}

func newRunsList(s env, r *remote) *cobra.Command {
	var f client.RunFilter
	cmd := remoteCmd(s, r, "list", "List runs, newest first",
		"  bistro runs list\n  bistro runs list --flow lead-cleanup --status failed --limit 20", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ []string) error {
			runs, next, err := c.ListRuns(ctx, f)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tFLOW\tVERSION\tTRIGGER\tSTATUS\tCREATED\tDURATION")
			for _, run := range runs {
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", run.ID, run.FlowName, run.FlowVersion, run.Trigger,
					run.Status, run.CreatedAt.Format(time.DateTime), duration(run))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if next != "" {
				fmt.Fprintf(s.err, "more runs: add --before %s\n", next)
			}
			return nil
		})
	cmd.Flags().StringVar(&f.Flow, "flow", "", "only runs of this flow")
	cmd.Flags().StringVar(&f.Status, "status", "", "only runs in this state: queued, running, waiting, succeeded, failed or cancelled")
	cmd.Flags().IntVar(&f.Limit, "limit", 50, "at most this many runs")
	cmd.Flags().StringVar(&f.Before, "before", "", "only runs older than this run id (for the next page)")
	return cmd
}

func duration(r api.Run) string {
	if r.StartedAt == nil || r.EndedAt == nil {
		return "-"
	}
	return r.EndedAt.Sub(*r.StartedAt).Round(time.Millisecond).String()
}

func showRun(ctx context.Context, s env, c *client.Client, id string) error {
	run, err := c.GetRun(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "run %s of flow '%s' (version %d), %s by %s\n", run.ID, run.FlowName, run.FlowVersion, run.Status, run.Trigger)
	fmt.Fprintf(s.out, "created %s, took %s\n", run.CreatedAt.Format(time.DateTime), duration(run.Run))
	if run.ParentID != "" {
		fmt.Fprintf(s.out, "re-runs %s", run.ParentID)
		if run.FromStep != "" {
			fmt.Fprintf(s.out, " from step '%s'", run.FromStep)
		}
		fmt.Fprintln(s.out)
	}
	if len(run.Error) > 0 {
		fmt.Fprintf(s.out, "error: %s\n", runFailure(run.Run))
	}
	if len(run.Steps) > 0 {
		fmt.Fprintln(s.out)
		w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "STEP\tSTATUS\tIN\tOUT\tATTEMPTS\tERROR")
		for _, st := range run.Steps {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%s\n", st.ID, st.Status, st.In, st.Out, st.Attempts, st.Error)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if len(run.Output) > 0 {
		fmt.Fprintln(s.out, "\noutput:")
		printRecords(s, run.Output)
	}
	return nil
}

func newRunsRerun(s env, r *remote) *cobra.Command {
	var fromFailed bool
	cmd := remoteCmd(s, r, "rerun ID", "Run a run's flow version again with the same input",
		"  bistro runs rerun 0193a1b2-...\n  bistro runs rerun 0193a1b2-... --from-failed", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, a []string) error {
			run, err := c.Rerun(ctx, a[0], fromFailed)
			if err != nil {
				return err
			}
			fmt.Fprintln(s.out, run.ID)
			return nil
		})
	cmd.Flags().BoolVar(&fromFailed, "from-failed", false, "start at the step that failed instead of the beginning")
	return cmd
}
