package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/store"
)

// snoozeFor is how long a run waits when its flow has no room to run.
const snoozeFor = 500 * time.Millisecond

// handle executes one queued run; the store's workers call it at least
// once per run. A step failing is final (the run failed); an error
// returned here is the infrastructure failing, and the store retries.
func (r *Runner) handle(ctx context.Context, runID string) error {
	run, err := r.store.GetRun(ctx, runID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // pruned or deleted with its flow: nothing to do
	}
	if err != nil {
		return err
	}
	if run.Status.Final() {
		// Done already, maybe by a worker that then died or lost the
		// store's answer before its failed run's error flow was queued.
		return r.resumeErrorFlow(ctx, run)
	}
	f, err := r.store.GetFlowByID(ctx, run.FlowID)
	if errors.Is(err, store.ErrNotFound) {
		return r.failEarly(ctx, run, "the flow was deleted before the run could start")
	}
	if err != nil {
		return err
	}
	c, err := r.compiledVersion(ctx, f, run.FlowVersion)
	var pe *planError
	if errors.As(err, &pe) {
		return r.failEarly(ctx, run, pe.Error())
	}
	if err != nil {
		return err
	}
	if wait := r.eventWait(run); wait > 0 {
		return &store.SnoozeError{After: wait}
	}
	if !r.acquire(f, c.doc.Flow.Concurrency, r.concurrentLimit(ctx, f.Workspace)) {
		return &store.SnoozeError{After: snoozeFor}
	}
	defer r.release(f)
	return r.runQueued(ctx, run, c)
}

// runQueued marks the run running, executes it and records the outcome.
func (r *Runner) runQueued(ctx context.Context, run store.Run, c *compiled) error {
	err := r.store.UpdateRun(ctx, store.RunUpdate{
		ID: run.ID, Status: store.StatusRunning, Attempt: run.Attempt + 1, At: r.clock.Now(),
	})
	if errors.Is(err, store.ErrFinished) {
		return nil // cancelled while queued
	}
	if err != nil {
		return err
	}
	input, err := inputOf(run.Input)
	if err != nil {
		return r.failEarly(ctx, run, "the run's input could not be read: "+err.Error())
	}
	skip, done, err := r.resumePoint(ctx, run, c)
	if err != nil {
		return err
	}
	if skip > 0 {
		r.log.Info("the run resumes where it was interrupted", "run", run.ID, "after_record", skip)
	}
	var from *engine.From
	if run.FromStep != "" && skip == 0 {
		if from, err = r.startAt(ctx, run); err != nil {
			return r.failEarly(ctx, run, err.Error())
		}
		skip = from.Index
	}
	o := r.execute(ctx, execution{
		runID: run.ID, c: c, trigger: triggerOf(run.TriggerData), input: input, timeout: runTimeout(c),
		skip: skip, done: done, from: from,
	})
	if o.interrupted {
		return fmt.Errorf("run %s was interrupted: %w", run.ID, context.Cause(ctx))
	}
	return r.record(ctx, run, c, o)
}

// record saves a finished run's steps and outcome, then starts its error
// flow when it failed.
func (r *Runner) record(ctx context.Context, run store.Run, c *compiled, o outcome) error {
	u := store.RunUpdate{
		ID: run.ID, Status: o.status, Response: o.responseJSON(), Error: o.err,
		Attempt: run.Attempt + 1, At: o.ended,
	}
	if o.status != store.StatusSucceeded || r.keep {
		u.Output = o.out.json()
	} else {
		u.DropInput = true
	}
	err := r.saveOutcome(ctx, o.steps(run.ID), u)
	if errors.Is(err, store.ErrFinished) {
		return nil // cancelled meanwhile: the cancellation stands
	}
	if err != nil {
		return err
	}
	r.finished(run.ID)
	r.metrics.finished(c.flow.Name, o.status, o.ended.Sub(o.started))
	r.metrics.stepCounts(c.flow.Name, &o)
	if o.status == store.StatusFailed {
		// An error here makes River hand the run out again; the handler
		// then finds it final and queues the error flow once more.
		return r.afterFailure(ctx, run, c, o)
	}
	return nil
}

// startAt is where a re-run from the failed step starts: where the run it
// re-runs failed.
func (r *Runner) startAt(ctx context.Context, run store.Run) (*engine.From, error) {
	parent, err := r.store.GetRun(ctx, run.ParentID)
	if err != nil {
		return nil, fmt.Errorf("the run it runs again cannot be read (pruned?): %w", err)
	}
	return r.failedAt(ctx, parent)
}

