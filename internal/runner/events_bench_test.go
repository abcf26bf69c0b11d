package runner

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/store"
)

// mqttAhead is how many MQTT messages may wait for their runs: the
// trigger takes 256 unacknowledged messages at most and Mosquitto queues
// 1,000 more for a client by default, dropping what comes after.
const mqttAhead = 500

// BenchmarkEventTrigger measures messages per second into completed
// runs: b.N messages published with the broker's own client while the
// flow's trigger listens, timed from the first publish until b.N runs
// (set, then filter) have succeeded in the store. The runner is set up
// as the server sets it up: SQLite in a fresh directory, the default
// number of workers. Run it with a fixed count, e.g. -benchtime 5000x.
// accepted/s is how fast the messages became stored, queued runs.
func BenchmarkEventTrigger(b *testing.B) {
	for _, src := range msgSources {
		b.Run(src.source, func(b *testing.B) { benchEventSource(b, src) })
	}
}

func benchEventSource(b *testing.B, src msgSource) {
	connectortest.Service(b, src.service, src.address)
	cs := countRuns(openSQLite(b))
	f := msgSetup(b, cs, func(c *Config) {
		c.Workers = 0 // the store's default, as `bistro serve` has it
		c.Logger, c.ConnEnv.Logger = nil, nil
	})
	rig := src.open(b)
	applyMsgFlow(b, f, src, rig, 0, pickSteps)
	ctx := context.Background()
	if err := rig.warm(ctx, warmBody); err != nil {
		b.Fatal(err)
	}
	stop := startStoppable(f)
	defer stop()
	cs.awaitSucceeded(b, 1, time.Minute) // listening, flow compiled, workers up
	var ahead func(context.Context, int) error
	if src.connector == "mqtt" {
		ahead = func(ctx context.Context, i int) error { return cs.await(ctx, &cs.created, 1+i-mqttAhead) }
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	published := make(chan error, 1)
	b.ResetTimer()
	start := time.Now()
	go func() { published <- rig.publish(ctx, b.N, msgBody, ahead) }()
	accepted := make(chan time.Duration, 1)
	go func() {
		if cs.await(ctx, &cs.created, 1+b.N) == nil {
			accepted <- time.Since(start)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cs.await(ctx, &cs.succeeded, 1+b.N) }()
	for done != nil {
		select {
		case err := <-published:
			if err != nil {
				b.Fatalf("publish: %v", err)
			}
			published = nil
		case err := <-done:
			if err != nil {
				b.Fatalf("waiting for the runs: %v", err)
			}
			done = nil
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	// How fast messages became stored runs (the trigger's side), next to
	// how fast runs completed (the workers' side).
	b.ReportMetric(float64(b.N)/(<-accepted).Seconds(), "accepted/s")
}

// countedStore is the real store, counting the runs created and the runs
// that succeeded, so that tests and benchmarks wait for them without
// polling. It hides the optional interfaces of the store it holds (step
// batches, webhook lookup, ping): event runs use none of them.
type countedStore struct {
	store.Store
	mu        sync.Mutex
	created   int
	succeeded int
	changed   chan struct{} // closed and replaced on every change
}

func countRuns(s store.Store) *countedStore {
	return &countedStore{Store: s, changed: make(chan struct{})}
}

func (s *countedStore) CreateRuns(ctx context.Context, runs []store.NewRun) ([]store.Created, error) {
	created, err := s.Store.CreateRuns(ctx, runs)
	n := 0
	for _, c := range created {
		if !c.Duplicate {
			n++
		}
	}
	s.add(&s.created, n)
	return created, err
}

func (s *countedStore) UpdateRun(ctx context.Context, u store.RunUpdate) error {
	err := s.Store.UpdateRun(ctx, u)
	if err == nil && u.Status == store.StatusSucceeded {
		s.add(&s.succeeded, 1)
	}
	return err
}

func (s *countedStore) add(counter *int, n int) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	*counter += n
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *countedStore) count(counter *int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *counter
}

// await waits until the counter reaches n or ctx ends.
func (s *countedStore) await(ctx context.Context, counter *int, n int) error {
	for {
		s.mu.Lock()
		have, changed := *counter, s.changed
		s.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%d of %d: %w", have, n, context.Cause(ctx))
		}
	}
}

// awaitSucceeded fails t when n runs have not succeeded within wait.
func (s *countedStore) awaitSucceeded(t testing.TB, n int, wait time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.await(ctx, &s.succeeded, n); err != nil {
		t.Fatalf("waiting for runs to succeed: %v", err)
	}
}
