package auth

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter limits attempts per key (a client address, an email): each key
// has a bucket of burst attempts that refills by one every interval. It
// remembers at most maxKeys keys, forgetting the least recently used,
// so a flood of keys cannot fill the memory. It is safe for concurrent
// use.
type Limiter struct {
	every   rate.Limit
	burst   int
	maxKeys int

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucket
	lru  *list.List               // most recently used at the front
}

type bucket struct {
	key string
	lim *rate.Limiter
}

// NewLimiter returns a Limiter that allows burst attempts per key at
// once and one more every interval after, remembering at most maxKeys
// keys. A key forgotten starts again with a full bucket, so maxKeys
// should be well above the number of keys seen while a bucket refills.
func NewLimiter(every time.Duration, burst int, maxKeys int) *Limiter {
	return &Limiter{every: rate.Every(every), burst: max(burst, 1), maxKeys: max(maxKeys, 1),
		keys: map[string]*list.Element{}, lru: list.New()}
}

// Allow takes one attempt for key at now. When none is left, it answers
// false and how long until the next one; a refused attempt is not
// counted, so retrying too early does not push the wait further back.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.bucket(key).ReserveN(now, 1)
	if !r.OK() {
		return false, 0 // only when burst is zero, which NewLimiter prevents
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, wait
	}
	return true, 0
}

// bucket returns the key's bucket, making it the most recently used,
// and makes one (forgetting the least recently used) if there is none.
func (l *Limiter) bucket(key string) *rate.Limiter {
	if e, ok := l.keys[key]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*bucket).lim
	}
	if l.lru.Len() >= l.maxKeys {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.keys, oldest.Value.(*bucket).key)
	}
	b := &bucket{key: key, lim: rate.NewLimiter(l.every, l.burst)}
	l.keys[key] = l.lru.PushFront(b)
	return b.lim
}
