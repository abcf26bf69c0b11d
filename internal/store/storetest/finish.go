package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

func testFinishRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	fin := optional[store.RunFinisher](t, s)
	f := putFlow(t, s, "orders", "doc")
	a, b, done := queued(t, f), queued(t, f), finished(t, f, store.StatusCancelled, time.Now())
	create(t, s, a, b, done)
	now := ms(time.Now())
	for _, id := range []string{a.ID, b.ID} {
		if err := s.UpdateRun(ctx, store.RunUpdate{ID: id, Status: store.StatusRunning, At: now}); err != nil {
			t.Fatal(err)
		}
	}
	step := func(runID string) []store.Step {
		return []store.Step{{RunID: runID, StepID: "save", Position: 0, Status: store.StatusSucceeded, In: 1, Out: 1,
			Attempts: 1, Started: now, Ended: now}}
	}
	errs, err := fin.FinishRuns(ctx, []store.Finish{
		{Steps: step(a.ID), Update: store.RunUpdate{ID: a.ID, Status: store.StatusSucceeded, At: now, Output: json.RawMessage(`[{"a":1}]`)}},
		{Steps: step(done.ID), Update: store.RunUpdate{ID: done.ID, Status: store.StatusSucceeded, At: now}},
		{Steps: step(b.ID), Update: store.RunUpdate{ID: b.ID, Status: store.StatusFailed, At: now, Error: json.RawMessage(`{"message":"no"}`)}},
		{Update: store.RunUpdate{ID: newID(t), Status: store.StatusSucceeded, At: now}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], store.ErrFinished) || !errors.Is(errs[3], store.ErrNotFound) {
		t.Fatalf("FinishRuns errs = %v; want nil, ErrFinished, nil, ErrNotFound", errs)
	}
	for id, want := range map[string]store.Status{a.ID: store.StatusSucceeded, b.ID: store.StatusFailed, done.ID: store.StatusCancelled} {
		r, err := s.GetRun(ctx, id)
		if err != nil || r.Status != want || r.EndedAt.IsZero() {
			t.Errorf("run %s: %s (%v), ended %v; want %s", id, r.Status, err, r.EndedAt, want)
		}
		steps, err := s.ListSteps(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if wantSteps := map[bool]int{true: 0, false: 1}[id == done.ID]; len(steps) != wantSteps {
			t.Errorf("run %s has %d steps, want %d (a finished run's steps are left alone)", id, len(steps), wantSteps)
		}
	}
}
