package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/expr"
)

// maxCallDepth bounds flows calling flows, against endless recursion.
const maxCallDepth = 10

// run is the state of one run of a plan.
type run struct {
	ctx       context.Context
	plan      *Plan
	clock     clock.Clock
	logger    *slog.Logger
	batchSize int
	vars      expr.Vars // reused for every evaluation: one run, one goroutine
	bound     [3]bool   // whether vars holds steps, loop and error values
	stats     []StepStats
	res       *Result
	depth     int
	subplans  map[string]*Plan // called flows, compiled once per run
	cleanups  []func()         // run when the run ends, however it ends
	observe   Observer         // nil: nothing to show, the usual case

	stopped   bool
	inputDone bool // a limit on the main line has let enough records through
}

// outError is the caller's output function failing.
type outError struct{ err error }

func (e *outError) Error() string { return e.err.Error() }
func (e *outError) Unwrap() error { return e.err }

// Run runs the flow over the input, passing every record that leaves the
// last step to out. It returns (res, res.Error) when a step fails the run,
// (res, nil) when the run succeeds or stops, and (res, err) when ctx ends
// or out returns an error.
func (p *Plan) Run(ctx context.Context, in Input, out func(Record) error) (*Result, error) {
	return p.run(ctx, in, out, 0)
}

func (p *Plan) run(ctx context.Context, in Input, out func(Record) error, depth int) (*Result, error) {
	r, err := p.newRun(ctx, in, depth)
	if err != nil {
		return r.res, err
	}
	prefix := parallelPrefix(p.steps)
	if in.From != nil {
		return r.finish(r.from(in, out))
	}
	if prefix == 0 || in.Records == nil || runtime.GOMAXPROCS(0) < 2 || p.serial || in.Observe != nil ||
		in.Progress != nil || in.Skip > 0 {
		head := r.chain(p.steps, outSink{out: out})
		err = r.feed(in, head)
		if err == nil && !r.stopped {
			err = head.flush()
		}
		return r.finish(err)
	}
	tail := r.chain(p.steps[prefix:], outSink{out: out})
	err = r.feedParallel(in, prefix, tail)
	if err == nil && !r.stopped {
		err = tail.flush()
	}
	return r.finish(err)
}

func (p *Plan) newRun(ctx context.Context, in Input, depth int) (*run, error) {
	r := &run{
		ctx: ctx, plan: p, clock: p.opts.Clock, logger: p.opts.Logger,
		batchSize: p.opts.BatchSize, depth: depth, observe: in.Observe,
		stats: make([]StepStats, len(p.ids)),
		res:   &Result{RunID: runID(in.RunID, p.newID), Status: StatusSucceeded},
	}
	if r.clock == nil {
		r.clock = clock.Real{}
	}
	if r.logger == nil {
		r.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for i, id := range p.ids {
		r.stats[i].Step = id
	}
	r.res.Steps = r.stats
	env := make(map[string]any, len(p.opts.Env))
	for k, v := range p.opts.Env {
		env[k] = v
	}
	runVar := map[string]any{
		"id": r.res.RunID, "flow": p.doc.Flow.Name,
		"started_at": r.clock.Now().UTC().Format(time.RFC3339Nano),
	}
	trigger := in.Trigger
	if trigger == nil {
		trigger = map[string]any{}
	}
	r.vars = expr.Vars{expr.VarTrigger: trigger, expr.VarEnv: env, expr.VarRun: runVar}
	flowVars := make(map[string]any, len(p.vars))
	for _, name := range p.varKeys {
		v, err := p.vars[name].Eval(r.vars)
		if err == nil {
			v, err = expr.Copy(v)
		}
		if err != nil {
			r.res.Status = StatusFailed
			return r, fmt.Errorf("flow variable '%s' could not be computed: %w", name, err)
		}
		flowVars[name] = v
	}
	r.vars[expr.VarVars] = flowVars
	return r, nil
}

// from runs in.From's record from its step on, then the input records
// through every step. Both chains hold no records (the plan is
// resumable), so two of them behave as one.
func (r *run) from(in Input, out func(Record) error) error {
	at, ok := r.plan.StartIndex(in.From.Step)
	if !ok {
		return fmt.Errorf("the flow has no step '%s' to start at (it was changed?)", in.From.Step)
	}
	if !r.plan.Resumable() {
		return fmt.Errorf("the flow has a step that holds records (such as sort, group or dedupe), so it can only run again from the start")
	}
	first := r.chain(r.plan.steps[at:], outSink{out: out})
	rec := cloneRecord(in.From.Record, 0)
	if err := first.push([]item{{rec: rec, index: in.From.Index, owned: true}}); err != nil {
		return err
	}
	if err := first.flush(); err != nil || r.stopped {
		return err
	}
	r.progress(in, in.From.Index)
	if in.Records == nil {
		return nil
	}
	head := r.chain(r.plan.steps, outSink{out: out})
	if err := r.feed(in, head); err != nil || r.stopped {
		return err
	}
	return head.flush()
}

// feed reads the input in batches and pushes them into the first step.
func (r *run) feed(in Input, head sink) error {
	if in.Records == nil {
		return head.push([]item{{rec: Record{}, index: 1, owned: true}})
	}
	batch := make([]item, 0, r.batchSize)
	n := 0
	var err error
	for rec, rerr := range in.Records {
		n++
		if rerr != nil {
			// The records before the bad one are still handled.
			if err = r.pushInput(head, batch); err == nil {
				err = &StepError{Step: "input", Index: n, Attempts: 1,
					Err: fmt.Errorf("the input record could not be read: %w", rerr)}
			}
			break
		}
		if n <= in.Skip {
			continue
		}
		if rec == nil {
			rec = Record{}
		}
		batch = append(batch, item{rec: rec, index: n})
		if len(batch) < r.batchSize {
			continue
		}
		if err = r.pushInput(head, batch); err != nil || r.stopped || r.inputDone {
			break
		}
		r.progress(in, n)
		clear(batch)
		batch = batch[:0]
	}
	if err != nil || r.stopped || r.inputDone {
		return err
	}
	if err := r.pushInput(head, batch); err != nil || len(batch) == 0 || r.stopped {
		return err
	}
	r.progress(in, n)
	return nil
}

// progress tells that the input records up to done went through every
// step. Records a step holds would not have: plans with such steps are
// not resumable, and their runs are given no Progress.
func (r *run) progress(in Input, done int) {
	if in.Progress != nil && r.depth == 0 {
		in.Progress(done)
	}
}

func (r *run) pushInput(head sink, batch []item) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if len(batch) == 0 {
		return nil
	}
	return head.push(batch)
}

