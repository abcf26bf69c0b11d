package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
)

// gate holds deliveries back in rounds: each waits until size deliveries
// of its round have arrived, so that a round is in flight all at once.
type gate struct {
	size     int
	mu       sync.Mutex
	arrived  int
	rounds   map[int]chan struct{}
	inflight atomic.Int64
	most     atomic.Int64
}

func newGate(size int) *gate { return &gate{size: size, rounds: map[int]chan struct{}{}} }

// pass waits until the caller's round is full. It fails when that takes
// more than 10 seconds: the deliveries were not in flight together.
func (g *gate) pass(ctx context.Context) error {
	n := g.inflight.Add(1)
	defer g.inflight.Add(-1)
	for {
		most := g.most.Load()
		if n <= most || g.most.CompareAndSwap(most, n) {
			break
		}
	}
	g.mu.Lock()
	g.arrived++
	round := (g.arrived - 1) / g.size
	full := g.round(round)
	if g.arrived%g.size == 0 {
		close(full)
	}
	g.mu.Unlock()
	select {
	case <-full:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return fmt.Errorf("round %d never had %d deliveries in flight together", round, g.size)
	}
}

func (g *gate) round(i int) chan struct{} {
	if g.rounds[i] == nil {
		g.rounds[i] = make(chan struct{})
	}
	return g.rounds[i]
}

func (f fixture) addEntries(t *testing.T, stream string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := f.raw.XAdd(context.Background(), &goredis.XAddArgs{Stream: stream, Values: map[string]any{"n": i}}).Result()
		if err != nil {
			t.Fatalf("xadd: %v", err)
		}
		ids[i] = id
	}
	return ids
}

func TestStreamDeliversConcurrentlyAndRedeliversAFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	stream := f.prefix + "s"
	ids := f.addEntries(t, stream, 5)
	in := map[string]any{"stream": stream, "start": "all", "group": "g", "consumer": "c1", "concurrency": 5}
	g := newGate(5)
	refused := errors.New("the store is down")
	var delivered sync.Map
	l := f.listen(t, "stream", in, func(ctx context.Context, m connector.Message) error {
		delivered.Store(m.ID, true)
		if err := g.pass(ctx); err != nil {
			return err
		}
		if m.ID == ids[2] {
			return refused
		}
		return nil
	})
	err := l.wait(t)
	if !errors.Is(err, refused) || !strings.Contains(err.Error(), "entry "+ids[2]+" of stream") {
		t.Fatalf("Listen returned %v, want the failed delivery of %s", err, ids[2])
	}
	for _, id := range ids {
		if _, ok := delivered.Load(id); !ok {
			t.Errorf("entry %s was not delivered", id)
		}
	}
	// The others were accepted and acknowledged before Listen returned.
	if n := f.pending(t, stream, "g"); n != 1 {
		t.Fatalf("%d entries pending after one failed delivery, want 1", n)
	}
	got := make(chan connector.Message, 5)
	f.listen(t, "stream", in, func(_ context.Context, m connector.Message) error {
		got <- m
		return nil
	})
	if m := receive(t, got); m.ID != ids[2] {
		t.Errorf("delivered %s again, want the failed %s", m.ID, ids[2])
	}
	eventually(t, "the redelivered entry is acknowledged", func() bool { return f.pending(t, stream, "g") == 0 })
	select {
	case m := <-got:
		t.Errorf("entry %s was delivered again though it was accepted", m.ID)
	default:
	}
}

func TestStreamBoundsConcurrency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	stream := f.prefix + "s"
	f.addEntries(t, stream, 9)
	g := newGate(3)
	var accepted atomic.Int64
	f.listen(t, "stream", map[string]any{"stream": stream, "start": "all", "concurrency": 3, "batch_size": 4}, func(ctx context.Context, m connector.Message) error {
		if err := g.pass(ctx); err != nil {
			return err
		}
		accepted.Add(1)
		return nil
	})
	eventually(t, "every entry is accepted", func() bool { return accepted.Load() == 9 })
	eventually(t, "every entry is acknowledged", func() bool { return f.pending(t, stream, "bistro") == 0 })
	if most := g.most.Load(); most != 3 {
		t.Errorf("at most %d deliveries were in flight together, want 3", most)
	}
}

func TestStreamStopWaitsForDeliveries(t *testing.T) {
	t.Parallel()
	f := setup(t)
	stream := f.prefix + "s"
	ids := f.addEntries(t, stream, 2)
	started := make(chan string, 2)
	var finished atomic.Int64
	l := f.listen(t, "stream", map[string]any{"stream": stream, "start": "all"}, func(ctx context.Context, m connector.Message) error {
		defer finished.Add(1)
		started <- m.ID
		<-ctx.Done()
		// The first run was stored as the listening ended; the second was
		// not.
		if m.ID == ids[0] {
			return nil
		}
		return ctx.Err()
	})
	// Both are in flight at once with the default concurrency.
	receiveID(t, started)
	receiveID(t, started)
	if err := l.stop(t); err != nil {
		t.Errorf("Listen returned %v when stopped, want nil", err)
	}
	if n := finished.Load(); n != 2 {
		t.Fatalf("Listen returned while %d deliveries were still running", 2-n)
	}
	p, err := f.raw.XPendingExt(context.Background(), &goredis.XPendingExtArgs{Stream: stream, Group: "bistro", Start: "-", End: "+", Count: 10}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 1 || p[0].ID != ids[1] {
		t.Errorf("pending entries %v, want only %s, whose run was not accepted", p, ids[1])
	}
}

func receiveID(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case id := <-ch:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery started")
		return ""
	}
}

func TestStreamRefusesABadConcurrency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, n := range []int{0, 1001} {
		err := f.conn.(connector.Listener).Listen(context.Background(), "stream", map[string]any{"stream": f.prefix + "s", "concurrency": n}, nil)
		if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "'concurrency' must be a whole number from 1 to 1000") {
			t.Errorf("concurrency %d: error = %v", n, err)
		}
	}
}
