package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"github.com/bistro-dev/bistro/internal/redact"
	"iter"
	"time"

	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/store"
)

// errTimeout is why a run that took too long is stopped.
var errTimeout = errors.New("the run took longer than its timeout")

// outcome is how one execution of a run ended.
type outcome struct {
	status   store.Status
	out      *output
	response *engine.Response
	err      json.RawMessage // {step, index, message, record}
	message  string          // the error in plain words, for logs and the error flow
	step     string          // the failing step
	stats    []engine.StepStats
	records  *stepRecords // the first records in and out of each step; nil: none kept
	attempts int
	started  time.Time
	ended    time.Time
	// interrupted: the worker is shutting down; the run is not over.
	interrupted bool
}

// execution is what running one run needs.
type execution struct {
	runID   string
	c       *compiled
	trigger map[string]any
	input   []engine.Record // nil: one empty record
	timeout time.Duration
	// skip and done are where a resumed run starts: after the first skip
	// input records, with the output they had produced.
	skip int
	done json.RawMessage
	from *engine.From // a re-run from the failed step
}

// execute runs the plan; ctx ending interrupts it, CancelRun cancels it.
func (r *Runner) execute(ctx context.Context, x execution) outcome {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	runCtx, stop := context.WithTimeoutCause(runCtx, x.timeout, errTimeout)
	defer stop()
	r.mu.Lock()
	r.inflight[x.runID] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.inflight, x.runID)
		r.mu.Unlock()
	}()

	o := outcome{out: newOutput(r.cfg.MaxOutput), started: r.clock.Now(),
		records: newStepRecords(r.cfg.MaxOutput)}
	in := engine.Input{Trigger: x.trigger, RunID: x.runID, Observe: o.records.observe}
	if x.input != nil {
		in.Records = recordSeq(x.input)
		in.Skip = x.skip
		in.From = x.from
		in.Progress = r.checkpointer(ctx, &x, o.out)
		if x.skip > 0 {
			o.out.resume(x.done)
		}
	}
	res, err := x.c.plan.Run(runCtx, in, o.out.add)
	o.ended = r.clock.Now()
	if res != nil {
		o.response, o.stats = res.Response, res.Steps
	}
	o.status = store.StatusSucceeded
	if err != nil {
		r.classify(ctx, runCtx, x, err, &o)
	}
	if o.status == store.StatusSucceeded && !r.keep {
		o.records = nil // a successful run keeps no data
	}
	o.scrub(r.cfg.Redact)
	return o
}

// scrub hides secret values in what the run stores and answers: a flow
// that puts an allowed environment variable (a token) into a record, a
// reply or an error message does not leak it into run history or to a
// webhook's caller.
func (o *outcome) scrub(f *redact.Filter) {
	o.err = f.Bytes(o.err)
	o.message = f.String(o.message)
	if o.response != nil {
		resp := *o.response
		resp.Body = f.Value(resp.Body)
		if resp.Headers != nil {
			h := make(map[string]string, len(resp.Headers))
			for k, v := range resp.Headers {
				h[k] = f.String(v)
			}
			resp.Headers = h
		}
		o.response = &resp
	}
	o.out.scrub(f)
	o.records.scrub(f)
}

// classify turns a run's error into its outcome.
func (r *Runner) classify(ctx, runCtx context.Context, x execution, err error, o *outcome) {
	var se *engine.StepError
	cause := context.Cause(runCtx)
	switch {
	case errors.Is(cause, errCancelled):
		o.status, o.message = store.StatusCancelled, errCancelled.Error()
		return
	case ctx.Err() != nil:
		o.interrupted = true
		return
	case errors.Is(cause, errTimeout):
		o.message = fmt.Sprintf("the run took longer than its timeout of %s and was stopped", x.timeout)
	case errors.As(err, &se):
		o.message, o.step, o.attempts = se.Err.Error(), se.Step, se.Attempts
		o.err, _ = json.Marshal(se)
	default:
		o.message = err.Error()
	}
	o.status = store.StatusFailed
	if o.err == nil {
		o.err, _ = json.Marshal(map[string]any{"step": o.step, "message": o.message})
	}
}

func recordSeq(list []engine.Record) iter.Seq2[engine.Record, error] {
	return func(yield func(engine.Record, error) bool) {
		for _, rec := range list {
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// steps turns the engine's step counts into checkpoints.
func (o *outcome) steps(runID string) []store.Step {
	out := make([]store.Step, len(o.stats))
	for i, s := range o.stats {
		st := store.Step{
			RunID: runID, StepID: s.Step, Position: i, Status: store.StatusSucceeded,
			In: s.In, Out: s.Out, Attempts: 1, Started: o.started, Ended: o.ended,
		}
		st.Input, st.Output = o.records.json(s.Step)
		if s.Step == o.step && o.status == store.StatusFailed {
			st.Status, st.Error, st.Attempts = store.StatusFailed, o.message, max(o.attempts, 1)
		}
		out[i] = st
	}
	return out
}

// responseJSON is the respond step's reply as stored with the run.
func (o *outcome) responseJSON() json.RawMessage {
	if o.response == nil {
		return nil
	}
	b, err := json.Marshal(o.response)
	if err != nil {
		return nil
	}
	return b
}

// runTimeout is the flow's timeout, or the default.
func runTimeout(c *compiled) time.Duration {
	if d, err := time.ParseDuration(c.doc.Flow.Timeout); err == nil && d > 0 {
		return d
	}
	return DefaultRunTimeout
}

// triggerOf decodes a run's stored trigger variable.
func triggerOf(data json.RawMessage) map[string]any {
	v, err := decode(data)
	if m, ok := v.(map[string]any); ok && err == nil {
		return m
	}
	return map[string]any{}
}

// inputOf decodes a run's stored input records.
func inputOf(data json.RawMessage) ([]engine.Record, error) {
	v, err := decode(data)
	if err != nil || v == nil {
		return nil, err
	}
	return record.List(v), nil
}
