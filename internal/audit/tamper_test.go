package audit_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/postgres"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

// backend is a store and a way around it to its database, as someone with
// access to the database server or file would have.
type backend struct {
	store.Store
	exec func(t *testing.T, statements ...string)
	dir  string // SQLite's data directory
}

var backends = []struct {
	name string
	open func(t *testing.T) backend
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

// migrated is the files of a data directory whose database Open has
// created and migrated once: migrating costs far more under -race than
// any test here, so each test starts from a copy.
var migrated = sync.OnceValues(func() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "bistro-audit-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(context.Background(), sqlite.Config{Dir: dir})
	if err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if files[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			return nil, err
		}
	}
	return files, nil
})

func openSQLite(t *testing.T) backend {
	files, err := migrated()
	if err != nil {
		t.Fatalf("create the template database: %v", err)
	}
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := sqlite.Open(t.Context(), sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exec := func(t *testing.T, statements ...string) {
		t.Helper()
		for _, q := range statements {
			if _, err := db.ExecContext(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	return backend{Store: s, exec: exec, dir: dir}
}

func openPostgres(t *testing.T) backend {
	schema := storetest.PostgresSchema(t, "bistro_audit")
	s, err := postgres.Open(t.Context(), postgres.Config{URL: storetest.PostgresURL(), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cfg, err := pgx.ParseConfig(storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	exec := func(t *testing.T, statements ...string) {
		t.Helper()
		for _, q := range statements {
			if _, err := conn.Exec(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	return backend{Store: s, exec: exec}
}

// record appends n events through a Log (checkpointing each one).
func record(t *testing.T, l audit.Log, n int) []store.AuditEvent {
	t.Helper()
	ctx := audit.WithActor(t.Context(), store.AuditActor{Kind: "token", ID: "tok-1", Name: "admin"}, "192.0.2.7")
	var out []store.AuditEvent
	for i := range n {
		e, err := l.Record(ctx, audit.Change{Workspace: store.DefaultWorkspace, Action: "flow.apply",
			Target: store.AuditTarget{Kind: "flow", ID: "f-" + string(rune('a'+i)), Name: "flow-" + string(rune('a'+i))},
			Before: map[string]any{"version": i}, After: map[string]any{"version": i + 1}})
		if err != nil {
			t.Fatalf("Record: %v", err)
		}
		out = append(out, e)
	}
	return out
}

func verify(t *testing.T, b backend, c audit.Chain) audit.Report {
	t.Helper()
	rep, err := audit.Verify(t.Context(), b, c)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func messages(rep audit.Report) []string {
	out := []string{}
	for _, p := range rep.Problems {
		out = append(out, p.Message)
	}
	return out
}

// TestVerifyDetectsTampering edits the database behind the store's back
// and checks that Verify names exactly what was done.
func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper func(t *testing.T, b backend, events []store.AuditEvent)
		want   []string // each a problem, in order; "*" matches the rest of a message
	}{
		{"nothing", func(*testing.T, backend, []store.AuditEvent) {}, nil},
		{"edit", func(t *testing.T, b backend, _ []store.AuditEvent) {
			b.exec(t, `UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 3`)
		}, []string{"event 3 was changed (its hash does not match)"}},
		{"edit a state", func(t *testing.T, b backend, _ []store.AuditEvent) {
			b.exec(t, `UPDATE audit_events SET state_after = '{"version":99}' WHERE seq = 2`)
		}, []string{"event 2 was changed (its hash does not match)"}},
		{"delete", func(t *testing.T, b backend, _ []store.AuditEvent) {
			b.exec(t, `DELETE FROM audit_events WHERE seq = 4`)
		}, []string{"event 4 is missing"}},
		{"delete the first", func(t *testing.T, b backend, _ []store.AuditEvent) {
			b.exec(t, `DELETE FROM audit_events WHERE seq <= 2`)
		}, []string{"events 1–2 are missing"}},
		{"reorder", func(t *testing.T, b backend, _ []store.AuditEvent) {
			b.exec(t, `UPDATE audit_events SET seq = 0 WHERE seq = 2`,
				`UPDATE audit_events SET seq = 2 WHERE seq = 3`,
				`UPDATE audit_events SET seq = 3 WHERE seq = 0`)
		}, []string{"event 2 was moved: it was recorded as event 3 (the events were reordered)",
			"event 3 was moved: it was recorded as event 2 (the events were reordered)"}},
		{"rewrite with the hash computed again", func(t *testing.T, b backend, events []store.AuditEvent) {
			e := events[2]
			e.Target.Name = "innocent"
			audit.Chain{}.Seal(&e)
			b.exec(t, `UPDATE audit_events SET target_name = 'innocent', hash = '`+e.Hash+`' WHERE seq = 3`)
		}, []string{"event 3 was changed (its hash was computed again, but event 4 still links to the original)"}},
		{"truncate", func(t *testing.T, b backend, _ []store.AuditEvent) {
			b.exec(t, `DELETE FROM audit_events WHERE seq >= 4`, `UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 3)`)
		}, []string{"events 4–5 were removed after the last checkpoint (in the database, of *"}},
	}
	for _, be := range backends {
		for _, c := range cases {
			t.Run(be.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				b := be.open(t)
				events := record(t, audit.Log{Store: b}, 5)
				c.tamper(t, b, events)
				rep := verify(t, b, audit.Chain{})
				checkProblems(t, rep, c.want)
				if c.want == nil && (rep.Events != 5 || rep.Head != 5 || rep.HeadHash != events[4].Hash) {
					t.Errorf("Verify of an intact log = %+v; want 5 events up to %s", rep, events[4].Hash)
				}
			})
		}
	}
}

func checkProblems(t *testing.T, rep audit.Report, want []string) {
	t.Helper()
	got := messages(rep)
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		prefix, wild := strings.CutSuffix(want[i], "*")
		ok = got[i] == want[i] || (wild && strings.HasPrefix(got[i], prefix))
	}
	if !ok {
		t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if rep.OK() != (len(want) == 0) {
		t.Errorf("OK() = %v with problems %v", rep.OK(), got)
	}
}

// TestTruncationShowsInTheCheckpointFile removes the newest events and
// their checkpoints from the SQLite database: the file in the data
// directory still knows the head.
func TestTruncationShowsInTheCheckpointFile(t *testing.T) {
	t.Parallel()
	b := openSQLite(t)
	record(t, audit.Log{Store: b}, 6)
	b.exec(t, `DELETE FROM audit_events WHERE seq >= 4`, `DELETE FROM audit_checkpoints WHERE seq >= 4`,
		`UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 3)`)
	file := filepath.Join(b.dir, sqlite.AuditCheckpointFile)
	checkProblems(t, verify(t, b, audit.Chain{}), []string{"events 4–6 were removed after the last checkpoint (in " + file + ", of *"})

	// Without the file, what the database says is all there is, and the
	// missing file is a problem of its own.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	checkProblems(t, verify(t, b, audit.Chain{}), []string{"the checkpoint file " + file + " is missing: *"})
}

// TestKeyedChain checks that with BISTRO_AUDIT_KEY a rewrite that
// recomputes every hash without the key is caught, and that verifying
// without the key, or with another one, says so.
func TestKeyedChain(t *testing.T) {
	t.Parallel()
	key := audit.NewChain([]byte(strings.Repeat("k", 40)))
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.open(t)
			events := record(t, audit.Log{Store: b, Chain: key}, 3)
			if rep := verify(t, b, key); !rep.OK() || rep.Events != 3 || len(rep.Notes) != 0 {
				t.Fatalf("Verify with the key = %+v; want OK", rep)
			}
			checkProblems(t, verify(t, b, audit.Chain{}), []string{
				"events 1–3 have keyed hashes (key id " + key.KeyID() + ") and could not be checked: set BISTRO_AUDIT_KEY to the server's key"})
			other := audit.NewChain([]byte(strings.Repeat("o", 40)))
			checkProblems(t, verify(t, b, other), []string{
				"events 1–3 have hashes keyed with another key (id " + key.KeyID() + ") than BISTRO_AUDIT_KEY (id " + other.KeyID() + ") and could not be checked"})

			// Rewriting event 3 keyed with a guessed key fails; so does
			// passing it off as a plain event.
			e := events[2]
			e.Action = "flow.enable"
			other.Seal(&e)
			e.KeyID = key.KeyID()
			b.exec(t, `UPDATE audit_events SET action = 'flow.enable', hash = '`+e.Hash+`' WHERE seq = 3`)
			checkProblems(t, verify(t, b, key), []string{"event 3 was changed (its hash does not match)"})
			audit.Chain{}.Seal(&e)
			b.exec(t, `UPDATE audit_events SET key_id = '', hash = '`+e.Hash+`' WHERE seq = 3`)
			rep := verify(t, b, key)
			if got := messages(rep); len(got) == 0 || !strings.HasPrefix(got[0], "event 3 has a plain hash although event 1 before it is keyed") {
				t.Errorf("a downgraded event: problems %q", got)
			}
		})
	}
}

// TestPlainEventsBeforeTheKey checks the note about events hashed before
// the key was set: they are not problems.
func TestPlainEventsBeforeTheKey(t *testing.T) {
	t.Parallel()
	b := openSQLite(t)
	record(t, audit.Log{Store: b}, 2)
	key := audit.NewChain([]byte(strings.Repeat("k", 40)))
	record(t, audit.Log{Store: b, Chain: key}, 2)
	rep := verify(t, b, key)
	if !rep.OK() || rep.Events != 4 || len(rep.Notes) != 1 || !strings.HasPrefix(rep.Notes[0], "events 1–2 have plain SHA-256 hashes") {
		t.Errorf("Verify = %+v; want OK with a note on events 1–2", rep)
	}
}
