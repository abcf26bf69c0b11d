package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/storefault"
)

// Commit before dispatch: a run is started only once its row is stored,
// and a stored run is started even when whoever stored it never heard
// back.

// TestFaultNoRunWithoutRow: when the commit fails the caller hears so,
// nothing is queued and no worker ever sees the run.
func TestFaultNoRunWithoutRow(t *testing.T) {
	t.Parallel()
	starts := []struct {
		name  string
		start func(f *faultFixture) error
	}{
		{"manual", func(f *faultFixture) error {
			_, err := f.StartRun(context.Background(), store.DefaultWorkspace, "effect", []byte(`{"n":1}`), 0)
			return err
		}},
		{"async webhook", func(f *faultFixture) error {
			rep, err := f.Webhook(context.Background(), f.flows["hook"].WebhookID, post(`{"n":1}`, nil))
			if err == nil {
				return fmt.Errorf("the call was answered %d %v", rep.Status, rep.Body)
			}
			return err
		}},
	}
	for _, b := range faultBackends {
		for _, tt := range starts {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setupFaults(t, b.open(t), nil)
				created, handled := f.recordCreated(), f.recordHandled()
				f.start()
				f.faults.FailOn("CreateRuns", 1, errDown)
				if err := tt.start(f); !errors.Is(err, errDown) {
					t.Fatalf("starting a run whose commit failed = %v; want the store's error", err)
				}
				lost := created.get()
				if len(lost) != 1 {
					t.Fatalf("runs offered to the store = %v; want one", lost)
				}
				// Workers take jobs in order: once a later run has finished,
				// a job for the lost run would have been handled.
				next, err := f.StartRun(context.Background(), store.DefaultWorkspace, "effect", []byte(`{"n":2}`), 20*time.Second)
				if err != nil || next.Status != store.StatusSucceeded {
					t.Fatalf("the next run = %s, %v; want succeeded", next.Status, err)
				}
				if _, err := f.inner.GetRun(context.Background(), lost[0]); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("GetRun of the run whose commit failed = %v; want not found", err)
				}
				if handled.has(lost[0]) {
					t.Error("the workers handled a run that was never stored")
				}
				if got := handled.get(); len(got) != 1 || got[0] != next.ID {
					t.Errorf("runs handled = %v; want only the next run %s", got, next.ID)
				}
				if n := f.effect.hits.Load(); n != 1 {
					t.Errorf("the flow's step ran %d times; want once, for the next run", n)
				}
				if n, err := f.inner.CountRuns(context.Background(), store.StatusQueued); n != 0 || err != nil {
					t.Errorf("queued runs = %d, %v; want 0", n, err)
				}
			})
		}
	}
}

// TestFaultCommittedRunStarts: a run whose row is committed runs once,
// on a new runner, however the process that stored it went away.
func TestFaultCommittedRunStarts(t *testing.T) {
	t.Parallel()
	crashes := []struct {
		name  string
		crash func(t *testing.T, f *faultFixture) (runID string)
	}{
		{"caller gone after the commit", callerGone},
		{"answer lost after the commit", answerLost},
		{"worker stopped before running it", workerStopped},
	}
	for _, b := range faultBackends {
		for _, tt := range crashes {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setupFaults(t, b.open(t), func(c *Config) { c.DrainTimeout = 50 * time.Millisecond })
				id := tt.crash(t, f)
				if n := f.effect.hits.Load(); n != 0 {
					t.Fatalf("the step ran %d times before the restart; want 0", n)
				}
				next := setup(t, f.inner, nil)
				next.start()
				run := next.waitFinal(id)
				if run.Status != store.StatusSucceeded || run.Attempt != 1 || run.EndedAt.IsZero() {
					t.Errorf("run = %s, attempt %d, ended %v (%s); want succeeded at the first attempt", run.Status, run.Attempt, run.EndedAt, run.Error)
				}
				if n := f.effect.hits.Load(); n != 1 {
					t.Errorf("the step ran %d times; want once", n)
				}
			})
		}
	}
}

