package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

func testSteps(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "a", "a")
	r := queued(t, f)
	create(t, s, r)
	start := ms(time.Now())
	second := store.Step{RunID: r.ID, StepID: "save", Position: 1, Status: store.StatusRunning,
		In: 3, Input: json.RawMessage(`[{"a":1}]`), Attempts: 1, Started: start}
	first := store.Step{RunID: r.ID, StepID: "clean", Position: 0, Status: store.StatusSucceeded,
		In: 3, Out: 3, Input: json.RawMessage(`[{"a":" 1 "}]`), Output: json.RawMessage(`[{"a":1}]`), Attempts: 1, Started: start, Ended: start.Add(time.Millisecond)}
	for _, st := range []store.Step{second, first} {
		if err := s.SaveStep(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	second.Status, second.Out, second.Error, second.Attempts = store.StatusFailed, 0, "the database refused", 2
	second.Ended = start.Add(time.Second)
	second.Input = json.RawMessage(`[{"a":1},{"a":2,"_truncated":true}]`) // replaced with the rest
	if err := s.SaveStep(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListSteps(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.Step{first, second}, got, cmp.Comparer(sameJSON)); diff != "" {
		t.Errorf("ListSteps (-want +got):\n%s", diff)
	}
	none, err := s.ListSteps(ctx, newID(t))
	if err != nil || len(none) != 0 {
		t.Errorf("ListSteps of an unknown run = %v, %v; want nothing", none, err)
	}
}

func testPrune(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "a", "a")
	now := time.Now()
	old := now.Add(-48 * time.Hour)
	oldOK, oldFailed := finished(t, f, store.StatusSucceeded, old), finished(t, f, store.StatusFailed, old)
	oldCancelled, recent := finished(t, f, store.StatusCancelled, old), finished(t, f, store.StatusSucceeded, now)
	waiting := queued(t, f)
	create(t, s, oldOK, oldFailed, oldCancelled, recent, waiting)
	if err := s.SaveStep(ctx, store.Step{RunID: oldOK.ID, StepID: "x", Status: store.StatusSucceeded}); err != nil {
		t.Fatal(err)
	}
	cutoff := now.Add(-24 * time.Hour)
	n, err := s.PruneRuns(ctx, store.Retention{Before: cutoff, KeepFailed: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("PruneRuns keeping failed runs deleted %d; want 2", n)
	}
	assertRuns(t, s, map[string]bool{oldOK.ID: false, oldCancelled.ID: false, oldFailed.ID: true,
		recent.ID: true, waiting.ID: true})
	if steps, err := s.ListSteps(ctx, oldOK.ID); err != nil || len(steps) != 0 {
		t.Errorf("a pruned run's steps: %v, %v; want none", steps, err)
	}
	n, err = s.PruneRuns(ctx, store.Retention{Before: cutoff, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("PruneRuns deleted %d; want 1 (the old failed run)", n)
	}
	assertRuns(t, s, map[string]bool{oldFailed.ID: false, recent.ID: true, waiting.ID: true})
}

// assertRuns checks which runs exist.
func assertRuns(t *testing.T, s store.Store, exist map[string]bool) {
	t.Helper()
	for id, want := range exist {
		_, err := s.GetRun(t.Context(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if got := err == nil; got != want {
			t.Errorf("run %s exists: %v; want %v", id, got, want)
		}
	}
}

func testPruneLimit(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	var runs []store.NewRun
	for range 5 {
		runs = append(runs, finished(t, f, store.StatusSucceeded, time.Now().Add(-time.Hour)))
	}
	create(t, s, runs...)
	for _, want := range []int{2, 2, 1, 0} {
		n, err := s.PruneRuns(t.Context(), store.Retention{Before: time.Now(), Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("PruneRuns with limit 2 deleted %d; want %d", n, want)
		}
	}
}

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	live := store.Token{ID: newID(t), Name: "ci", Hash: []byte("live-hash-32-bytes-long-enough!!"), Role: "admin",
		Workspace: store.DefaultWorkspace, CreatedAt: ms(time.Now()), ExpiresAt: ms(time.Now().Add(time.Hour))}
	forever := store.Token{ID: newID(t), Name: "cli", Hash: []byte("forever"), Role: "admin",
		Workspace: store.DefaultWorkspace, CreatedAt: ms(time.Now())}
	expired := store.Token{ID: newID(t), Name: "old", Hash: []byte("expired"), Role: "admin",
		Workspace: store.DefaultWorkspace, CreatedAt: ms(time.Now()), ExpiresAt: ms(time.Now().Add(-time.Second))}
	for _, tok := range []store.Token{live, forever, expired} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []store.Token{live, forever} {
		got, err := s.TokenByHash(ctx, want.Hash)
		if err != nil {
			t.Fatalf("TokenByHash(%s): %v", want.Name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("TokenByHash(%s) (-want +got):\n%s", want.Name, diff)
		}
	}
	for _, hash := range []string{"expired", "unknown"} {
		if _, err := s.TokenByHash(ctx, []byte(hash)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TokenByHash(%s): %v; want ErrNotFound", hash, err)
		}
	}
	if n, err := s.CountTokens(ctx); err != nil || n != 2 {
		t.Errorf("CountTokens = %d, %v; want 2 live tokens", n, err)
	}
	dup := forever
	dup.ID = newID(t)
	if err := s.CreateToken(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second token with the same hash: %v; want ErrConflict", err)
	}
}
