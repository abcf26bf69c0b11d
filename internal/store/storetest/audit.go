package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// addAuditTests adds the cases of store.AuditStore to the suite.
func addAuditTests(tests map[string]func(t *testing.T, s store.Store)) {
	tests["AuditAppend"] = testAuditAppend
	tests["AuditFilters"] = testAuditFilters
	tests["AuditConcurrentAppends"] = testAuditConcurrentAppends
	tests["AuditCheckpoints"] = testAuditCheckpoints
}

// appendAudit appends an event sealed by a plain chain and fails the test
// on error.
func appendAudit(t *testing.T, s store.Store, e store.AuditEvent) store.AuditEvent {
	t.Helper()
	out, err := s.AppendAudit(t.Context(), e, audit.Chain{}.Seal)
	if err != nil {
		t.Fatalf("AppendAudit(%s): %v", e.Action, err)
	}
	return out
}

func listAudit(t *testing.T, s store.Store, f store.AuditFilter) []store.AuditEvent {
	t.Helper()
	out, err := s.ListAudit(t.Context(), f)
	if err != nil {
		t.Fatalf("ListAudit(%+v): %v", f, err)
	}
	return out
}

func seqs(events []store.AuditEvent) []int64 {
	out := []int64{}
	for _, e := range events {
		out = append(out, e.Seq)
	}
	return out
}

// verifyAudit verifies the store's log and fails the test on a problem.
func verifyAudit(t *testing.T, s store.Store, events int64) {
	t.Helper()
	rep, err := audit.Verify(t.Context(), s, audit.Chain{})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.OK() || rep.Events != events || rep.Head != events {
		t.Errorf("Verify = %+v; want %d events and no problem", rep, events)
	}
}

func testAuditAppend(t *testing.T, s store.Store) {
	at := time.Date(2026, 11, 2, 9, 30, 0, 123456789, time.UTC)
	in := store.AuditEvent{Time: at, Workspace: store.DefaultWorkspace,
		Actor: store.AuditActor{Kind: "token", ID: "tok-1", Name: "admin"}, Source: "192.0.2.7",
		Action: "connection.update", Target: store.AuditTarget{Kind: "connection", ID: "c-1", Name: "crm"},
		Before: json.RawMessage(`{"config":{"host":"a","port":5432},"secrets":{"password":"set"}}`),
		After:  json.RawMessage(`{"config":{"host":"b","port":5432},"secrets":{"password":"set"}}`)}
	first := appendAudit(t, s, in)
	want := in
	want.Seq, want.ID, want.Time, want.PrevHash = 1, first.ID, at.Truncate(time.Microsecond), ""
	audit.Chain{}.Seal(&want)
	if diff := cmp.Diff(want, first); diff != "" || first.ID == "" {
		t.Errorf("AppendAudit (-want +got):\n%s", diff)
	}
	second := appendAudit(t, s, store.AuditEvent{Action: "flow.delete", Actor: audit.System,
		Target: store.AuditTarget{Kind: "flow", Name: "old"}})
	if second.Seq != 2 || second.PrevHash != first.Hash || second.Time.IsZero() || second.Before != nil || second.After != nil {
		t.Errorf("second event: %+v; want seq 2 linked to the first, stamped now, no states", second)
	}
	// What is read back is byte for byte what was hashed.
	got := listAudit(t, s, store.AuditFilter{Oldest: true})
	if diff := cmp.Diff([]store.AuditEvent{first, second}, got); diff != "" {
		t.Errorf("ListAudit oldest first (-appended +listed):\n%s", diff)
	}
	if got := listAudit(t, s, store.AuditFilter{}); !cmp.Equal(seqs(got), []int64{2, 1}) {
		t.Errorf("ListAudit lists %v; want newest first [2 1]", seqs(got))
	}
	verifyAudit(t, s, 2)
}

