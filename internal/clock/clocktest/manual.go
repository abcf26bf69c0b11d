package clocktest

import (
	"context"
	"sync"
	"time"
)

// Manual is a clock whose time moves only when the test says so: Sleep
// blocks until Advance or AdvanceTo passes its deadline (or its context
// ends). Unlike Fake, it lets a test observe a loop that is asleep, wake
// it, and check when it meant to wake up.
type Manual struct {
	mu       sync.Mutex
	now      time.Time
	sleepers map[*sleeper]struct{}
	changed  chan struct{} // closed and replaced whenever sleepers change
}

type sleeper struct {
	deadline time.Time
	done     chan struct{}
}

// NewManual returns a manual clock set to now.
func NewManual(now time.Time) *Manual {
	return &Manual{now: now, sleepers: map[*sleeper]struct{}{}, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Sleep blocks until the clock has been advanced by d or ctx is done, and
// returns ctx.Err() in the latter case.
func (m *Manual) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	m.mu.Lock()
	s := &sleeper{deadline: m.now.Add(d), done: make(chan struct{})}
	m.sleepers[s] = struct{}{}
	m.notifyLocked()
	m.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		m.mu.Lock()
		if _, ok := m.sleepers[s]; ok {
			delete(m.sleepers, s)
			m.notifyLocked()
		}
		m.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the clock forward by d and wakes the sleepers whose
// deadline it reaches.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setLocked(m.now.Add(d))
}

// AdvanceTo moves the clock to t (never backwards) and wakes the sleepers
// whose deadline it reaches.
func (m *Manual) AdvanceTo(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.now) {
		m.setLocked(t)
	}
}

func (m *Manual) setLocked(t time.Time) {
	m.now = t
	woke := false
	for s := range m.sleepers {
		if !s.deadline.After(t) {
			delete(m.sleepers, s)
			close(s.done)
			woke = true
		}
	}
	if woke {
		m.notifyLocked()
	}
}

func (m *Manual) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// Sleepers returns the deadlines of the goroutines asleep now.
func (m *Manual) Sleepers() []time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deadlinesLocked()
}

func (m *Manual) deadlinesLocked() []time.Time {
	out := make([]time.Time, 0, len(m.sleepers))
	for s := range m.sleepers {
		out = append(out, s.deadline)
	}
	return out
}

// WaitSleepers blocks until cond holds for the deadlines of the goroutines
// asleep, or ctx is done. It is how a test waits, without sleeping, for a
// loop to go back to sleep.
func (m *Manual) WaitSleepers(ctx context.Context, cond func(deadlines []time.Time) bool) error {
	for {
		m.mu.Lock()
		ok := cond(m.deadlinesLocked())
		changed := m.changed
		m.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitSleeper blocks until some goroutine sleeps until exactly deadline, or
// ctx is done.
func (m *Manual) WaitSleeper(ctx context.Context, deadline time.Time) error {
	return m.WaitSleepers(ctx, func(ds []time.Time) bool {
		for _, d := range ds {
			if d.Equal(deadline) {
				return true
			}
		}
		return false
	})
}
