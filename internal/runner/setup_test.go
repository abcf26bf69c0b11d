package runner

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/bistro-dev/bistro/internal/store/storetest"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/httpstep"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/postgres"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/google/go-cmp/cmp"
)

// backends are the stores every runner test runs against.
var backends = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openPostgres opens a store in a schema of its own, dropped at the end.
// An unreachable database skips loudly, except under CI=true.
func openPostgres(t testing.TB) store.Store {
	t.Helper()
	schema := storetest.PostgresSchema(t, "bistro_runner")
	s, err := postgres.Open(context.Background(), postgres.Config{URL: storetest.PostgresURL(), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// fixture is a runner on a fresh store.
type fixture struct {
	*Runner
	t     testing.TB
	store store.Store
}

// setup builds a runner on the store; change adjusts its configuration.
func setup(t testing.TB, s store.Store, change func(*Config)) *fixture {
	t.Helper()
	nets, err := egress.ParseAllow([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Store:      s,
		Engine:     engine.Options{HTTP: httpstep.NewClient(httpstep.ClientOptions{Egress: egress.Policy{Allow: nets}}), Env: map[string]string{"HOOK_TOKEN": "s3cret"}},
		AllowedEnv: []string{"HOOK_TOKEN"},
		Workers:    4,
	}
	if change != nil {
		change(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{Runner: r, t: t, store: s}
}

// start runs the workers until the test ends, and waits for them to stop.
func (f *fixture) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Start(ctx) }()
	f.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			f.t.Errorf("Start: %v", err)
		}
	})
}

// apply applies a flow document and fails the test when it is refused.
func (f *fixture) apply(doc string) store.Flow {
	f.t.Helper()
	fl, _, err := f.ApplyFlow(context.Background(), store.DefaultWorkspace, "", []byte(doc), "test")
	if err != nil {
		f.t.Fatalf("ApplyFlow: %v", err)
	}
	return fl
}

// waitFinal polls the store until the run is final.
func (f *fixture) waitFinal(id string) store.Run {
	f.t.Helper()
	var run store.Run
	f.eventually("run "+id+" to finish", func() bool {
		var err error
		run, err = f.store.GetRun(context.Background(), id)
		return err == nil && run.Status.Final()
	})
	return run
}

// eventually polls cond until it holds or 20 seconds pass.
func (f *fixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// blocker is an HTTP server whose first `block` requests hang until
// released or the caller gives up; later ones answer at once.
type blocker struct {
	*httptest.Server
	mu      sync.Mutex
	block   int
	arrived chan struct{}
}

func newBlocker(t testing.TB, block int) *blocker {
	b := &blocker{block: block, arrived: make(chan struct{}, 16)}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b.mu.Lock()
		hang := b.block > 0
		b.block--
		b.mu.Unlock()
		if hang {
			b.arrived <- struct{}{}
			<-req.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	t.Cleanup(b.Close)
	return b
}

var errTest = errors.New("test")

// sameJSON reports whether data holds the same JSON value as want
// (PostgreSQL's jsonb does not keep the spacing).
func sameJSON(data []byte, want string) bool {
	var a, b any
	if json.Unmarshal(data, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	return cmp.Equal(a, b)
}
