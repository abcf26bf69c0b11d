package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

// work runs s.Work in the background until the test ends, and returns a
// function that stops it and reports Work's error.
func work(t *testing.T, s store.Store, opts store.WorkOptions, h store.RunHandler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Work(ctx, opts, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// receive waits for n values, failing the test after a generous deadline.
func receive(t *testing.T, ch <-chan string, n int) []string {
	t.Helper()
	var got []string
	deadline := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case id := <-ch:
			got = append(got, id)
		case <-deadline:
			t.Fatalf("received %d of %d handler calls: %v", len(got), n, got)
		}
	}
	return got
}

func testWorkHandlesQueued(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	runs := []store.NewRun{queued(t, f), queued(t, f), queued(t, f)}
	create(t, s, append(runs, finished(t, f, store.StatusSucceeded, time.Now()))...)
	calls := make(chan string, 10)
	stop := work(t, s, store.WorkOptions{Workers: 2}, func(ctx context.Context, runID string) error {
		calls <- runID
		return nil
	})
	got := receive(t, calls, 3)
	if err := stop(); err != nil {
		t.Errorf("Work: %v", err)
	}
	want := []string{runs[0].ID, runs[1].ID, runs[2].ID}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("handled runs (-want +got):\n%s", diff)
	}
	select {
	case extra := <-calls:
		t.Errorf("run %s was handled more than once, or a finished run was handled", extra)
	default:
	}
}

func testWorkRetries(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	r := queued(t, f)
	create(t, s, r)
	calls := make(chan string, 10)
	var mu sync.Mutex
	attempts := 0
	work(t, s, store.WorkOptions{Workers: 1}, func(ctx context.Context, runID string) error {
		mu.Lock()
		attempts++
		first := attempts == 1
		mu.Unlock()
		calls <- runID
		if first {
			return errors.New("the CRM is down")
		}
		return nil
	})
	got := receive(t, calls, 2)
	if diff := cmp.Diff([]string{r.ID, r.ID}, got); diff != "" {
		t.Errorf("a failed run was not retried (-want +got):\n%s", diff)
	}
}

func testWorkStopsOnCancel(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	create(t, s, queued(t, f))
	started := make(chan string, 1)
	cancelled := make(chan error, 1)
	stop := work(t, s, store.WorkOptions{Workers: 1, DrainTimeout: 50 * time.Millisecond},
		func(ctx context.Context, runID string) error {
			started <- runID
			<-ctx.Done() // a run that does not finish within the drain timeout
			cancelled <- ctx.Err()
			return ctx.Err()
		})
	receive(t, started, 1)
	if err := stop(); err != nil {
		t.Errorf("Work: %v", err)
	}
	select {
	case err := <-cancelled:
		if err == nil {
			t.Error("the run's context ended without an error")
		}
	default:
		t.Error("Work returned before the in-flight run was cancelled and returned")
	}
}

func testWorkWithoutHandler(t *testing.T, s store.Store) {
	if err := s.Work(t.Context(), store.WorkOptions{}, nil); err == nil {
		t.Error("Work without a handler succeeded")
	}
}

// testWorkSnoozes checks that a run that snoozes is handled again later
// without counting an attempt, and completes when the handler succeeds.
func testWorkSnoozes(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	r := queued(t, f)
	create(t, s, r)
	calls := make(chan string, 10)
	var mu sync.Mutex
	handled := 0
	stop := work(t, s, store.WorkOptions{Workers: 1}, func(ctx context.Context, runID string) error {
		mu.Lock()
		handled++
		n := handled
		mu.Unlock()
		calls <- runID
		if n <= 2 {
			return fmt.Errorf("flow %s is full: %w", f.Name, &store.SnoozeError{After: time.Millisecond})
		}
		return nil
	})
	got := receive(t, calls, 3)
	// A graceful stop waits for River to record the last outcome.
	if err := stop(); err != nil {
		t.Errorf("Work: %v", err)
	}
	if diff := cmp.Diff([]string{r.ID, r.ID, r.ID}, got); diff != "" {
		t.Errorf("handler calls (-want +got):\n%s", diff)
	}
	select {
	case extra := <-calls:
		t.Errorf("run %s was handled a fourth time", extra)
	default:
	}
	state, attempt, err := optional[JobCounter](t, s).JobState(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if state != "completed" || attempt != 1 {
		t.Errorf("after two snoozes and a success the job is %s at attempt %d; want completed at attempt 1",
			state, attempt)
	}
}
