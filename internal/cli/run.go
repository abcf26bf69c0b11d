package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/httpstep"
	"github.com/bistro-dev/bistro/internal/version"
	"github.com/spf13/cobra"
)

type runFlags struct {
	input       string
	allowEnv    []string
	allowNet    []string
	allowFolder []string
	connections string
	pretty      bool
	stats       bool
}

func newRun(s env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a flow here, without a server, and print its output records",
		Long: `Run a flow in this process and print the records that come out of its last
step as JSON lines on standard output. Progress and problems go to standard
error. The input is --input (inline JSON, @file, or - for standard input) or,
without --input, the JSON lines on standard input. A list gives one record per
element.`,
		Example: `  bistro run examples/lead-cleanup.yaml --input '{"email":" Ann@Example.COM "}'
  bistro run examples/lead-cleanup.yaml --input @leads.json
  cat leads.jsonl | bistro run examples/lead-cleanup.yaml
  bistro run --allow-network 127.0.0.1 --allow-env API_TOKEN flows/sync.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFile(cmd.Context(), s, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.input, "input", "i", "", "input: inline JSON, @file.json, or - for standard input")
	fl.StringArrayVar(&f.allowEnv, "allow-env", nil, "environment variable flows may read as env.NAME (repeatable; also "+envAllowEnv+")")
	fl.StringArrayVar(&f.allowNet, "allow-network", nil, "private network or address outbound calls may reach, e.g. 10.0.0.0/8 (repeatable; also "+envAllowNet+")")
	fl.StringArrayVar(&f.allowFolder, "allow-folder", nil, "folder connectors may read and write files in (repeatable; also "+envAllowFolders+")")
	fl.StringVar(&f.connections, "connections", "", "YAML file of the connections the flow's steps use (see docs/connections.md)")
	fl.BoolVar(&f.pretty, "pretty", false, "indent output records")
	fl.BoolVar(&f.stats, "stats", false, "print records in and out of every step")
	return cmd
}

func runFile(ctx context.Context, s env, file string, f runFlags) error {
	allowed := append(s.list(envAllowEnv), f.allowEnv...)
	conns, err := readConnections(f.connections)
	if err != nil {
		return err
	}
	l := loader{allowedEnv: allowed, connections: conns}
	doc, diags, err := l.read(file)
	if err != nil {
		return err
	}
	if len(diags) > 0 {
		fmt.Fprint(s.err, diags.Format(false), "\n\n")
	}
	if diags.HasErrors() {
		return errFailed
	}
	opts, err := engineOptions(s, l, allowed, append(s.list(envAllowNet), f.allowNet...))
	if err != nil {
		return err
	}
	pool, err := conns.pool(s, f, allowed, opts)
	if err != nil {
		return err
	}
	defer pool.Close()
	opts.Connections = pool
	plan, err := engine.Compile(doc, opts)
	if err != nil {
		return err
	}
	in, err := openInput(f.input, s.in)
	if err != nil {
		return err
	}
	defer in.close()
	return execute(ctx, s, plan, doc, in, f)
}

func engineOptions(s env, l loader, allowedEnv, allowNet []string) (engine.Options, error) {
	nets, err := egress.ParseAllow(allowNet)
	if err != nil {
		return engine.Options{}, err
	}
	env := make(map[string]string, len(allowedEnv))
	for _, name := range allowedEnv {
		if v, ok := s.lookup(name); ok {
			env[name] = v
		}
	}
	return engine.Options{
		Env:    env,
		HTTP:   httpstep.NewClient(httpstep.ClientOptions{Egress: egress.Policy{Allow: nets}, UserAgent: "bistro/" + version.String()}),
		Flows:  l,
		Logger: slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}, nil
}

func execute(ctx context.Context, s env, plan *engine.Plan, doc *flow.Document, in *input, f runFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	w := bufio.NewWriterSize(s.out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if f.pretty {
		enc.SetIndent("", "  ")
	}
	start := time.Now()
	res, err := plan.Run(ctx, engine.Input{Trigger: triggerFor(doc.Flow, in.single), Records: in.records}, func(r engine.Record) error {
		return enc.Encode(r)
	})
	if ferr := w.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	return report(s.err, res, err, time.Since(start), f.stats)
}

// triggerFor builds the trigger variable of a local run the way the server
// will for the flow's kind of trigger, so a flow behaves the same in both.
func triggerFor(fl *flow.Flow, single any) map[string]any {
	t := map[string]any{}
	if single != nil {
		t["input"] = single
	}
	switch {
	case fl.Trigger.Webhook != nil:
		method := fl.Trigger.Webhook.Method
		if method == "" {
			method = "POST"
		}
		t["method"], t["headers"], t["query"], t["body"] = method, map[string]any{}, map[string]any{}, single
	case fl.Trigger.Schedule != nil:
		t["scheduled_at"] = time.Now().UTC().Format(time.RFC3339)
	}
	return t
}

func report(w io.Writer, res *engine.Result, err error, took time.Duration, stats bool) error {
	if res == nil {
		return err
	}
	if stats {
		for _, st := range res.Steps {
			fmt.Fprintf(w, "  step %-20s in %-8d out %-8d failed %d\n", st.Step, st.In, st.Out, st.Failed)
		}
	}
	if res.Response != nil {
		body, _ := json.Marshal(res.Response.Body)
		fmt.Fprintf(w, "reply: %d %s\n", res.Response.Status, body)
	}
	switch res.Status {
	case engine.StatusFailed:
		fmt.Fprintf(w, "run failed after %s: %v\n", round(took), res.Error)
		if res.Error != nil && res.Error.Record != nil {
			rec, _ := json.Marshal(res.Error.Record)
			fmt.Fprintf(w, "  the record was: %s\n", truncate(string(rec), 500))
		}
		return errFailed
	case engine.StatusStopped:
		fmt.Fprintf(w, "run stopped early after %s: %s\n", round(took), res.StopReason)
	default:
		fmt.Fprintf(w, "run succeeded in %s\n", round(took))
	}
	if err != nil {
		return err
	}
	return nil
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Microsecond)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