// callerGone stores a run whose caller gives up while the commit's answer
// is on its way; the answer is then held until the test ends (a process
// frozen mid-reply). The runner's workers never start.
func callerGone(t *testing.T, f *faultFixture) string {
	created := f.recordCreated()
	committed, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.faults.After("CreateRuns", func(_ context.Context, _ storefault.Call, err error) error {
		first := false
		once.Do(func() { first = true })
		if !first {
			return err
		}
		close(committed)
		<-release
		return errDown
	})
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := f.StartRun(ctx, store.DefaultWorkspace, "effect", []byte(`{"n":1}`), 20*time.Second)
		errc <- err
	}()
	<-committed
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("StartRun whose caller went away = %v; want cancelled", err)
	}
	return only(t, created)
}

// answerLost stores a run but tells the caller the commit failed.
func answerLost(t *testing.T, f *faultFixture) string {
	created := f.recordCreated()
	f.faults.FailAfter("CreateRuns", 1, errDown)
	if _, err := f.StartRun(context.Background(), store.DefaultWorkspace, "effect", []byte(`{"n":1}`), 20*time.Second); !errors.Is(err, errDown) {
		t.Errorf("StartRun whose commit answer was lost = %v; want the store's error", err)
	}
	return only(t, created)
}

// workerStopped queues a run on a started runner whose worker is held as
// it gets the run, then stops the runner: the worker dies before running
// a step.
func workerStopped(t *testing.T, f *faultFixture) string {
	held := make(chan string, 1)
	var once sync.Once
	f.faults.Before(storefault.Handler, func(ctx context.Context, c storefault.Call) error {
		first := false
		once.Do(func() { first = true })
		if !first {
			return nil
		}
		held <- c.Args[0].(string)
		<-ctx.Done()
		return ctx.Err()
	})
	stop := startStoppable(f.fixture)
	run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "effect", []byte(`{"n":1}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := <-held; got != run.ID {
		t.Fatalf("the worker got run %s; want %s", got, run.ID)
	}
	stop()
	return run.ID
}

func only(t *testing.T, l *ids) string {
	t.Helper()
	got := l.get()
	if len(got) != 1 {
		t.Fatalf("runs offered to the store = %v; want one", got)
	}
	return got[0]
}

// TestFaultWebhookCommitFails: a webhook call whose run record is not
// known to be stored never gets a 2xx reply, sync or async.
func TestFaultWebhookCommitFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		flow   string
		arm    func(*storefault.Faults)
		status int
		stored bool // the run's row is there (only its answer was lost)
	}{
		{"sync, nothing stored", "synchook", func(fs *storefault.Faults) { fs.FailOn("CreateRuns", 1, errDown) }, http.StatusInternalServerError, false},
		{"sync, answer lost", "synchook", func(fs *storefault.Faults) { fs.FailAfter("CreateRuns", 1, errDown) }, http.StatusInternalServerError, true},
		{"sync, store busy", "synchook", func(fs *storefault.Faults) { fs.FailOn("CreateRuns", 1, fault.Transient(errDown, 0)) }, http.StatusServiceUnavailable, false},
		{"async, nothing stored", "hook", func(fs *storefault.Faults) { fs.FailOn("CreateRuns", 1, errDown) }, http.StatusInternalServerError, false},
		{"async, answer lost", "hook", func(fs *storefault.Faults) { fs.FailAfter("CreateRuns", 1, errDown) }, http.StatusInternalServerError, true},
	}
	for _, b := range faultBackends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setupFaults(t, b.open(t), nil)
				srv := httptest.NewServer(api.New(api.Config{Backend: f.Runner, Logger: slog.New(slog.DiscardHandler)}))
				t.Cleanup(srv.Close)
				tt.arm(f.faults)
				resp, err := http.Post(srv.URL+"/hooks/"+f.flows[tt.flow].WebhookID, "application/json", strings.NewReader(`{"n":1}`))
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("reply = %d %s; want %d with a problem", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status)
				}
				runs, err := f.inner.ListRuns(context.Background(), store.RunFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if stored := len(runs) == 1; stored != tt.stored || len(runs) > 1 {
					t.Errorf("runs stored = %d; want stored %v", len(runs), tt.stored)
				}
			})
		}
	}
}
