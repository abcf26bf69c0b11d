package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// limitT0 is the clock of the limiter tests; any instant would do.
var limitT0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func TestLimiterBurstThenRefill(t *testing.T) {
	t.Parallel()
	l := NewLimiter(6*time.Second, 3, 100)
	for i := range 3 {
		if ok, wait := l.Allow("10.0.0.1", limitT0); !ok {
			t.Fatalf("attempt %d refused (wait %v); want the burst of 3 allowed", i+1, wait)
		}
	}
	ok, wait := l.Allow("10.0.0.1", limitT0)
	if ok || wait != 6*time.Second {
		t.Fatalf("4th attempt = %v, %v; want refused for 6s", ok, wait)
	}
	// A refused attempt is not counted: the wait does not grow.
	if ok, wait := l.Allow("10.0.0.1", limitT0.Add(2*time.Second)); ok || wait != 4*time.Second {
		t.Errorf("early retry = %v, %v; want refused for 4s", ok, wait)
	}
	if ok, _ := l.Allow("10.0.0.1", limitT0.Add(6*time.Second)); !ok {
		t.Errorf("attempt after the refill refused")
	}
	if ok, _ := l.Allow("10.0.0.1", limitT0.Add(6*time.Second)); ok {
		t.Errorf("second attempt after one refill allowed")
	}
}

func TestLimiterKeysAreSeparate(t *testing.T) {
	t.Parallel()
	l := NewLimiter(time.Minute, 1, 100)
	if ok, _ := l.Allow("a", limitT0); !ok {
		t.Fatal("a refused")
	}
	if ok, _ := l.Allow("a", limitT0); ok {
		t.Error("a allowed twice")
	}
	if ok, _ := l.Allow("b", limitT0); !ok {
		t.Error("b refused because of a")
	}
}

func TestLimiterForgetsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	l := NewLimiter(time.Hour, 1, 2)
	l.Allow("a", limitT0)
	l.Allow("b", limitT0)
	l.Allow("a", limitT0) // refused, but a is now the most recently used
	l.Allow("c", limitT0) // forgets b
	if n := len(l.keys); n != 2 || l.lru.Len() != 2 {
		t.Fatalf("%d keys remembered (%d in the list); want 2", n, l.lru.Len())
	}
	if ok, _ := l.Allow("a", limitT0); ok {
		t.Error("a was forgotten; want b, the least recently used, forgotten")
	}
	if ok, _ := l.Allow("b", limitT0); !ok {
		t.Error("b is still limited; want it forgotten")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	t.Parallel()
	l := NewLimiter(time.Hour, 5, 8)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := map[string]int{}
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprint("k", (g+i)%4)
				if ok, _ := l.Allow(key, limitT0); ok {
					mu.Lock()
					allowed[key]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(allowed) != 4 {
		t.Errorf("keys allowed: %v; want k0 to k3", allowed)
	}
	for key, n := range allowed {
		if n != 5 {
			t.Errorf("%s allowed %d times; want the burst, 5", key, n)
		}
	}
}
