package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
)

func TestMemoryGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type step struct {
		advance time.Duration // moves the clock before the call
		key     string
		ttl     time.Duration // until = now + ttl
		seen    bool
		full    bool
	}
	tests := []struct {
		name  string
		max   int
		steps []step
	}{
		{"new then seen", 3, []step{
			{key: "a", ttl: time.Minute},
			{key: "a", ttl: time.Minute, seen: true},
			{key: "b", ttl: time.Minute},
		}},
		{"forgotten after expiry", 3, []step{
			{key: "a", ttl: time.Minute},
			{advance: time.Minute, key: "a", ttl: time.Minute},
			{key: "a", ttl: time.Minute, seen: true},
		}},
		{"full of fresh keys refuses", 2, []step{
			{key: "a", ttl: time.Minute},
			{key: "b", ttl: 2 * time.Minute},
			{key: "c", ttl: time.Minute, full: true},
			{key: "a", ttl: time.Minute, seen: true},
		}},
		{"full evicts expired first", 2, []step{
			{key: "a", ttl: time.Minute},
			{key: "b", ttl: 3 * time.Minute},
			{advance: 2 * time.Minute, key: "c", ttl: time.Minute},
			{key: "b", ttl: time.Minute, seen: true},
			{key: "a", ttl: time.Minute, full: true},
		}},
		{"already expired is not kept", 1, []step{
			{key: "a", ttl: -time.Second},
			{key: "b", ttl: time.Minute},
			{key: "a", ttl: -time.Second},
			{key: "c", ttl: time.Minute, full: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := clocktest.New(testNow)
			g := NewMemoryGuard(tt.max, clk)
			for i, s := range tt.steps {
				_ = clk.Sleep(ctx, s.advance)
				seen, err := g.Seen(ctx, s.key, clk.Now().Add(s.ttl))
				if full := errors.Is(err, ErrGuardFull); full != s.full || (err != nil && !full) {
					t.Fatalf("step %d (%s): error = %v, want full %v", i, s.key, err, s.full)
				}
				if seen != s.seen {
					t.Fatalf("step %d (%s): seen = %v, want %v", i, s.key, seen, s.seen)
				}
			}
			if g.Len() > tt.max {
				t.Errorf("guard holds %d keys, more than %d", g.Len(), tt.max)
			}
		})
	}
}

// TestMemoryGuardConcurrent checks that of many calls racing with the same
// key exactly one gets through.
func TestMemoryGuardConcurrent(t *testing.T) {
	t.Parallel()
	g := NewMemoryGuard(1000, clocktest.New(testNow))
	const callers = 16
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh = map[string]int{}
		until = testNow.Add(time.Minute)
		errs  = make(chan error, callers*10)
	)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 10 {
				key := fmt.Sprint("key-", (k+c)%10)
				seen, err := g.Seen(context.Background(), key, until)
				if err != nil {
					errs <- err
					continue
				}
				if !seen {
					mu.Lock()
					fresh[key]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for k := range 10 {
		if n := fresh[fmt.Sprint("key-", k)]; n != 1 {
			t.Errorf("key-%d got through %d times, want once", k, n)
		}
	}
}
