package runner

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/bistro-dev/bistro/internal/schedule"
	"github.com/bistro-dev/bistro/internal/store"
)

// maxScheduleNap bounds how long the schedule loop sleeps, so a clock
// that jumps (or a missed wake-up) costs at most this much delay.
const maxScheduleNap = time.Minute

// scheduler holds the enabled schedule flows of this node and the last
// tick each one fired. Every node fires every tick; the store's dedupe key
// (schedule.Key) makes each tick one run.
type scheduler struct {
	mu    sync.Mutex
	flows map[string]*scheduled
	wake  chan struct{} // a flow was added or removed: recompute the next tick
}

type scheduled struct {
	flow  store.Flow
	sched *schedule.Schedule
	last  time.Time
}

func newScheduler() *scheduler {
	return &scheduler{flows: map[string]*scheduled{}, wake: make(chan struct{}, 1)}
}

func (s *scheduler) set(f store.Flow, sc *schedule.Schedule, last time.Time) {
	s.mu.Lock()
	if old := s.flows[f.ID]; old != nil && old.last.After(last) {
		last = old.last
	}
	s.flows[f.ID] = &scheduled{flow: f, sched: sc, last: last}
	s.mu.Unlock()
	s.poke()
}

func (s *scheduler) remove(flowID string) {
	s.mu.Lock()
	delete(s.flows, flowID)
	s.mu.Unlock()
	s.poke()
}

func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// due returns the ticks to fire at now, one at most per flow, and when the
// next tick after now is.
func (s *scheduler) due(now time.Time) (fire []firing, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sf := range s.flows {
		for _, t := range sf.sched.Due(sf.last, now) {
			fire = append(fire, firing{flow: sf.flow, sched: sf.sched, tick: t})
		}
		if n := sf.sched.Next(now); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return fire, next
}

// fired records a tick as fired.
func (s *scheduler) fired(flowID string, tick time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sf := s.flows[flowID]; sf != nil && tick.After(sf.last) {
		sf.last = tick
	}
}

type firing struct {
	flow  store.Flow
	sched *schedule.Schedule
	tick  time.Time
}

// scheduleFlow brings the scheduler up to date with a flow just applied,
// enabled or disabled.
func (r *Runner) scheduleFlow(ctx context.Context, f store.Flow) {
	if f.Trigger != "schedule" || !f.Enabled {
		r.sched.remove(f.ID)
		return
	}
	c, err := r.compiledVersion(ctx, f, f.Version)
	if err != nil || c.doc.Flow.Trigger.Schedule == nil {
		r.log.Warn("the flow's schedule could not be set up", "flow", f.Name, "error", err)
		r.sched.remove(f.ID)
		return
	}
	sc, err := schedule.New(c.doc.Flow.Trigger.Schedule)
	if err != nil {
		r.log.Warn("the flow's schedule could not be set up", "flow", f.Name, "error", err)
		return
	}
	last, err := r.lastTick(ctx, f.ID)
	if err != nil {
		r.log.Warn("the flow's last scheduled run could not be read", "flow", f.Name, "error", err)
	}
	r.sched.set(f, sc, last)
}

// lastTick reads the tick of the flow's newest schedule run.
func (r *Runner) lastTick(ctx context.Context, flowID string) (time.Time, error) {
	runs, err := r.store.ListRuns(ctx, store.RunFilter{FlowID: flowID, Trigger: "schedule", Limit: 20})
	if err != nil {
		return time.Time{}, err
	}
	for _, run := range runs { // newest first; the filter may be unsupported
		if run.Trigger != "schedule" {
			continue
		}
		var d struct {
			ScheduledAt time.Time `json:"scheduled_at"`
		}
		if json.Unmarshal(run.TriggerData, &d) == nil && !d.ScheduledAt.IsZero() {
			return d.ScheduledAt, nil
		}
	}
	return time.Time{}, nil
}

// fireSchedule queues the run of one tick. Firing a tick twice, here or on
// another node, creates one run: the tick's key is the dedupe key.
func (r *Runner) fireSchedule(ctx context.Context, f store.Flow, sc *schedule.Schedule, tick time.Time) (string, error) {
	data, _ := json.Marshal(map[string]any{"scheduled_at": tick.UTC().Format(time.RFC3339)})
	return r.queue(ctx, store.NewRun{
		ID: newID(), Workspace: f.Workspace, FlowID: f.ID, FlowVersion: f.Version,
		Trigger: "schedule", TriggerData: data, Input: json.RawMessage(`[{}]`),
		DedupeKey: sc.Key(f.ID, tick),
	})
}

// runSchedules loads the enabled schedule flows and fires their ticks
// until ctx is done.
func (r *Runner) runSchedules(ctx context.Context) error {
	if err := r.loadSchedules(ctx); err != nil {
		return err
	}
	for {
		fire, next := r.sched.due(r.clock.Now())
		for _, f := range fire {
			if _, err := r.fireSchedule(ctx, f.flow, f.sched, f.tick); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				r.log.Warn("a scheduled run could not be queued; it is tried again", "flow", f.flow.Name, "tick", f.tick, "error", err)
				continue
			}
			r.sched.fired(f.flow.ID, f.tick)
		}
		if err := r.napUntil(ctx, next); err != nil {
			return nil
		}
	}
}

// napUntil sleeps until next (at most maxScheduleNap) or a schedule change.
func (r *Runner) napUntil(ctx context.Context, next time.Time) error {
	if next.IsZero() {
		// Nothing to fire: wait for a schedule to be set.
		select {
		case <-r.sched.wake:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	nap := min(max(next.Sub(r.clock.Now()), time.Millisecond), maxScheduleNap)
	napCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.sched.wake:
			cancel()
		case <-napCtx.Done():
		}
	}()
	err := r.clock.Sleep(napCtx, nap)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// loadSchedules feeds the scheduler every enabled schedule flow.
func (r *Runner) loadSchedules(ctx context.Context) error {
	flows, err := r.store.ListFlows(ctx, store.DefaultWorkspace)
	if err != nil {
		return err
	}
	for _, f := range flows {
		r.scheduleFlow(ctx, f)
	}
	return nil
}
