package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// memory is a log in memory: enough of a store for Verify.
type memory struct {
	events      []store.AuditEvent
	checkpoints []store.AuditCheckpoint
}

func (m *memory) ListAudit(_ context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	var out []store.AuditEvent
	for _, e := range m.events {
		if (f.After == 0 || e.Seq > f.After) && len(out) < store.AuditLimit(f.Limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memory) AuditCheckpoints(context.Context) ([]store.AuditCheckpoint, error) {
	return m.checkpoints, nil
}

// chained returns n events sealed by c, each linked to the one before, and
// a checkpoint of the last.
func chained(n int, c audit.Chain) *memory {
	m := &memory{}
	prev := ""
	t0 := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	for i := range n {
		e := store.AuditEvent{Seq: int64(i + 1), ID: fmt.Sprintf("id-%d", i+1), Time: t0.Add(time.Duration(i) * time.Second),
			Workspace: "default", Actor: store.AuditActor{Kind: "token", ID: "t1", Name: "admin"}, Action: "flow.apply",
			Target: store.AuditTarget{Kind: "flow", ID: "f1", Name: "leads"}, After: json.RawMessage(fmt.Sprintf(`{"version":%d}`, i+1)),
			PrevHash: prev}
		c.Seal(&e)
		prev = e.Hash
		m.events = append(m.events, e)
	}
	if n > 0 {
		m.checkpoints = []store.AuditCheckpoint{{Where: "the database", Seq: int64(n), Hash: prev, At: t0}}
	}
	return m
}

// TestCanonicalEncoding pins the encoding: a SIEM that checks hashes
// depends on it, so it must never change silently.
func TestCanonicalEncoding(t *testing.T) {
	t.Parallel()
	e := store.AuditEvent{Seq: 42, ID: "0193", Time: time.Date(2026, 11, 2, 9, 30, 0, 120000000, time.UTC),
		Workspace: "default", Actor: store.AuditActor{Kind: "token", ID: "t1", Name: "admin"}, Source: "192.0.2.7",
		Action: "connection.update", Target: store.AuditTarget{Kind: "connection", ID: "c1", Name: "crm"},
		Before: json.RawMessage(`{"secrets": {"password": "set"}, "config": {"port": 5432.0}}`), PrevHash: "ab"}
	want := `15:bistro-audit-v1,2:42,4:0193,27:2026-11-02T09:30:00.120000Z,7:default,5:token,2:t1,5:admin,9:192.0.2.7,` +
		`17:connection.update,10:connection,2:c1,3:crm,55:{"config":{"port":5432.0},"secrets":{"password":"set"}},0:,0:,2:ab,`
	if got := string(audit.Canonical(e)); got != want {
		t.Errorf("Canonical:\n got %s\nwant %s", got, want)
	}
	audit.Chain{}.Seal(&e)
	// printf '%s' '<the encoding>' | sha256sum
	if want := "462fbbd78341e776b1061c5c41c869efa62a503554e5c59cb9b26424277ceee1"; e.Hash != want {
		t.Errorf("Hash = %s; want %s", e.Hash, want)
	}
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	a := audit.CanonicalJSON(json.RawMessage(` { "b": 1, "a": [1.50, "x<y", {"d": null, "c": true}] } `))
	b := audit.CanonicalJSON(json.RawMessage(`{"a":[1.50,"x\u003cy",{"c":true,"d":null}],"b":1}`))
	if string(a) != string(b) || string(a) != `{"a":[1.50,"x\u003cy",{"c":true,"d":null}],"b":1}` {
		t.Errorf("CanonicalJSON: %s and %s; want the same, keys sorted, numbers as written", a, b)
	}
	if got := audit.CanonicalJSON(json.RawMessage(`{"a":`)); string(got) != `{"a":` {
		t.Errorf("CanonicalJSON of broken JSON = %s; want it unchanged", got)
	}
	if got := audit.CanonicalJSON(nil); got != nil {
		t.Errorf("CanonicalJSON(nil) = %s; want nil", got)
	}
}

func TestChainFromEnv(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) (string, bool) {
		return func(name string) (string, bool) { return v, name == audit.EnvKey }
	}
	if c, err := audit.ChainFromEnv(env("")); err != nil || c.KeyID() != "" {
		t.Errorf("no key: %q, %v; want a plain chain", c.KeyID(), err)
	}
	if _, err := audit.ChainFromEnv(env("short")); err == nil || !strings.Contains(err.Error(), "BISTRO_AUDIT_KEY is too short (5 characters): use at least 32") {
		t.Errorf("a short key: %v", err)
	}
	key := strings.Repeat("x", 32)
	a, err := audit.ChainFromEnv(env(key))
	if err != nil || len(a.KeyID()) != 16 || a.KeyID() != audit.NewChain([]byte(key)).KeyID() || strings.Contains(a.KeyID(), "xx") {
		t.Errorf("a key: id %q, %v; want a stable id that does not show the key", a.KeyID(), err)
	}
}

func TestActorFromContext(t *testing.T) {
	t.Parallel()
	if a, src := audit.ActorFrom(context.Background()); a != audit.System || src != "" {
		t.Errorf("ActorFrom of a bare context = %+v, %q; want System", a, src)
	}
	who := store.AuditActor{Kind: "token", ID: "t1", Name: "admin"}
	if a, src := audit.ActorFrom(audit.WithActor(context.Background(), who, "192.0.2.7")); a != who || src != "192.0.2.7" {
		t.Errorf("ActorFrom = %+v, %q", a, src)
	}
}

func verifyMemory(t *testing.T, m *memory, c audit.Chain) audit.Report {
	t.Helper()
	rep, err := audit.Verify(t.Context(), m, c)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestVerifyPages checks a log of several pages, with an event missing
// on the second.
func TestVerifyPages(t *testing.T) {
	t.Parallel()
	m := chained(2500, audit.Chain{})
	m.events = append(m.events[:1400], m.events[1401:]...)
	rep := verifyMemory(t, m, audit.Chain{})
	checkProblems(t, rep, []string{"event 1401 is missing"})
	if rep.Events != 2499 || rep.Head != 2500 {
		t.Errorf("Verify read %d events up to %d; want 2499 up to 2500", rep.Events, rep.Head)
	}
}

// TestVerifyNewestRewritten rewrites the last event with its hash computed
// again: no event links to it, only its checkpoint tells.
func TestVerifyNewestRewritten(t *testing.T) {
	t.Parallel()
	m := chained(3, audit.Chain{})
	m.events[2].Actor.Name = "nobody"
	audit.Chain{}.Seal(&m.events[2])
	checkProblems(t, verifyMemory(t, m, audit.Chain{}), []string{
		"event 3 does not match its checkpoint in the database (of 2026-11-02 09:30:00 UTC): the log up to it was rewritten"})
}

func TestVerifyOutOfOrderExport(t *testing.T) {
	t.Parallel()
	m := chained(3, audit.Chain{})
	m.events = append(m.events, m.events[1])
	checkProblems(t, verifyMemory(t, m, audit.Chain{}), []string{"event 2 comes again after event 3: the events are out of order"})
}

func TestVerifyImpossibleSeq(t *testing.T) {
	t.Parallel()
	m := chained(2, audit.Chain{})
	m.events[0].Seq = -1
	checkProblems(t, verifyMemory(t, m, audit.Chain{}), []string{"event 1 is missing", "an event is numbered -1, which no event can be: the log was edited"})
}

func TestVerifyEmpty(t *testing.T) {
	t.Parallel()
	rep := verifyMemory(t, &memory{}, audit.Chain{})
	if !rep.OK() || rep.Events != 0 || rep.Head != 0 {
		t.Errorf("Verify of an empty log = %+v", rep)
	}
	m := &memory{checkpoints: []store.AuditCheckpoint{{Where: "the database", Seq: 4, Hash: "x"}}}
	checkProblems(t, verifyMemory(t, m, audit.Chain{}), []string{"events 1–4 were removed after the last checkpoint (in the database, of an unknown time)"})
}
