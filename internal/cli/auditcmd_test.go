package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
)

func TestAuditListAndExport(t *testing.T) {
	t.Parallel()
	srv, vars := serverVars(t)
	leads := store.AuditTarget{Kind: "flow", ID: "flow-leads", Name: "leads"}
	admin := store.AuditActor{Kind: "token", ID: "tok-admin", Name: "admin (first start)"}
	for i, action := range []string{"flow.apply", "flow.disable", "connection.create"} {
		srv.Backend.AddAuditEvent(store.AuditEvent{Workspace: "default", Actor: admin, Source: "192.0.2.7", Action: action,
			Target: leads, Time: apitest.T0.Add(time.Duration(i) * time.Hour), Hash: "h"})
	}
	r := runCLI(t, "", vars, "audit", "list", "--action", "flow")
	if r.code != 0 || !strings.Contains(r.stdout, "SEQ") || !strings.Contains(r.stdout, "2026-11-02 10:30:00  admin (first start)  192.0.2.7  flow.disable  leads") ||
		strings.Contains(r.stdout, "connection.create") {
		t.Fatalf("list --action flow: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "audit", "list", "--limit", "1", "--json")
	var e api.AuditEvent
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &e) != nil || e.Seq != 3 || !strings.Contains(r.stderr, "more with --before 3") {
		t.Errorf("list --json: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "audit", "list", "--since", "last week"); r.code != 2 || !strings.Contains(r.stderr, `--since "last week" is not a time`) {
		t.Errorf("a bad --since: code %d, %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", vars, "audit", "list", "--until", "2026-11-02T10:00:00Z"); r.code != 0 || strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("list --until: code %d\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", vars, "audit", "export", "--after", "1")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], `{"seq":2,`) {
		t.Errorf("export --after 1: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "audit.jsonl")
	if r := runCLI(t, "", vars, "audit", "export", "--output", out); r.code != 0 {
		t.Fatalf("export --output: code %d, %s", r.code, r.stderr)
	}
	if data, err := os.ReadFile(out); err != nil || strings.Count(string(data), "\n") != 3 {
		t.Errorf("the export file: %q, %v", data, err)
	}
}

// auditedDataDir is a data directory whose audit log holds two
// connections created and a rotation of their key.
func auditedDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	k1, k2 := keyText("k1"), keyText("k2")
	seedSecrets(t, dir, k1, "a", "b")
	if r := runCLI(t, "", map[string]string{"BISTRO_SECRET_KEY": k2 + "," + k1}, "secrets", "rotate", "--data", dir); r.code != 0 {
		t.Fatalf("rotate: code %d, %s", r.code, r.stderr)
	}
	return dir
}

// tamper runs SQL on a data directory's database behind Bistro's back.
func tamper(t *testing.T, dir string, statements ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range statements {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditVerifyCatchesATamperedDatabase(t *testing.T) {
	t.Parallel()
	dir := auditedDataDir(t)
	// verify only reads: it runs beside a server that holds the directory.
	st, err := sqlite.Open(context.Background(), sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "audit", "verify", "--data", dir)
	st.Close()
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK: 3 events, intact; the last is event 3, hash ") {
		t.Fatalf("verify: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rd, err := sqlite.OpenAuditReader(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	events, err := rd.ListAudit(context.Background(), store.AuditFilter{Oldest: true})
	rd.Close()
	if err != nil || len(events) != 3 || events[0].Action != "connection.create" || events[2].Action != "secrets.rotate" ||
		events[2].Actor.Kind != "cli" || !strings.HasPrefix(events[2].Source, "command line") || events[2].Target.ID != "k2" {
		t.Fatalf("the log: %+v, %v; want two connections created and the rotation, by the command line", events, err)
	}

	tamper(t, dir, `UPDATE audit_events SET target_name = 'c' WHERE seq = 2`,
		`DELETE FROM audit_events WHERE seq = 3`, `DELETE FROM audit_checkpoints WHERE seq = 3`)
	r = runCLI(t, "", nil, "audit", "verify", "--data", dir)
	want := []string{"error: event 2 was changed (its hash does not match)",
		"error: event 3 was removed after the last checkpoint (in " + filepath.Join(dir, sqlite.AuditCheckpointFile),
		"the audit log was tampered with: 2 problems in 2 events"}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("verify of a tampered database lacks %q:\n%s", w, r.stderr)
		}
	}
	if r.code != 1 || r.stdout != "" {
		t.Errorf("verify of a tampered database: code %d, stdout %q", r.code, r.stdout)
	}
}

func TestAuditVerifyFailsInPlainWords(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, c := range []struct {
		args   []string
		vars   map[string]string
		stderr string
	}{
		{[]string{"--data", empty}, nil, "there is no Bistro database in " + empty},
		{[]string{"--data", empty}, map[string]string{"BISTRO_AUDIT_KEY": "short"}, "BISTRO_AUDIT_KEY is too short"},
		{[]string{"--file", filepath.Join(empty, "nope.jsonl")}, nil, "cannot read the export"},
		{[]string{"--database-url", "postgres://nobody@127.0.0.1:1/x"}, nil, "cannot use the PostgreSQL database"},
	} {
		r := runCLI(t, "", c.vars, append([]string{"audit", "verify"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("verify %v: code %d, stderr %q; want %q", c.args, r.code, r.stderr, c.stderr)
		}
	}
}

func TestAuditVerifyAnExport(t *testing.T) {
	t.Parallel()
	dir := auditedDataDir(t)
	rd, err := sqlite.OpenAuditReader(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	events, err := rd.ListAudit(context.Background(), store.AuditFilter{Oldest: true})
	rd.Close()
	if err != nil {
		t.Fatal(err)
	}
	write := func(events []store.AuditEvent, edit func(*api.AuditEvent)) string {
		var b strings.Builder
		for _, e := range events {
			out := api.AuditEventOut(e)
			if edit != nil {
				edit(&out)
			}
			line, _ := json.Marshal(out)
			b.Write(append(line, '\n'))
		}
		return writeFile(t, "audit.jsonl", b.String())
	}
	if r := runCLI(t, "", nil, "audit", "verify", "--file", write(events, nil)); r.code != 0 || !strings.HasPrefix(r.stdout, "OK: 3 events") {
		t.Errorf("verify an export: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", nil, "audit", "verify", "--file", write(events[1:], nil)); r.code != 0 || !strings.HasPrefix(r.stdout, "OK: events 2–3, intact") {
		t.Errorf("verify an export after event 1: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	edited := write(events, func(e *api.AuditEvent) {
		if e.Seq == 1 {
			e.After = json.RawMessage(`{"config":{},"connector":"safe","labels":[],"secrets":{}}`)
		}
	})
	if r := runCLI(t, "", nil, "audit", "verify", "--file", edited); r.code != 1 || !strings.Contains(r.stderr, "error: event 1 was changed (its hash does not match)") {
		t.Errorf("verify an edited export: code %d\n%s", r.code, r.stderr)
	}
}
