package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

// Tests of the interfaces beside store.Store (WebhookFinder, StepBatcher,
// Pinger) and of the fields added to RunFilter and RunUpdate.

func testFlowByWebhookID(t *testing.T, s store.Store) {
	finder := optional[store.WebhookFinder](t, s)
	a, b := putFlow(t, s, "a", "a"), putFlow(t, s, "b", "b")
	for _, want := range []store.Flow{a, b} {
		got, err := finder.FlowByWebhookID(t.Context(), want.WebhookID)
		if err != nil {
			t.Fatalf("FlowByWebhookID(%s): %v", want.WebhookID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FlowByWebhookID(%s) (-want +got):\n%s", want.WebhookID, diff)
		}
	}
	for _, id := range []string{"", "unknown-webhook-id-xxxxx", a.ID} {
		if _, err := finder.FlowByWebhookID(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FlowByWebhookID(%q): %v; want ErrNotFound", id, err)
		}
	}
	if err := s.DeleteFlow(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := finder.FlowByWebhookID(t.Context(), a.WebhookID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FlowByWebhookID of a deleted flow: %v; want ErrNotFound", err)
	}
}

func testStepsBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	batcher := optional[store.StepBatcher](t, s)
	f := putFlow(t, s, "a", "a")
	r1, r2 := finished(t, f, store.StatusSucceeded, time.Now()), finished(t, f, store.StatusFailed, time.Now())
	create(t, s, r1, r2)
	at := ms(time.Now())
	step := func(run store.NewRun, id string, pos int, status store.Status) store.Step {
		return store.Step{RunID: run.ID, StepID: id, Position: pos, Status: status, In: 2, Out: 2,
			Input: json.RawMessage(`[{"a":" 1 "},{"a":" 2 "}]`), Output: json.RawMessage(`[{"a":1},{"a":2}]`), Attempts: 1, Started: at, Ended: at.Add(time.Millisecond)}
	}
	replaced := step(r2, "save", 1, store.StatusRunning)
	if err := s.SaveStep(ctx, replaced); err != nil {
		t.Fatal(err)
	}
	failed := step(r2, "save", 1, store.StatusFailed)
	failed.Error, failed.Out, failed.Output = "the CRM refused the record", 0, nil
	want := map[string][]store.Step{
		r1.ID: {step(r1, "clean", 0, store.StatusSucceeded), step(r1, "save", 1, store.StatusSucceeded)},
		r2.ID: {step(r2, "clean", 0, store.StatusSucceeded), failed},
	}
	batch := append(append([]store.Step{}, want[r1.ID]...), want[r2.ID]...)
	if err := batcher.SaveSteps(ctx, batch); err != nil {
		t.Fatalf("SaveSteps: %v", err)
	}
	for runID, steps := range want {
		got, err := s.ListSteps(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(steps, got, cmp.Comparer(sameJSON)); diff != "" {
			t.Errorf("steps of run %s after SaveSteps (-want +got):\n%s", runID, diff)
		}
	}
	if err := batcher.SaveSteps(ctx, nil); err != nil {
		t.Errorf("SaveSteps with no steps: %v", err)
	}
}

// testStepsBatchAtomic checks that a batch with one bad step saves none.
func testStepsBatchAtomic(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "a", "a")
	r := finished(t, f, store.StatusSucceeded, time.Now())
	create(t, s, r)
	good := store.Step{RunID: r.ID, StepID: "clean", Status: store.StatusSucceeded}
	orphan := store.Step{RunID: newID(t), StepID: "clean", Status: store.StatusSucceeded}
	err := optional[store.StepBatcher](t, s).SaveSteps(ctx, []store.Step{good, orphan})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveSteps with a step of an unknown run: %v; want ErrNotFound", err)
	}
	if got, err := s.ListSteps(ctx, r.ID); err != nil || len(got) != 0 {
		t.Errorf("a failed batch left steps: %+v, %v; want none", got, err)
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := optional[store.Pinger](t, s).Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testRunListTrigger(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	manual, hook, tick := queued(t, f), queued(t, f), queued(t, f)
	hook.Trigger, tick.Trigger = "webhook", "schedule"
	create(t, s, manual, hook, tick)
	for trigger, want := range map[string][]string{
		"webhook": {hook.ID}, "schedule": {tick.ID}, "manual": {manual.ID}, "call": {},
		"": {tick.ID, hook.ID, manual.ID},
	} {
		got, err := s.ListRuns(t.Context(), store.RunFilter{Trigger: trigger})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, ids(got)); diff != "" {
			t.Errorf("ListRuns(Trigger: %q) (-want +got):\n%s", trigger, diff)
		}
	}
}

// testRunDropInput checks that DropInput clears the input in the same
// update, that the input stays otherwise, and that a refused update of a
// finished run drops nothing.
func testRunDropInput(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "a", "a")
	dropped, kept := queued(t, f), queued(t, f)
	create(t, s, dropped, kept)
	for _, u := range []store.RunUpdate{
		{ID: dropped.ID, Status: store.StatusRunning},
		{ID: kept.ID, Status: store.StatusRunning},
		{ID: dropped.ID, Status: store.StatusSucceeded, Output: json.RawMessage(`[]`), DropInput: true},
		{ID: kept.ID, Status: store.StatusFailed, Error: json.RawMessage(`{"message":"no"}`)},
	} {
		if err := s.UpdateRun(ctx, u); err != nil {
			t.Fatalf("UpdateRun(%+v): %v", u, err)
		}
	}
	err := s.UpdateRun(ctx, store.RunUpdate{ID: kept.ID, Status: store.StatusSucceeded, DropInput: true})
	if !errors.Is(err, store.ErrFinished) {
		t.Errorf("dropping a finished run's input: %v; want ErrFinished", err)
	}
	for id, want := range map[string]json.RawMessage{dropped.ID: nil, kept.ID: kept.Input} {
		r, err := s.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(r.Input, want) {
			t.Errorf("run %s (%s) input = %s; want %s", id, r.Status, r.Input, want)
		}
	}
	r, err := s.GetRun(ctx, dropped.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.StatusSucceeded || !sameJSON(r.Output, json.RawMessage(`[]`)) || r.EndedAt.IsZero() {
		t.Errorf("the update that dropped the input did not also finish the run: %+v", r)
	}
}
