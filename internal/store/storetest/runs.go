package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

func testRunCreateGet(t *testing.T, s store.Store) {
	f := putFlow(t, s, "leads", "doc")
	q := queued(t, f)
	q.DedupeKey, q.ParentID, q.FromStep = "tick-1", newID(t), "save"
	done := finished(t, f, store.StatusSucceeded, time.Now())
	done.Response = json.RawMessage(`{"status":201}`)
	got := create(t, s, q, done)
	if diff := cmp.Diff([]store.Created{{ID: q.ID}, {ID: done.ID}}, got); diff != "" {
		t.Errorf("CreateRuns (-want +got):\n%s", diff)
	}
	for _, in := range []store.NewRun{q, done} {
		r, err := s.GetRun(t.Context(), in.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := store.Run{ID: in.ID, Workspace: in.Workspace, FlowID: f.ID, FlowName: "leads",
			FlowVersion: 1, Trigger: "manual", TriggerData: in.TriggerData, Input: in.Input,
			Status: in.Status, DedupeKey: in.DedupeKey, Output: in.Output, Response: in.Response,
			ParentID: in.ParentID, FromStep: in.FromStep, CreatedAt: in.CreatedAt,
			StartedAt: in.StartedAt, EndedAt: in.EndedAt, Attempt: r.Attempt}
		if diff := cmp.Diff(want, r, cmp.Comparer(sameJSON)); diff != "" {
			t.Errorf("GetRun(%s) (-want +got):\n%s", in.Status, diff)
		}
	}
}

// sameJSON compares JSON documents by value (PostgreSQL's jsonb may
// reformat them).
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
}

func testRunJobs(t *testing.T, s store.Store) {
	f := putFlow(t, s, "leads", "doc")
	q := queued(t, f)
	done := finished(t, f, store.StatusFailed, time.Now())
	create(t, s, q, done)
	if n := jobCount(t, s, q.ID); n != 1 {
		t.Errorf("queued run has %d jobs; want 1", n)
	}
	if n := jobCount(t, s, done.ID); n != 0 {
		t.Errorf("finished run has %d jobs; want 0", n)
	}
}

