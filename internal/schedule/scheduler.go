package schedule

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/fault"
)

// FireFunc starts the run for one tick of a flow's schedule. It must be
// idempotent on key (the runner uses it as the run's dedupe key): after a
// crash, or on two nodes, the same tick may be fired twice, and only one
// run may start.
type FireFunc func(ctx context.Context, flowID string, tick time.Time, key string) error

// Retry delays after a failed fire: doubling from retryMin up to retryMax,
// so a database outage is neither hammered nor waited out for long.
const (
	retryMin = time.Second
	retryMax = time.Minute
)

// Scheduler fires the ticks of many flows' schedules. It sleeps until the
// earliest next tick, fires what is due in flow id order, and never spins.
// Set and Remove may be called at any time, from any goroutine; they wake
// the loop so that it reschedules. Fires run one at a time on the loop's
// goroutine, so fire should be quick (write the run and its job, not do
// the work).
type Scheduler struct {
	clock clock.Clock
	fire  FireFunc
	log   *slog.Logger

	mu          sync.Mutex
	flows       map[string]*entry
	changed     bool               // Set or Remove since the loop last looked
	cancelSleep context.CancelFunc // wakes the loop; nil when it is awake
}

// entry is one flow's schedule and what the loop knows about it.
type entry struct {
	sched    *Schedule
	last     time.Time // the latest tick fired, or just before the flow was scheduled
	retry    time.Time // a tick whose fire failed and is owed; zero when none
	retryAt  time.Time // when to try it again
	failures int       // consecutive failed fires
	warned   bool      // "never fires again" already logged
}

// NewScheduler returns a scheduler that reads the time from clk and calls
// fire for each due tick. A nil logger discards logs.
func NewScheduler(clk clock.Clock, fire FireFunc, logger *slog.Logger) *Scheduler {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Scheduler{clock: clk, fire: fire, log: logger, flows: map[string]*entry{}}
}

// Set adds or replaces the schedule of a flow. last is the latest tick that
// fired for it, as recorded in the store; the zero time means never, and
// then only ticks from now on fire. A nil schedule removes the flow.
func (s *Scheduler) Set(flowID string, sched *Schedule, last time.Time) {
	if sched == nil {
		s.Remove(flowID)
		return
	}
	if last.IsZero() {
		// A tick at this very instant still counts as "from now on".
		last = s.clock.Now().Add(-time.Nanosecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flows[flowID] = &entry{sched: sched, last: last}
	s.pokeLocked()
}

// Remove stops scheduling a flow. A fire already under way completes.
func (s *Scheduler) Remove(flowID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.flows, flowID)
	s.pokeLocked()
}

// pokeLocked makes the loop look at the flows again: at once if it sleeps,
// before it next sleeps if it is busy.
func (s *Scheduler) pokeLocked() {
	s.changed = true
	if s.cancelSleep != nil {
		s.cancelSleep()
	}
}

// Run fires ticks until ctx is done, then returns ctx.Err(). Run it on one
// goroutine at a time; on several nodes the tick keys keep runs unique.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		s.mu.Lock()
		s.changed = false
		s.mu.Unlock()
		now := s.clock.Now()
		s.fireDue(ctx, now)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.sleep(ctx, s.nextWake(now)); err != nil {
			return err
		}
	}
}

// sleep waits until at, or until Set or Remove wakes it; a zero at waits
// only for those. It returns an error only when ctx is done.
func (s *Scheduler) sleep(ctx context.Context, at time.Time) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	if s.changed {
		// A change since the loop looked at the flows: look again.
		s.mu.Unlock()
		return ctx.Err()
	}
	s.cancelSleep = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancelSleep = nil
		s.mu.Unlock()
	}()
	if at.IsZero() {
		<-sctx.Done()
		return ctx.Err()
	}
	if d := at.Sub(s.clock.Now()); d > 0 {
		_ = s.clock.Sleep(sctx, d) // woken early by a change: reschedule
	}
	return ctx.Err()
}

// fireDue fires the due tick of every flow, in flow id order.
func (s *Scheduler) fireDue(ctx context.Context, now time.Time) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.flows))
	for id := range s.flows {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		e := s.flows[id]
		var tick time.Time
		if e != nil {
			tick = e.due(now)
		}
		s.mu.Unlock()
		if !tick.IsZero() {
			s.fireOne(ctx, id, e, tick, now)
		}
	}
}

// fireOne fires one tick and records the outcome on e, unless e was
// replaced or removed meanwhile (the new entry then decides for itself;
// the key keeps a repeat harmless).
func (s *Scheduler) fireOne(ctx context.Context, id string, e *entry, tick, now time.Time) {
	key := e.sched.Key(id, tick)
	err := s.fire(ctx, id, tick, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: the tick is retried after the restart
		}
		e.failed(tick, now, err)
		s.log.Warn("schedule: could not start the scheduled run; will retry",
			"flow", id, "tick", tick, "key", key, "attempt", e.failures, "retry_at", e.retryAt, "error", err)
		return
	}
	e.fired(tick)
	s.log.Debug("schedule: started the scheduled run", "flow", id, "tick", tick, "key", key)
}

// nextWake returns the earliest instant after now at which some flow needs
// the loop, or the zero time when none does.
func (s *Scheduler) nextWake(now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var earliest time.Time
	for id, e := range s.flows {
		at := e.sched.Next(now)
		if at.IsZero() && !e.warned {
			e.warned = true
			s.log.Warn("schedule: the flow's schedule never fires again; ignoring it", "flow", id, "schedule", e.sched.String())
		}
		if !e.retry.IsZero() && (at.IsZero() || e.retryAt.Before(at)) {
			at = e.retryAt
		}
		if !at.IsZero() && (earliest.IsZero() || at.Before(earliest)) {
			earliest = at
		}
	}
	return earliest
}

// due returns the tick to fire at now, or the zero time. A tick whose fire
// failed stays owed, past Grace too, until it fires or a newer tick
// becomes due and supersedes it (each policy fires only the latest tick).
func (e *entry) due(now time.Time) time.Time {
	var tick time.Time
	if ticks := e.sched.Due(e.last, now); len(ticks) > 0 {
		tick = ticks[len(ticks)-1]
	}
	if e.retry.IsZero() || tick.After(e.retry) {
		return tick
	}
	if now.Before(e.retryAt) {
		return time.Time{}
	}
	return e.retry
}

func (e *entry) fired(tick time.Time) {
	if tick.After(e.last) {
		e.last = tick
	}
	e.retry, e.retryAt, e.failures = time.Time{}, time.Time{}, 0
}

func (e *entry) failed(tick, now time.Time, err error) {
	e.failures++
	e.retry = tick
	e.retryAt = now.Add(retryDelay(e.failures, err))
}

// retryDelay doubles from retryMin to retryMax, or waits as long as a
// transient error asked for when that is longer.
func retryDelay(failures int, err error) time.Duration {
	d := retryMin
	for i := 1; i < failures && d < retryMax; i++ {
		d *= 2
	}
	d = min(d, retryMax)
	if ok, after := fault.IsTransient(err); ok && after > d {
		d = after
	}
	return d
}
