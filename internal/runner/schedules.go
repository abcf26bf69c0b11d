package runner

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/schedule"
	"github.com/bistro-dev/bistro/internal/store"
)

// scheduleFlow brings the scheduler up to date with a flow just applied,
// enabled or disabled. Every node schedules every enabled schedule flow;
// the store's dedupe key (schedule.Key) makes each tick one run.
func (r *Runner) scheduleFlow(ctx context.Context, f store.Flow) {
	if f.Trigger != "schedule" || !f.Enabled {
		r.sched.Remove(f.ID)
		return
	}
	c, err := r.compiledVersion(ctx, f, f.Version)
	if err != nil || c.doc.Flow.Trigger.Schedule == nil {
		r.log.Warn("the flow's schedule could not be set up", "flow", f.Name, "error", err)
		r.sched.Remove(f.ID)
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
	r.sched.Set(f.ID, sc, last)
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

// fireSchedule is the scheduler's schedule.FireFunc: it queues the run of
// one tick of the flow as it is in the store now. Firing a tick twice, here
// or on another node, creates one run: key is the run's dedupe key.
func (r *Runner) fireSchedule(ctx context.Context, flowID string, tick time.Time, key string) error {
	f, err := r.store.GetFlowByID(ctx, flowID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!f.Enabled || f.Trigger != "schedule")) {
		// Deleted, disabled or changed on another node since it was
		// scheduled here: the tick has nothing to start.
		return nil
	}
	if err != nil {
		return err
	}
	if err := r.admit(ctx, f.Workspace); err != nil {
		var q *api.QuotaError
		if errors.As(err, &q) {
			r.log.Warn("a scheduled run was not started", "flow", f.Name, "workspace", f.Workspace, "reason", q.Message)
			return nil // the tick is skipped, like a tick missed while down
		}
		return err
	}
	data, _ := json.Marshal(map[string]any{"scheduled_at": tick.UTC().Format(time.RFC3339)})
	_, err = r.queue(ctx, store.NewRun{
		ID: newID(), Workspace: f.Workspace, FlowID: f.ID, FlowVersion: f.Version,
		Trigger: "schedule", TriggerData: data, Input: json.RawMessage(`[{}]`),
		DedupeKey: key,
	})
	return err
}

// runSchedules loads the enabled schedule flows and fires their ticks
// until ctx is done.
func (r *Runner) runSchedules(ctx context.Context) error {
	flows, err := r.allFlows(ctx)
	if err != nil {
		return err
	}
	for _, f := range flows {
		r.scheduleFlow(ctx, f)
	}
	if err := r.sched.Run(ctx); ctx.Err() == nil {
		return err
	}
	return nil
}