func testRunDedupe(t *testing.T, s store.Store) {
	f := putFlow(t, s, "leads", "doc")
	first := queued(t, f)
	first.DedupeKey = "webhook-42"
	create(t, s, first)
	again, sameBatch, otherKey := queued(t, f), queued(t, f), queued(t, f)
	again.DedupeKey, sameBatch.DedupeKey, otherKey.DedupeKey = "webhook-42", "webhook-43", "webhook-43"
	got := create(t, s, again, sameBatch, otherKey)
	want := []store.Created{{ID: first.ID, Duplicate: true}, {ID: sameBatch.ID}, {ID: sameBatch.ID, Duplicate: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateRuns with known keys (-want +got):\n%s", diff)
	}
	for id, want := range map[string]int{first.ID: 1, again.ID: 0, sameBatch.ID: 1, otherKey.ID: 0} {
		if n := jobCount(t, s, id); n != want {
			t.Errorf("run %s has %d jobs; want %d", id, n, want)
		}
	}
	if _, err := s.GetRun(t.Context(), again.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the duplicate run was stored: GetRun = %v", err)
	}
	other := putFlow(t, s, "other", "doc")
	elsewhere := queued(t, other)
	elsewhere.DedupeKey = "webhook-42"
	if got := create(t, s, elsewhere); got[0].Duplicate {
		t.Error("a dedupe key is per flow, but another flow's run was a duplicate")
	}
}

// testRunAtomic checks that runs and jobs are written together or not at
// all: a batch with one bad run leaves no run and no job behind.
func testRunAtomic(t *testing.T, s store.Store) {
	f := putFlow(t, s, "leads", "doc")
	existing := queued(t, f)
	create(t, s, existing)
	fresh := queued(t, f)
	clash := queued(t, f)
	clash.ID = existing.ID
	if _, err := s.CreateRuns(t.Context(), []store.NewRun{fresh, clash}); err == nil {
		t.Fatal("CreateRuns with an existing id succeeded")
	}
	if _, err := s.GetRun(t.Context(), fresh.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the batch's good run was stored although the batch failed: %v", err)
	}
	if n := jobCount(t, s, fresh.ID); n != 0 {
		t.Errorf("the failed batch left %d jobs for its good run", n)
	}
	if n := jobCount(t, s, existing.ID); n != 1 {
		t.Errorf("the existing run has %d jobs; want 1", n)
	}
}

func testRunUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "leads", "doc")
	q := queued(t, f)
	create(t, s, q)
	start := ms(time.Now())
	for i := range 2 { // a retried run starts twice
		if err := s.UpdateRun(ctx, store.RunUpdate{ID: q.ID, Status: store.StatusRunning, At: start}); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	r, err := s.GetRun(ctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.StatusRunning || r.Attempt != 2 || !r.StartedAt.Equal(start) || !r.EndedAt.IsZero() {
		t.Errorf("running: status %s attempt %d started %v ended %v; want running 2 %v zero",
			r.Status, r.Attempt, r.StartedAt, r.EndedAt, start)
	}
	end := start.Add(1500 * time.Millisecond)
	err = s.UpdateRun(ctx, store.RunUpdate{ID: q.ID, Status: store.StatusSucceeded, At: end,
		Output: json.RawMessage(`[{"x":1}]`), Response: json.RawMessage(`{"ok":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	r, err = s.GetRun(ctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.StatusSucceeded || !r.EndedAt.Equal(end) || !r.StartedAt.Equal(start) ||
		!sameJSON(r.Output, json.RawMessage(`[{"x":1}]`)) || !sameJSON(r.Response, json.RawMessage(`{"ok":true}`)) {
		t.Errorf("succeeded: %+v", r)
	}
}

func testRunFinished(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "leads", "doc")
	for _, final := range []store.Status{store.StatusSucceeded, store.StatusFailed, store.StatusCancelled} {
		in := finished(t, f, final, time.Now())
		create(t, s, in)
		before, err := s.GetRun(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, next := range []store.Status{store.StatusRunning, store.StatusFailed, store.StatusQueued} {
			err := s.UpdateRun(ctx, store.RunUpdate{ID: in.ID, Status: next,
				Error: json.RawMessage(`{"message":"late"}`), At: time.Now().Add(time.Hour)})
			if !errors.Is(err, store.ErrFinished) {
				t.Errorf("%s run moved to %s: %v; want ErrFinished", final, next, err)
			}
		}
		after, err := s.GetRun(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("a refused update changed the %s run (-before +after):\n%s", final, diff)
		}
	}
}

func testRunNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	missing := newID(t)
	if _, err := s.GetRun(ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun: %v; want ErrNotFound", err)
	}
	err := s.UpdateRun(ctx, store.RunUpdate{ID: missing, Status: store.StatusRunning})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateRun: %v; want ErrNotFound", err)
	}
	err = s.SaveStep(ctx, store.Step{RunID: missing, StepID: "a", Status: store.StatusRunning})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveStep: %v; want ErrNotFound", err)
	}
}

func testRunKeepsFlowName(t *testing.T, s store.Store) {
	f := putFlow(t, s, "leads", "doc")
	in := finished(t, f, store.StatusSucceeded, time.Now())
	create(t, s, in)
	if err := s.DeleteFlow(t.Context(), f.ID); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetRun(t.Context(), in.ID)
	if err != nil {
		t.Fatalf("a deleted flow's run: %v", err)
	}
	if r.FlowName != "leads" || r.FlowID != f.ID {
		t.Errorf("a deleted flow's run names flow %q (%s); want leads (%s)", r.FlowName, r.FlowID, f.ID)
	}
}
