package runner

import (
	"context"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/store/storetest"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/postgres"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/store/storefault"
)

// The fault tests check the durability contract through a store that
// fails or holds chosen calls: no run is started without its row, none is
// committed and never started, a finished run is never overwritten, and a
// store that goes away for a moment costs a retry, not a run.

// errDown is the database going away.
var errDown = errors.New("the database connection was lost")

// faultBackends are the stores of the fault tests: the usual backends
// with a failed run's retry due at once and idle workers polling often,
// so that a retry is a matter of milliseconds (River's default waits a
// second and more).
var faultBackends = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"sqlite", openQuickSQLite},
	{"postgres", openQuickPostgres},
}

// quickRetry retries a failed run job at once.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

const quickPoll = 20 * time.Millisecond

func openQuickSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Dir: t.TempDir(), RetryPolicy: quickRetry{}, PollInterval: quickPoll})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openQuickPostgres is openPostgres with the quick retries.
func openQuickPostgres(t testing.TB) store.Store {
	t.Helper()
	schema := storetest.PostgresSchema(t, "bistro_fault")
	s, err := postgres.Open(context.Background(), postgres.Config{URL: storetest.PostgresURL(), Schema: schema, RetryPolicy: quickRetry{}, PollInterval: quickPoll})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// counter is an HTTP server that counts the calls flows make to it: the
// side effects of their steps.
type counter struct {
	*httptest.Server
	hits atomic.Int64
}

func newCounter(t testing.TB) *counter {
	c := &counter{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		c.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	t.Cleanup(c.Close)
	return c
}

// effectFlow is a flow whose one step calls url; trigger is its trigger
// line, e.g. "{ manual: {} }".
func effectFlow(name, trigger, url string) string {
	return fmt.Sprintf("bistro: 1\nname: %s\ntrigger: %s\nsteps:\n  - id: call\n    http: { url: %q }\n", name, trigger, url)
}

// faultFixture is a runner over a fault-injecting store, and the store it
// wraps (for a second runner, or to look without faults).
type faultFixture struct {
	*fixture
	faults *storefault.Faults
	inner  store.Store
	effect *counter
	flows  map[string]store.Flow // by name
}

// setupFaults builds a runner over the wrapped store, with manual flows
// "effect" and "broken" (which fails after its call), an async webhook
// flow "hook" and a sync one "synchook", each calling the fixture's
// counter once per run.
func setupFaults(t testing.TB, inner store.Store, change func(*Config)) *faultFixture {
	t.Helper()
	s, faults := storefault.Wrap(inner)
	f := &faultFixture{fixture: setup(t, s, change), faults: faults, inner: inner, effect: newCounter(t), flows: map[string]store.Flow{}}
	for _, doc := range []string{
		effectFlow("effect", "{ manual: {} }", f.effect.URL),
		effectFlow("broken", "{ manual: {} }", f.effect.URL) + "  - id: stop\n    fail: \"the record is refused\"\n",
		effectFlow("hook", "{ webhook: { method: POST } }", f.effect.URL),
		effectFlow("synchook", "{ webhook: { method: POST, mode: sync } }", f.effect.URL) +
			"  - id: reply\n    respond: { status: 201, body: { ok: true } }\n",
	} {
		fl := f.apply(doc)
		f.flows[fl.Name] = fl
	}
	return f
}

// ids records the ids of the runs a call sees, from its arguments.
type ids struct {
	mu   sync.Mutex
	list []string
}

func (l *ids) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, id)
}

func (l *ids) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}

func (l *ids) has(id string) bool {
	for _, got := range l.get() {
		if got == id {
			return true
		}
	}
	return false
}

// recordCreated adds the id of every run CreateRuns is asked to write.
func (f *faultFixture) recordCreated() *ids {
	l := &ids{}
	f.faults.Before("CreateRuns", func(_ context.Context, c storefault.Call) error {
		for _, r := range c.Args[0].([]store.NewRun) {
			l.add(r.ID)
		}
		return nil
	})
	return l
}

// recordHandled adds the id of every run the workers hand to the runner.
func (f *faultFixture) recordHandled() *ids {
	l := &ids{}
	f.faults.Before(storefault.Handler, func(_ context.Context, c storefault.Call) error {
		l.add(c.Args[0].(string))
		return nil
	})
	return l
}

// startStoppable runs f's workers until the returned stop is called; stop
// waits for them to return.
func startStoppable(f *fixture) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Start(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				f.t.Errorf("Start: %v", err)
			}
		})
	}
	f.t.Cleanup(stop)
	return stop
}