// cleanup registers f to run when the run ends (e.g. removing a sort's
// temporary files).
func (r *run) cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// finish turns the outcome into the result.
func (r *run) finish(err error) (*Result, error) {
	for _, f := range r.cleanups {
		f()
	}
	r.cleanups = nil
	var se *StepError
	switch {
	case err == nil:
		if r.stopped {
			r.res.Status = StatusStopped
		}
		return r.res, nil
	case errors.As(err, &se):
		r.res.Status = StatusFailed
		r.res.Error = se
		return r.res, se
	}
	r.res.Status = StatusFailed
	var oe *outError
	if errors.As(err, &oe) {
		return r.res, oe.err
	}
	return r.res, err
}

// bind points the shared variables at one record. Most records carry no
// lineage, loop or error: those entries are only written when they change
// from or to nothing, as map writes are a good part of a simple step's cost.
func (r *run) bind(it *item) {
	r.vars[expr.VarRecord] = it.rec
	r.bindOptional(expr.VarSteps, it.line, &r.bound[0])
	r.bindOptional(expr.VarLoop, it.loop, &r.bound[1])
	r.bindOptional(expr.VarError, it.err, &r.bound[2])
}

func (r *run) bindOptional(name string, v map[string]any, bound *bool) {
	if v == nil && !*bound {
		return
	}
	r.vars[name] = v
	*bound = v != nil
}

// log writes a line to the logger and, up to MaxLogLines, to the result.
func (r *run) log(level, step string, index int, msg string) {
	lv := slog.LevelInfo
	if level == "warn" {
		lv = slog.LevelWarn
	}
	r.logger.Log(r.ctx, lv, msg, "step", step, "record", index, "run", r.res.RunID)
	if len(r.res.Logs) >= MaxLogLines {
		r.res.LogsLost++
		return
	}
	r.res.Logs = append(r.res.Logs, LogLine{Level: level, Step: step, Index: index, Message: msg})
}

// outSink hands the records that leave the last step to the caller.
type outSink struct{ out func(Record) error }

func (s outSink) push(batch []item) error {
	if s.out == nil {
		return nil
	}
	for i := range batch {
		if err := s.out(batch[i].rec); err != nil {
			return &outError{err: err}
		}
	}
	return nil
}

func (outSink) flush() error { return nil }

// runID is the caller's run id, or a new one.
func runID(given string, newID func() string) string {
	if given != "" {
		return given
	}
	return newID()
}