func testAuditFilters(t *testing.T, s store.Store) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ann := store.AuditActor{Kind: "token", ID: "tok-ann", Name: "ann"}
	bob := store.AuditActor{Kind: "token", ID: "tok-bob", Name: "bob"}
	for i, e := range []store.AuditEvent{
		{Workspace: "default", Actor: ann, Action: "flow.apply", Target: store.AuditTarget{Kind: "flow", ID: "f-1", Name: "leads"}},
		{Workspace: "default", Actor: bob, Action: "flow.delete", Target: store.AuditTarget{Kind: "flow", ID: "f-1", Name: "leads"}},
		{Workspace: "other", Actor: ann, Action: "connection.create", Target: store.AuditTarget{Kind: "connection", ID: "c-1", Name: "crm"}},
		{Workspace: "", Actor: audit.System, Action: "secrets.rotate", Target: store.AuditTarget{Kind: "key", ID: "k2"}},
		{Workspace: "default", Actor: bob, Action: "flowing.odd", Target: store.AuditTarget{Kind: "flow", ID: "f-2", Name: "f-1"}},
	} {
		e.Time = t0.Add(time.Duration(i) * time.Minute)
		appendAudit(t, s, e)
	}
	for _, c := range []struct {
		f    store.AuditFilter
		want []int64
	}{
		{store.AuditFilter{}, []int64{5, 4, 3, 2, 1}},
		{store.AuditFilter{Workspace: "default"}, []int64{5, 4, 2, 1}},
		{store.AuditFilter{Workspace: "other"}, []int64{4, 3}},
		{store.AuditFilter{Action: "flow"}, []int64{2, 1}},
		{store.AuditFilter{Action: "flow.delete"}, []int64{2}},
		{store.AuditFilter{Action: "flo"}, []int64{}},
		{store.AuditFilter{Target: "f-1"}, []int64{5, 2, 1}},
		{store.AuditFilter{Target: "crm"}, []int64{3}},
		{store.AuditFilter{Actor: "ann"}, []int64{3, 1}},
		{store.AuditFilter{Actor: "tok-bob"}, []int64{5, 2}},
		{store.AuditFilter{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}, []int64{3, 2}},
		{store.AuditFilter{Before: 4, Limit: 2}, []int64{3, 2}},
		{store.AuditFilter{After: 3}, []int64{5, 4}},
		{store.AuditFilter{After: 1, Oldest: true, Limit: 2}, []int64{2, 3}},
		{store.AuditFilter{Workspace: "default", Actor: "bob", Action: "flow"}, []int64{2}},
	} {
		if got := seqs(listAudit(t, s, c.f)); !cmp.Equal(got, c.want) {
			t.Errorf("ListAudit(%+v) = %v; want %v", c.f, got, c.want)
		}
	}
}

// testAuditConcurrentAppends checks that appends from many goroutines
// keep one chain: every seq once, each event linked to the one before.
func testAuditConcurrentAppends(t *testing.T, s store.Store) {
	const writers, each = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, err := s.AppendAudit(t.Context(), store.AuditEvent{Action: "flow.apply",
					Target: store.AuditTarget{Kind: "flow", Name: fmt.Sprintf("w%d-%d", w, i)}}, audit.Chain{}.Seal)
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	got := listAudit(t, s, store.AuditFilter{Oldest: true, Limit: 1000})
	for i, e := range got {
		if e.Seq != int64(i+1) || (i > 0 && e.PrevHash != got[i-1].Hash) {
			t.Fatalf("event %d of %d: seq %d, prev %q; want seq %d linked to the one before", i, len(got), e.Seq, e.PrevHash, i+1)
		}
	}
	verifyAudit(t, s, writers*each)
}

func testAuditCheckpoints(t *testing.T, s store.Store) {
	ctx := t.Context()
	c, err := s.CheckpointAudit(ctx)
	if err != nil || c.Seq != 0 {
		t.Fatalf("CheckpointAudit of an empty log = %+v, %v; want none", c, err)
	}
	cps, err := s.AuditCheckpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range cps {
		if cp.Seq != 0 || cp.Unreadable != "" {
			t.Errorf("checkpoint of an empty log: %+v; want none, and none expected", cp)
		}
	}
	appendAudit(t, s, store.AuditEvent{Action: "flow.apply"})
	last := appendAudit(t, s, store.AuditEvent{Action: "flow.enable"})
	if c, err = s.CheckpointAudit(ctx); err != nil || c.Seq != 2 || c.Hash != last.Hash || c.At.IsZero() {
		t.Fatalf("CheckpointAudit = %+v, %v; want the head, event 2", c, err)
	}
	if _, err := s.CheckpointAudit(ctx); err != nil {
		t.Errorf("CheckpointAudit of the same head again: %v", err)
	}
	appendAudit(t, s, store.AuditEvent{Action: "flow.disable"}) // after the checkpoint
	cps, err = s.AuditCheckpoints(ctx)
	if err != nil || len(cps) == 0 {
		t.Fatalf("AuditCheckpoints = %v, %v", cps, err)
	}
	for _, cp := range cps {
		if cp.Seq != 2 || cp.Hash != last.Hash || cp.Where == "" || cp.Unreadable != "" {
			t.Errorf("checkpoint %+v; want event 2 (%s)", cp, last.Hash)
		}
	}
	verifyAudit(t, s, 3)
}
