package storefault_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/store/storefault"
)

var errDown = errors.New("the database is down")

// fake is a store that records the updates it was given; the methods the
// tests do not use are left to the nil embedded interface.
type fake struct {
	store.Store
	mu      sync.Mutex
	updates []string
	handled []string
}

func (f *fake) UpdateRun(_ context.Context, u store.RunUpdate) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, u.ID)
	return nil
}

func (f *fake) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.updates...)
}

func (f *fake) GetRun(_ context.Context, id string) (store.Run, error) {
	if id == "missing" {
		return store.Run{}, store.ErrNotFound
	}
	return store.Run{ID: id, Status: store.StatusSucceeded}, nil
}

// Work hands two runs to the handler and reports the first error.
func (f *fake) Work(ctx context.Context, _ store.WorkOptions, handle store.RunHandler) error {
	return errors.Join(handle(ctx, "run-1"), handle(ctx, "run-2"))
}

type (
	fakeFinder  struct{ *fake }
	fakeBatcher struct{ *fake }
	fakePinger  struct{ *fake }
	fakeAll     struct{ *fake }
)

func (fakeFinder) FlowByWebhookID(context.Context, string) (store.Flow, error) {
	return store.Flow{ID: "f1"}, nil
}
func (fakeBatcher) SaveSteps(context.Context, []store.Step) error { return nil }
func (fakePinger) Ping(context.Context) error                     { return errDown }
func (fakeAll) FlowByWebhookID(context.Context, string) (store.Flow, error) {
	return store.Flow{ID: "f1"}, nil
}
func (fakeAll) SaveSteps(context.Context, []store.Step) error { return nil }
func (fakeAll) Ping(context.Context) error                    { return nil }

// update calls UpdateRun for each id and returns the errors.
func update(s store.Store, ids ...string) []error {
	errs := make([]error, len(ids))
	for i, id := range ids {
		errs[i] = s.UpdateRun(context.Background(), store.RunUpdate{ID: id})
	}
	return errs
}

func TestPassThrough(t *testing.T) {
	t.Parallel()
	inner := &fake{}
	s, faults := storefault.Wrap(inner)
	run, err := s.GetRun(context.Background(), "r1")
	if err != nil || run.ID != "r1" || run.Status != store.StatusSucceeded {
		t.Errorf("GetRun = %+v, %v; want the inner store's run", run, err)
	}
	if _, err := s.GetRun(context.Background(), "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun(missing) = %v; want the inner store's ErrNotFound", err)
	}
	update(s, "a", "b")
	if diff := cmp.Diff([]string{"a", "b"}, inner.seen()); diff != "" {
		t.Errorf("updates reaching the store (-want +got):\n%s", diff)
	}
	if got := [2]int{faults.Calls("GetRun"), faults.Calls("UpdateRun")}; got != [2]int{2, 2} {
		t.Errorf("calls of GetRun, UpdateRun = %v; want 2, 2", got)
	}
}

func TestFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		arm     func(*storefault.Faults)
		failed  []bool   // which of five calls fail
		reached []string // which reach the store
	}{
		{"next call", func(f *storefault.Faults) { f.FailOn("UpdateRun", 1, errDown) },
			[]bool{true, false, false, false, false}, []string{"2", "3", "4", "5"}},
		{"third call", func(f *storefault.Faults) { f.FailOn("UpdateRun", 3, errDown) },
			[]bool{false, false, true, false, false}, []string{"1", "2", "4", "5"}},
		{"every call", func(f *storefault.Faults) { f.FailOn("UpdateRun", 0, errDown) },
			[]bool{true, true, true, true, true}, nil},
		{"answer lost", func(f *storefault.Faults) { f.FailAfter("UpdateRun", 2, errDown) },
			[]bool{false, true, false, false, false}, []string{"1", "2", "3", "4", "5"}},
		{"every answer lost", func(f *storefault.Faults) { f.FailAfter("UpdateRun", 0, errDown) },
			[]bool{true, true, true, true, true}, []string{"1", "2", "3", "4", "5"}},
		{"other method", func(f *storefault.Faults) { f.FailOn("GetRun", 0, errDown) },
			[]bool{false, false, false, false, false}, []string{"1", "2", "3", "4", "5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inner := &fake{}
			s, faults := storefault.Wrap(inner)
			update(s, "before") // counting starts from when the fault is set
			tt.arm(faults)
			errs := update(s, "1", "2", "3", "4", "5")
			failed := make([]bool, len(errs))
			for i, err := range errs {
				failed[i] = err != nil
				if err != nil && !errors.Is(err, errDown) {
					t.Errorf("call %d failed with %v; want the injected error", i+1, err)
				}
			}
			if diff := cmp.Diff(tt.failed, failed); diff != "" {
				t.Errorf("failed calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(append([]string{"before"}, tt.reached...), inner.seen()); diff != "" {
				t.Errorf("calls reaching the store (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	s, faults := storefault.Wrap(&fake{})
	faults.FailOn("UpdateRun", 0, errDown)
	faults.FailAfter("UpdateRun", 0, errDown)
	if err := update(s, "a")[0]; !errors.Is(err, errDown) {
		t.Fatalf("UpdateRun = %v; want the injected error", err)
	}
	faults.Reset()
	if err := update(s, "b")[0]; err != nil {
		t.Errorf("UpdateRun after Reset = %v; want it healthy", err)
	}
	if n := faults.Calls("UpdateRun"); n != 2 {
		t.Errorf("Calls = %d after Reset; want the count to go on (2)", n)
	}
}

func TestBeforeHolds(t *testing.T) {
	t.Parallel()
	inner := &fake{}
	s, faults := storefault.Wrap(inner)
	entered, release := make(chan storefault.Call, 1), make(chan struct{})
	faults.Before("UpdateRun", func(ctx context.Context, c storefault.Call) error {
		entered <- c
		<-release
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- update(s, "held")[0] }()
	c := <-entered
	if u, ok := c.Args[0].(store.RunUpdate); c.Method != "UpdateRun" || c.N != 1 || !ok || u.ID != "held" {
		t.Errorf("hook saw %+v; want the first UpdateRun of run 'held'", c)
	}
	if got := inner.seen(); len(got) != 0 {
		t.Errorf("the store was reached while the hook held the call: %v", got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"held"}, inner.seen()); diff != "" {
		t.Errorf("calls reaching the store (-want +got):\n%s", diff)
	}
}

func TestHooksChain(t *testing.T) {
	t.Parallel()
	inner := &fake{}
	s, faults := storefault.Wrap(inner)
	var order []string
	faults.Before("UpdateRun", func(context.Context, storefault.Call) error {
		order = append(order, "first")
		return errDown
	})
	faults.Before("UpdateRun", func(context.Context, storefault.Call) error {
		order = append(order, "second")
		return nil
	})
	faults.After("UpdateRun", func(_ context.Context, _ storefault.Call, err error) error {
		order = append(order, "after")
		return err
	})
	if err := update(s, "a")[0]; !errors.Is(err, errDown) {
		t.Errorf("UpdateRun = %v; want the first hook's error", err)
	}
	// A call stopped before the store has no answer to look at.
	if diff := cmp.Diff([]string{"first"}, order); diff != "" {
		t.Errorf("hooks run (-want +got):\n%s", diff)
	}
	if got := inner.seen(); len(got) != 0 {
		t.Errorf("a failed call reached the store: %v", got)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	s, faults := storefault.Wrap(&fake{})
	faults.FailOn(storefault.Handler, 2, errDown)
	var ran []string
	err := s.Work(context.Background(), store.WorkOptions{}, func(_ context.Context, id string) error {
		ran = append(ran, id)
		return nil
	})
	if !errors.Is(err, errDown) {
		t.Errorf("Work = %v; want the handler's injected error", err)
	}
	if diff := cmp.Diff([]string{"run-1"}, ran); diff != "" {
		t.Errorf("runs handled (-want +got):\n%s", diff)
	}
	if n := faults.Calls(storefault.Handler); n != 2 {
		t.Errorf("handler calls = %d; want 2", n)
	}
}

func TestOptionalInterfaces(t *testing.T) {
	t.Parallel()
	f := &fake{}
	tests := []struct {
		name                    string
		inner                   store.Store
		finder, batcher, pinger bool
	}{
		{"none", f, false, false, false},
		{"finder", fakeFinder{f}, true, false, false},
		{"batcher", fakeBatcher{f}, false, true, false},
		{"pinger", fakePinger{f}, false, false, true},
		{"all", fakeAll{f}, true, true, true},
		{"sqlite", openSQLite(t), true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, faults := storefault.Wrap(tt.inner)
			wf, isFinder := s.(store.WebhookFinder)
			sb, isBatcher := s.(store.StepBatcher)
			p, isPinger := s.(store.Pinger)
			if got, want := [3]bool{isFinder, isBatcher, isPinger}, [3]bool{tt.finder, tt.batcher, tt.pinger}; got != want {
				t.Fatalf("wrapper implements finder, batcher, pinger = %v; want %v, as the inner store", got, want)
			}
			ctx := context.Background()
			var innerPingErr error
			if ip, ok := tt.inner.(store.Pinger); ok {
				innerPingErr = ip.Ping(ctx)
			}
			faults.FailOn("FlowByWebhookID", 2, errDown)
			if isFinder {
				if _, err := wf.FlowByWebhookID(ctx, "x"); errors.Is(err, errDown) {
					t.Errorf("FlowByWebhookID failed before its turn: %v", err)
				}
				if _, err := wf.FlowByWebhookID(ctx, "x"); !errors.Is(err, errDown) {
					t.Errorf("FlowByWebhookID = %v; want the injected error", err)
				}
			}
			if isBatcher {
				if err := sb.SaveSteps(ctx, nil); err != nil {
					t.Errorf("SaveSteps(nil) = %v", err)
				}
			}
			if isPinger {
				if err := p.Ping(ctx); !errors.Is(err, innerPingErr) {
					t.Errorf("Ping = %v; want the inner store's %v", err, innerPingErr)
				}
			}
			want := [3]int{0, 0, 0}
			if isFinder {
				want[0] = 2
			}
			if isBatcher {
				want[1] = 1
			}
			if isPinger {
				want[2] = 1
			}
			got := [3]int{faults.Calls("FlowByWebhookID"), faults.Calls("SaveSteps"), faults.Calls("Ping")}
			if got != want {
				t.Errorf("calls of FlowByWebhookID, SaveSteps, Ping = %v; want %v", got, want)
			}
		})
	}
}

func TestUnknownMethod(t *testing.T) {
	t.Parallel()
	_, faults := storefault.Wrap(&fake{})
	for _, arm := range []func(){
		func() { faults.FailOn("UpdateRuns", 1, errDown) },
		func() { faults.Before("getrun", nil) },
		func() { faults.Calls("") },
		func() { faults.FailOn("UpdateRun", -1, errDown) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a misspelt method or a negative call number was accepted")
				}
			}()
			arm()
		}()
	}
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