// saveOutcome records a run's steps and final state: in a shared
// transaction with other runs ending now when the store can, else step by
// step.
func (r *Runner) saveOutcome(ctx context.Context, steps []store.Step, u store.RunUpdate) error {
	if r.finisher != nil {
		return r.finisher.finish(ctx, store.Finish{Steps: steps, Update: u})
	}
	for _, s := range steps {
		if err := r.store.SaveStep(ctx, s); err != nil {
			return err
		}
	}
	return r.store.UpdateRun(ctx, u)
}

// failEarly fails a run that cannot start; retrying would not help.
func (r *Runner) failEarly(ctx context.Context, run store.Run, message string) error {
	e, _ := json.Marshal(map[string]any{"message": message})
	err := r.store.UpdateRun(ctx, store.RunUpdate{
		ID: run.ID, Status: store.StatusFailed, Error: e, Attempt: run.Attempt + 1, At: r.clock.Now(),
	})
	if err != nil && !errors.Is(err, store.ErrFinished) {
		return err
	}
	r.finished(run.ID)
	return nil
}

// startErrorFlow queues the flow's error_flow with what went wrong. It is
// keyed by the failed run, so a retried handler starts it once.
func (r *Runner) startErrorFlow(ctx context.Context, run store.Run, c *compiled, o outcome) error {
	name := c.doc.Flow.ErrorFlow
	// An error flow's own failures are not reported again: that could loop.
	if name == "" || run.Trigger == "error" {
		return nil
	}
	ef, err := r.store.GetFlow(ctx, run.Workspace, name)
	if errors.Is(err, store.ErrNotFound) {
		// A flow naming an error flow that is not there: trying again
		// would not help, so it is said in the log.
		r.log.Warn("the error flow does not exist", "flow", c.flow.Name, "error_flow", name, "run", run.ID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("start the error flow '%s': %w", name, err)
	}
	var input any
	if run.Input != nil {
		input, _ = decode(run.Input)
	}
	payload := map[string]any{
		"flow": c.flow.Name, "run_id": run.ID, "step": o.step, "error": o.message, "input": input,
	}
	trig, _ := json.Marshal(map[string]any{"input": payload})
	in, _ := json.Marshal([]any{payload})
	_, err = r.queue(ctx, store.NewRun{
		ID: newID(), Workspace: run.Workspace, FlowID: ef.ID, FlowVersion: ef.Version,
		Trigger: "error", TriggerData: trig, Input: in, ParentID: run.ID, DedupeKey: "error:" + run.ID,
	})
	if err != nil {
		return fmt.Errorf("start the error flow '%s': %w", name, err)
	}
	return nil
}

// resumeErrorFlow starts the error flow of a failed run handed out
// again: the worker that failed it may have stopped between storing the
// outcome and queueing the error flow. The error flow's dedupe key makes
// this a no-op when it was queued already.
func (r *Runner) resumeErrorFlow(ctx context.Context, run store.Run) error {
	if run.Status != store.StatusFailed || run.Trigger == "error" {
		return nil
	}
	f, err := r.store.GetFlowByID(ctx, run.FlowID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the flow is gone: there is no error flow to start
	}
	if err != nil {
		return err
	}
	c, err := r.compiledVersion(ctx, f, run.FlowVersion)
	if err != nil || (c.doc.Flow.ErrorFlow == "" && c.doc.Flow.Trigger.Event == nil) {
		return nil
	}
	var e struct {
		Step    string `json:"step"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(run.Error, &e)
	return r.afterFailure(ctx, run, c, outcome{step: e.Step, message: e.Message})
}

// afterFailure does what follows a failed run: its error flow, and for a
// message's run another attempt or the dead-letter list.
func (r *Runner) afterFailure(ctx context.Context, run store.Run, c *compiled, o outcome) error {
	return errors.Join(r.startErrorFlow(ctx, run, c, o), r.eventFailed(ctx, run, c, o.message))
}

// acquire takes a slot of the flow's and of the workspace's concurrency on
// this node; a limit of 0 is no limit.
func (r *Runner) acquire(f store.Flow, flowLimit, workspaceLimit int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if flowLimit > 0 && r.perFlow[f.ID] >= flowLimit || workspaceLimit > 0 && r.perWS[f.Workspace] >= workspaceLimit {
		return false
	}
	r.perFlow[f.ID]++
	r.perWS[f.Workspace]++
	return true
}

func (r *Runner) release(f store.Flow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.perFlow[f.ID]--; r.perFlow[f.ID] <= 0 {
		delete(r.perFlow, f.ID)
	}
	if r.perWS[f.Workspace]--; r.perWS[f.Workspace] <= 0 {
		delete(r.perWS, f.Workspace)
	}
}
