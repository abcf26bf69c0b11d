package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/bistro-dev/bistro/internal/runner"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
)

func newAuditCmd(s env) *cobra.Command {
	r := &remote{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read, export and verify the audit log",
		Long: `Every change to flows, connections and secrets is an event in the audit log:
who made it, when, from where, and the object before and after (never a
secret's value). The events are chained by hashes, so 'bistro audit verify'
finds any event that was changed, removed or reordered in the database.`,
		Example: `  bistro audit list --action connection
  bistro audit export --after 41 >> audit.jsonl
  bistro audit verify --data /var/lib/bistro`,
	}
	r.flags(cmd)
	var q client.AuditQuery
	var since, until string
	var asJSON bool
	list := remoteCmd(s, r, "list", "List audit events, newest first",
		"  bistro audit list\n  bistro audit list --target crm-db --since 2026-11-01\n  bistro audit list --action flow.delete --json",
		cobra.NoArgs, func(ctx context.Context, c *client.Client, _ []string) error {
			if err := parseRange(&q, since, until); err != nil {
				return err
			}
			events, next, err := c.ListAudit(ctx, q)
			if err != nil {
				return err
			}
			return printAudit(s, events, next, asJSON)
		})
	auditFilterFlags(list, &q, &since, &until)
	list.Flags().IntVar(&q.Limit, "limit", 50, "at most this many events")
	list.Flags().Int64Var(&q.Before, "before", 0, "events before this seq (to page back)")
	list.Flags().BoolVar(&asJSON, "json", false, "print one JSON event a line")
	cmd.AddCommand(list, newAuditExport(s, r), newAuditVerify(s, r))
	return cmd
}

func auditFilterFlags(cmd *cobra.Command, q *client.AuditQuery, since, until *string) {
	fl := cmd.Flags()
	fl.StringVar(&q.Action, "action", "", "only this action (flow.delete), or every action of a kind (flow)")
	fl.StringVar(&q.Target, "target", "", "only changes to the flow, connection... with this name or id")
	fl.StringVar(&q.Actor, "actor", "", "only changes by the token with this name or id")
	fl.StringVar(since, "since", "", "only events from this time: 2026-11-02, 2026-11-02T09:30:00Z, or a while ago (36h)")
	fl.StringVar(until, "until", "", "only events before this time, written as for --since")
}

// parseRange reads --since and --until.
func parseRange(q *client.AuditQuery, since, until string) error {
	var err error
	if q.Since, err = parseWhen("--since", since); err != nil {
		return err
	}
	q.Until, err = parseWhen("--until", until)
	return err
}

// parseWhen reads a time as RFC 3339, a date (midnight UTC) or a duration
// before now.
func parseWhen(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not a time: write 2026-11-02, 2026-11-02T09:30:00Z or a while ago such as 36h", flag, v)
}

func printAudit(s env, events []api.AuditEvent, next int64, asJSON bool) error {
	var err error
	switch {
	case asJSON:
		err = printAuditJSON(s.out, events)
	case len(events) == 0:
		fmt.Fprintln(s.err, "no audit events")
	default:
		err = printAuditTable(s.out, events)
	}
	if err == nil && next > 0 {
		fmt.Fprintf(s.err, "more with --before %d\n", next)
	}
	return err
}

func printAuditJSON(w io.Writer, events []api.AuditEvent) error {
	enc := json.NewEncoder(w)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

func printAuditTable(out io.Writer, events []api.AuditEvent) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SEQ\tTIME\tACTOR\tSOURCE\tACTION\tTARGET")
	for _, e := range events {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.UTC().Format(time.DateTime), refName(e.Actor),
			e.Source, e.Action, refName(e.Target))
	}
	return w.Flush()
}

// refName is an actor or target as a person reads it: its name, else its
// kind and id.
func refName(r api.AuditRef) string {
	switch {
	case r.Name != "":
		return r.Name
	case r.ID != "":
		return r.Kind + " " + r.ID
	}
	return r.Kind
}

func newAuditExport(s env, r *remote) *cobra.Command {
	var q client.AuditQuery
	var since, until, output string
	cmd := remoteCmd(s, r, "export", "Export audit events as JSON lines, oldest first, for a SIEM",
		"  bistro audit export > audit.jsonl\n  bistro audit export --after 41 >> audit.jsonl\n  bistro audit export --since 2026-11-01 --output november.jsonl",
		cobra.NoArgs, func(ctx context.Context, c *client.Client, _ []string) error {
			if err := parseRange(&q, since, until); err != nil {
				return err
			}
			if output == "" {
				return c.ExportAudit(ctx, q, s.out)
			}
			return exportToFile(ctx, c, q, output)
		})
	auditFilterFlags(cmd, &q, &since, &until)
	cmd.Flags().Int64Var(&q.After, "after", 0, "only events after this seq: the last one of the previous export")
	cmd.Flags().StringVar(&output, "output", "", "write to this file (replaced only once the export is complete) instead of the standard output")
	return cmd
}

