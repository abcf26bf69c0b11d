package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/store"
)

// pollEvery is how often a waiting caller looks at the store for a run
// that another node may finish.
const pollEvery = 50 * time.Millisecond

// newID returns a time-ordered run id (uuid v7), so ids sort by creation.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// StartRun queues a manual run with the input (an object or a list of
// records) and, with wait, waits for it to finish.
func (r *Runner) StartRun(ctx context.Context, workspace, name string, input json.RawMessage, wait time.Duration) (store.Run, error) {
	f, err := r.store.GetFlow(ctx, workspace, name)
	if err != nil {
		return store.Run{}, err
	}
	v, err := decode(input)
	if err != nil {
		return store.Run{}, &InputError{Err: err}
	}
	trig, _ := json.Marshal(map[string]any{"input": v})
	recs, err := json.Marshal(record.List(v))
	if err != nil {
		return store.Run{}, &InputError{Err: err}
	}
	if err := r.admit(ctx, f.Workspace); err != nil {
		return store.Run{}, err
	}
	id, err := r.queue(ctx, store.NewRun{
		ID: newID(), Workspace: f.Workspace, FlowID: f.ID, FlowVersion: f.Version,
		Trigger: "manual", TriggerData: trig, Input: recs,
	})
	if err != nil {
		return store.Run{}, err
	}
	return r.await(ctx, id, wait)
}

// InputError is input that is not valid JSON.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// queue writes a queued run through the batching writer and returns its id
// (the existing run's id when its dedupe key was used already).
func (r *Runner) queue(ctx context.Context, run store.NewRun) (string, error) {
	run.Status = store.StatusQueued
	if run.CreatedAt.IsZero() {
		run.CreatedAt = r.clock.Now()
	}
	c, err := r.writer.create(ctx, run, nil)
	if err != nil {
		return "", fmt.Errorf("queueing the run: %w", err)
	}
	if !c.Duplicate {
		r.depth.add(1)
	}
	return c.ID, nil
}

// await returns the run once it is final or wait has passed.
func (r *Runner) await(ctx context.Context, id string, wait time.Duration) (store.Run, error) {
	if wait <= 0 {
		return r.store.GetRun(ctx, id)
	}
	done := r.watch(id)
	defer r.unwatch(id, done)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		run, err := r.store.GetRun(ctx, id)
		if err != nil || run.Status.Final() {
			if err != nil && ctx.Err() != nil {
				// The wait passed: the run goes on; say where it is.
				return r.store.GetRun(context.WithoutCancel(ctx), id)
			}
			return run, err
		}
		select {
		case <-done:
		case <-tick.C:
		case <-ctx.Done():
			return r.store.GetRun(context.WithoutCancel(ctx), id)
		}
	}
}

// watch returns a channel closed when this node finishes the run.
func (r *Runner) watch(id string) chan struct{} {
	ch := make(chan struct{})
	r.mu.Lock()
	r.waiters[id] = append(r.waiters[id], ch)
	r.mu.Unlock()
	return ch
}

func (r *Runner) unwatch(id string, ch chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.waiters[id]
	for i, c := range list {
		if c == ch {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(r.waiters, id)
	} else {
		r.waiters[id] = list
	}
}

// finished wakes whoever waits for the run.
func (r *Runner) finished(id string) {
	r.mu.Lock()
	list := r.waiters[id]
	delete(r.waiters, id)
	r.mu.Unlock()
	for _, ch := range list {
		close(ch)
	}
}

// ListRuns lists runs.
func (r *Runner) ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error) {
	return r.store.ListRuns(ctx, f)
}

// GetRun returns a run with its steps.
func (r *Runner) GetRun(ctx context.Context, id string) (store.Run, []store.Step, error) {
	run, err := r.store.GetRun(ctx, id)
	if err != nil {
		return store.Run{}, nil, err
	}
	steps, err := r.store.ListSteps(ctx, id)
	return run, steps, err
}

// errCancelled is why a cancelled run's context ends.
var errCancelled = errors.New("the run was cancelled")

// CancelRun cancels a queued or running run. A run in flight on this node
// stops at once; one running on another node is marked cancelled and that
// node's outcome is then refused by the store. A finished run is left as
// it is.
func (r *Runner) CancelRun(ctx context.Context, id string) error {
	err := r.store.UpdateRun(ctx, store.RunUpdate{ID: id, Status: store.StatusCancelled, At: r.clock.Now()})
	if err != nil && !errors.Is(err, store.ErrFinished) {
		return err
	}
	r.mu.Lock()
	cancel := r.inflight[id]
	r.mu.Unlock()
	if cancel != nil {
		cancel(errCancelled)
	}
	if err == nil {
		r.finished(id)
	}
	return nil
}

// RerunRun starts a new run of a run's flow version with the same trigger
// and input. From the failed step, the record the run failed on starts at
// its failed step, as it reached it, and the input records after it run
// from the start (see failedAt).
func (r *Runner) RerunRun(ctx context.Context, id string, fromFailed bool) (store.Run, error) {
	old, err := r.store.GetRun(ctx, id)
	if err != nil {
		return store.Run{}, err
	}
	if !old.Status.Final() {
		return store.Run{}, fmt.Errorf("the run is still %s; only a finished run can be run again: %w", old.Status, store.ErrConflict)
	}
	if old.Input == nil && old.Status == store.StatusSucceeded {
		return store.Run{}, fmt.Errorf("the run's input was not kept, so it cannot be run again: %w", store.ErrConflict)
	}
	run := store.NewRun{
		ID: newID(), Workspace: old.Workspace, FlowID: old.FlowID, FlowVersion: old.FlowVersion,
		Trigger: "rerun", TriggerData: old.TriggerData, Input: old.Input, ParentID: old.ID,
	}
	if fromFailed {
		f, err := r.failedAt(ctx, old)
		if err != nil {
			return store.Run{}, err
		}
		run.FromStep = f.Step
	}
	newID, err := r.queue(ctx, run)
	if err != nil {
		return store.Run{}, err
	}
	return r.store.GetRun(ctx, newID)
}

// failedAt is where a failed run failed: the step, the record as it
// reached the step and its number in the input. A run can start there
// only when its flow handles each record on its own: a step that holds
// records (group, sort...) would see only part of them.
func (r *Runner) failedAt(ctx context.Context, run store.Run) (*engine.From, error) {
	var e struct {
		Step   string         `json:"step"`
		Index  int            `json:"index"`
		Record map[string]any `json:"record"`
	}
	_ = json.Unmarshal(run.Error, &e)
	if run.Status != store.StatusFailed || e.Step == "" || e.Step == "input" || e.Record == nil {
		return nil, fmt.Errorf("the run did not fail on a record in a step, so it can only run again from the start: %w", store.ErrConflict)
	}
	f, err := r.store.GetFlowByID(ctx, run.FlowID)
	if err != nil {
		return nil, err
	}
	c, err := r.compiledVersion(ctx, f, run.FlowVersion)
	if err != nil {
		return nil, err
	}
	if !c.plan.Resumable() {
		return nil, fmt.Errorf("the flow has a step that holds records (such as sort, group, dedupe or a bulk load) or answers a webhook, so the run can only run again from the start: %w", store.ErrConflict)
	}
	if _, ok := c.plan.StartIndex(e.Step); !ok {
		return nil, fmt.Errorf("the flow has no step '%s' any more: %w", e.Step, store.ErrConflict)
	}
	return &engine.From{Step: e.Step, Record: e.Record, Index: e.Index}, nil
}
