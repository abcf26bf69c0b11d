package runner

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/storefault"
)

// Recovery: a run handed out again is never run twice once it is final,
// and a store that goes away in the middle of a run costs a retry, not a
// second outcome.

// TestFaultFinishedRunStays: handing a finished run to a worker again
// (River's at-least-once, a rescue after a crash) or cancelling it leaves
// its status, output and times as they were, and runs no step.
func TestFaultFinishedRunStays(t *testing.T) {
	t.Parallel()
	again := []struct {
		name string
		do   func(t *testing.T, f *faultFixture, id string) error
	}{
		{"handled again", func(_ *testing.T, f *faultFixture, id string) error {
			return f.handle(context.Background(), id)
		}},
		{"handled by a new runner", func(t *testing.T, f *faultFixture, id string) error {
			return setup(t, f.inner, nil).handle(context.Background(), id)
		}},
		{"cancelled", func(_ *testing.T, f *faultFixture, id string) error {
			return f.CancelRun(context.Background(), id)
		}},
	}
	outcomes := []struct {
		flow   string
		status store.Status
	}{{"effect", store.StatusSucceeded}, {"broken", store.StatusFailed}}
	for _, b := range faultBackends {
		for _, o := range outcomes {
			for _, tt := range again {
				t.Run(b.name+"/"+string(o.status)+"/"+tt.name, func(t *testing.T) {
					t.Parallel()
					f := setupFaults(t, b.open(t), nil)
					f.start()
					ctx := context.Background()
					first, err := f.StartRun(ctx, store.DefaultWorkspace, o.flow, []byte(`{"n":1}`), 20*time.Second)
					if err != nil || first.Status != o.status {
						t.Fatalf("run = %s, %v; want %s", first.Status, err, o.status)
					}
					before, steps := snapshot(t, f.inner, first.ID)
					if err := tt.do(t, f, first.ID); err != nil {
						t.Fatalf("%s: %v; want nil, there is nothing left to do", tt.name, err)
					}
					after, stepsAfter := snapshot(t, f.inner, first.ID)
					if diff := cmp.Diff(before, after); diff != "" {
						t.Errorf("the finished run changed (-before +after):\n%s", diff)
					}
					if diff := cmp.Diff(steps, stepsAfter); diff != "" {
						t.Errorf("the finished run's steps changed (-before +after):\n%s", diff)
					}
					if n := f.effect.hits.Load(); n != 1 {
						t.Errorf("the step ran %d times; want once", n)
					}
				})
			}
		}
	}
}

func snapshot(t *testing.T, s store.Store, id string) (store.Run, []store.Step) {
	t.Helper()
	run, err := s.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := s.ListSteps(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return run, steps
}

// TestFaultStoreDownMidRun: the store failing for one call while a run is
// handled makes the handler fail, River retries, and the run ends
// succeeded with exactly one final state. Steps are at least once: a
// retry after the run's steps ran runs them again.
func TestFaultStoreDownMidRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		arm      func(*storefault.Faults)
		attempts int   // the run's attempt when it ends
		hits     int64 // times the step ran
		// returns is how many times the handler returns: a call failed
		// before the handler has no return to count.
		returns int64
	}{
		{"worker fails before the run", func(fs *storefault.Faults) { fs.FailOn(storefault.Handler, 1, errDown) }, 1, 1, 1},
		{"running mark fails", func(fs *storefault.Faults) { fs.FailOn("UpdateRun", 1, errDown) }, 1, 1, 2},
		{"running mark's answer lost", func(fs *storefault.Faults) { fs.FailAfter("UpdateRun", 1, errDown) }, 2, 1, 2},
		{"step checkpoint fails", func(fs *storefault.Faults) { fs.FailOn("SaveStep", 1, errDown) }, 2, 2, 2},
		{"final update fails", func(fs *storefault.Faults) { fs.Before("UpdateRun", onceOnFinal(errDown)) }, 2, 2, 2},
		{"final update's answer lost", func(fs *storefault.Faults) {
			h := onceOnFinal(errDown)
			fs.After("UpdateRun", func(ctx context.Context, c storefault.Call, err error) error {
				if err != nil {
					return err
				}
				return h(ctx, c)
			})
		}, 1, 1, 2},
	}
	for _, b := range faultBackends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setupFaults(t, b.open(t), nil)
				finals, returned := f.countFinals(), f.countReturns()
				tt.arm(f.faults)
				f.start()
				queued, err := f.StartRun(context.Background(), store.DefaultWorkspace, "effect", []byte(`{"n":1}`), 0)
				if err != nil {
					t.Fatal(err)
				}
				f.waitFinal(queued.ID)
				// The failed attempt and its retry: the retry may come after
				// the run is final, when only the answer was lost.
				f.eventually("the retry", func() bool { return returned.Load() >= tt.returns })
				run, _ := snapshot(t, f.inner, queued.ID)
				if run.Status != store.StatusSucceeded || run.Attempt != tt.attempts || run.EndedAt.IsZero() || run.Error != nil {
					t.Errorf("run = %s, attempt %d, ended %v, error %s; want succeeded at attempt %d",
						run.Status, run.Attempt, run.EndedAt, run.Error, tt.attempts)
				}
				if n := finals.Load(); n != 1 {
					t.Errorf("final states stored = %d; want 1", n)
				}
				if n := f.effect.hits.Load(); n != tt.hits {
					t.Errorf("the step ran %d times; want %d", n, tt.hits)
				}
				if n := f.faults.Calls(storefault.Handler); n != 2 {
					t.Errorf("the run was handled %d times; want 2 (the failed attempt and its retry)", n)
				}
			})
		}
	}
}

// onceOnFinal fails the first update that would finish a run.
func onceOnFinal(err error) storefault.Hook {
	var once sync.Once
	return func(_ context.Context, c storefault.Call) error {
		if !c.Args[0].(store.RunUpdate).Status.Final() {
			return nil
		}
		var failed error
		once.Do(func() { failed = err })
		return failed
	}
}

// countReturns counts the handler's returns: once it has returned, what
// it wrote to the store is there.
func (f *faultFixture) countReturns() *atomic.Int64 {
	var n atomic.Int64
	f.faults.After(storefault.Handler, func(_ context.Context, _ storefault.Call, err error) error {
		n.Add(1)
		return err
	})
	return &n
}

// countFinals counts the updates that finished a run as the store saw
// them (before any injected lost answer).
func (f *faultFixture) countFinals() *atomic.Int64 {
	var n atomic.Int64
	f.faults.After("UpdateRun", func(_ context.Context, c storefault.Call, err error) error {
		if err == nil && c.Args[0].(store.RunUpdate).Status.Final() {
			n.Add(1)
		}
		return err
	})
	return &n
}
