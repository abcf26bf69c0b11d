package webhook

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/bistro-dev/bistro/internal/clock"
)

// ReplayGuard remembers signed calls so that a captured call cannot be sent
// again while its signature is still fresh.
type ReplayGuard interface {
	// Seen records key until the given time and reports whether it was
	// already recorded and not yet expired.
	Seen(ctx context.Context, key string, until time.Time) (bool, error)
}

// MemoryGuard is a ReplayGuard in memory, for one process. It holds at most
// max keys. When full it first forgets expired keys; when every key is
// still fresh it refuses the new call (ErrGuardFull) rather than forget a
// key it may need to refuse: forgetting would let an attacker flush the
// guard with a burst of calls and then replay. Senders retry refused calls,
// so the cost of refusing is a delay, not a lost event.
type MemoryGuard struct {
	clock clock.Clock
	max   int

	mu     sync.Mutex
	until  map[string]time.Time
	expiry expiryHeap
}

// NewMemoryGuard returns a guard holding at most limit keys (at least 1),
// reading the time from c (the wall clock when c is nil).
func NewMemoryGuard(limit int, c clock.Clock) *MemoryGuard {
	if c == nil {
		c = clock.Real{}
	}
	return &MemoryGuard{clock: c, max: max(limit, 1), until: map[string]time.Time{}}
}

// Seen records key until the given time and reports whether it was
// already recorded and not yet expired.
func (g *MemoryGuard) Seen(_ context.Context, key string, until time.Time) (bool, error) {
	now := g.clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expire(now)
	if _, ok := g.until[key]; ok {
		return true, nil
	}
	if !until.After(now) {
		// Already outside the tolerance: the timestamp check refuses any
		// copy of it, so there is nothing to remember.
		return false, nil
	}
	if len(g.until) >= g.max {
		return false, &Error{Kind: ErrGuardFull, Code: CodeBusy,
			Message: "too many calls arrived recently to check this one for replays; try again in a minute"}
	}
	g.until[key] = until
	heap.Push(&g.expiry, expiring{key: key, until: until})
	return false, nil
}

// Len returns how many keys the guard holds, expired ones included until
// the next call to Seen.
func (g *MemoryGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.until)
}

// expire forgets every key whose time has come. Keys never change their
// time once recorded, so heap and map always hold the same keys.
func (g *MemoryGuard) expire(now time.Time) {
	for len(g.expiry) > 0 && !g.expiry[0].until.After(now) {
		e := heap.Pop(&g.expiry).(expiring)
		delete(g.until, e.key)
	}
}

type expiring struct {
	key   string
	until time.Time
}

// expiryHeap orders keys by expiry, soonest first.
type expiryHeap []expiring

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiring)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