// exportToFile writes the export beside the file and puts it in place
// once complete, so that a broken export never replaces a good file.
func exportToFile(ctx context.Context, c *client.Client, q client.AuditQuery, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write the export: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := c.ExportAudit(ctx, q, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write the export: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

func newAuditVerify(s env, r *remote) *cobra.Command {
	var database, file string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that no audit event was changed, removed or reordered",
		Long: `Read the whole audit log straight from the database and check every event's
hash, the chain that links each event to the one before, that no event is
missing, and that the log reaches its last checkpoint (kept in the database
and, with SQLite, in <data>/` + sqlite.AuditCheckpointFile + `). It only reads, and may run while
the server does. With a key in ` + audit.EnvKey + `, give the same key here.
--file checks an export ('bistro audit export') instead. Every problem is
listed; the exit status is then 1.`,
		Example: `  bistro audit verify --data /var/lib/bistro
  bistro audit verify --database-url postgres://bistro@db.internal:5432/bistro
  bistro audit verify --file audit.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return verifyAudit(ctx, s, firstOf(r.data, s.get(envData), "bistro-data"), firstOf(database, s.get(envDatabase)), file)
		},
	}
	cmd.Flags().StringVar(&database, "database-url", "", "PostgreSQL URL, when the server uses one (also "+envDatabase+")")
	cmd.Flags().StringVar(&file, "file", "", "check this export (JSON lines) instead of the database")
	return cmd
}

func verifyAudit(ctx context.Context, s env, dataDir, database, file string) error {
	chain, err := audit.ChainFromEnv(s.lookup)
	if err != nil {
		return err
	}
	var rep audit.Report
	switch {
	case file != "":
		rep, err = verifyExport(file, chain)
	case database != "":
		rep, err = verifyDatabase(ctx, database, chain)
	default:
		rep, err = verifyDataDir(ctx, dataDir, chain)
	}
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(s.err, "note:", n)
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(s.err, "error:", p.Message)
		}
		fmt.Fprintf(s.err, "the audit log was tampered with: %d problems in %d events\n", len(rep.Problems), rep.Events)
		return errFailed
	}
	if rep.Events == 0 {
		fmt.Fprintln(s.out, "OK: the audit log is empty")
		return nil
	}
	if rep.First > 1 {
		fmt.Fprintf(s.out, "OK: events %d–%d, intact; the last has the hash %s\n", rep.First, rep.Head, rep.HeadHash)
		return nil
	}
	fmt.Fprintf(s.out, "OK: %d events, intact; the last is event %d, hash %s\n", rep.Events, rep.Head, rep.HeadHash)
	return nil
}

func verifyDataDir(ctx context.Context, dir string, chain audit.Chain) (audit.Report, error) {
	rd, err := sqlite.OpenAuditReader(ctx, dir)
	if err != nil {
		return audit.Report{}, err
	}
	defer rd.Close()
	return audit.Verify(ctx, rd, chain)
}

func verifyDatabase(ctx context.Context, url string, chain audit.Chain) (audit.Report, error) {
	st, err := openStore(ctx, serveFlags{database: url}, slog.New(slog.DiscardHandler))
	if err != nil {
		return audit.Report{}, err
	}
	defer st.Close()
	return audit.Verify(ctx, st, chain)
}

// verifyExport checks an export. Its last event is the head it claims: a
// SIEM that kept the head of an earlier export compares the two.
func verifyExport(path string, chain audit.Chain) (audit.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return audit.Report{}, fmt.Errorf("cannot read the export: %w", err)
	}
	defer f.Close()
	events := func(yield func(store.AuditEvent, error) bool) {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for line := 1; sc.Scan(); line++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var e api.AuditEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				yield(store.AuditEvent{}, fmt.Errorf("%s:%d is not an audit event: %v", path, line, err))
				return
			}
			if !yield(e.Stored(), nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(store.AuditEvent{}, fmt.Errorf("cannot read the export: %w", err))
		}
	}
	// An export made with --after starts past event 1 on purpose.
	return audit.VerifyPart(events, chain)
}

// recordRotation adds a rotation of the secrets' key to the audit log,
// as done from the command line by the user running it.
func recordRotation(ctx context.Context, s env, st store.Store, rep runner.RotateReport) {
	if rep.Resealed == 0 {
		return
	}
	chain, err := audit.ChainFromEnv(s.lookup)
	if err == nil {
		_, err = audit.Log{Store: st, Chain: chain}.Record(audit.WithActor(ctx, cliActor(), cliSource()), audit.Change{
			Action: "secrets.rotate", Target: store.AuditTarget{Kind: "key", ID: rep.KeyID, Name: rep.KeyID},
			After: map[string]any{"key": rep.KeyID, "secrets": rep.Total, "resealed": rep.Resealed,
				"already_current": rep.Current, "failed": len(rep.Failed)}})
	}
	if err != nil {
		fmt.Fprintf(s.err, "warning: the rotation could not be recorded in the audit log: %v\n", err)
	}
}

// cliActor is the user running the command line.
func cliActor() store.AuditActor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return store.AuditActor{Kind: "cli", ID: name, Name: name}
}

// cliSource is where a command line change comes from: this machine.
func cliSource() string {
	host, err := os.Hostname()
	if err != nil {
		return "command line"
	}
	return "command line on " + host
}
