package engine

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/bistro-dev/bistro/internal/fault"
)

// item is a record on its way through the steps, with what travels with it.
type item struct {
	rec   Record
	index int            // the input record it came from, 1-based; 0 when none
	owned bool           // rec belongs to this item alone and may be changed in place
	line  map[string]any // steps.X for the steps whose records are kept
	loop  map[string]any // loop.index and loop.parent inside for_each
	err   map[string]any // error.message and error.step in an error branch
}

// sink takes batches. push must not keep the batch slice: the caller reuses it.
type sink interface {
	push(batch []item) error
	flush() error
}

// kind is a compiled step kind; start makes its state for one run.
type kind interface {
	start(o *op) proc
}

// proc does a step's work within one run.
type proc interface {
	// apply handles one record, emitting what it produces through o.emit.
	apply(o *op, it *item) error
	// flush emits what the step holds at the end of its input and resets it.
	flush(o *op) error
}

// stateless is embedded by kinds that hold nothing between records.
type stateless struct{}

func (stateless) flush(*op) error { return nil }

// op runs one step within one run: the when condition, retries, the error
// policy, panics and stats around the step's own work.
type op struct {
	r      *run
	s      *step
	proc   proc
	buf    []item
	next   sink
	errOut sink // the error branch, when on_error has steps
	stats  *StepStats
	// flushing is set while the step empties its held state, so that
	// records rejoining from its branches drain in batches.
	flushing bool
	// calls counts the records an http or call step has handled in this
	// run, for their idempotency keys.
	calls int
	// streamed is set when an attempt passed records on before it ended
	// (a long action result): a failure then cannot be rolled back.
	streamed bool
}

func (r *run) newOp(s *step, next sink) *op {
	o := &op{r: r, s: s, next: next, stats: &r.stats[s.stat]}
	o.proc = s.kind.start(o)
	if s.errSteps != nil {
		o.errOut = r.chain(s.errSteps, discard{})
	}
	return o
}

// chain builds the operators for a list of steps ending in tail.
func (r *run) chain(steps []*step, tail sink) sink {
	next := tail
	for i := len(steps) - 1; i >= 0; i-- {
		next = r.newOp(steps[i], next)
	}
	return next
}

// push handles a batch. A stop reached while handling it ends the loop:
// the later records come after the stop. Records already handled still
// drain, and a step pushed to after the stop (wasStopped) finishes what it
// is given, because those records left the stop's side before it fired.
func (o *op) push(batch []item) error {
	wasStopped := o.r.stopped
	for i := range batch {
		if o.r.stopped && !wasStopped {
			break
		}
		if err := o.one(&batch[i]); err != nil {
			return err
		}
		if len(o.buf) >= o.r.batchSize {
			if err := o.drain(); err != nil {
				return err
			}
		}
	}
	return o.drain()
}

// drain passes the buffered records to the next step.
func (o *op) drain() error {
	if len(o.buf) == 0 {
		return nil
	}
	if obs := o.r.observe; obs != nil {
		o.observe(obs, false, o.buf)
	}
	err := o.next.push(o.buf)
	clear(o.buf)
	o.buf = o.buf[:0]
	return err
}

func (o *op) flush() error {
	if o.r.stopped {
		return nil
	}
	o.flushing = true
	err := o.protect(func() error { return o.proc.flush(o) })
	o.flushing = false
	if errors.Is(err, errStopped) {
		return nil
	}
	if err != nil {
		// Held state belongs to no one record: the policy cannot skip or
		// continue it, so the run fails.
		if o.passThrough(err) {
			return o.fail(&item{}, 1, err)
		}
		o.stats.Failed++
		return &StepError{Step: o.s.id, Attempts: 1, Err: err}
	}
	if err := o.drain(); err != nil {
		return err
	}
	if o.errOut != nil {
		if err := o.errOut.flush(); err != nil {
			return err
		}
	}
	return o.next.flush()
}

// emit passes a record on, keeping it for steps.ID when asked to.
func (o *op) emit(it item) {
	if o.s.keep {
		line := make(map[string]any, len(it.line)+1)
		for k, v := range it.line {
			line[k] = v
		}
		line[o.s.id] = it.rec
		it.line = line
		it.owned = false // the kept record must not change any more
	}
	o.stats.Out++
	o.buf = append(o.buf, it)
}

// observe shows records to the observer. Their items give up ownership,
// so that later steps copy them before writing and the observer's records
// stay as they were. Records leave a step when they are drained, not when
// emitted, so that an attempt rolled back before a retry is not shown.
func (o *op) observe(obs Observer, in bool, items []item) {
	for i := range items {
		items[i].owned = false
		obs(o.s.id, in, items[i].rec)
	}
}

// errStopped ends a step's flush when a stop fired further down: the
// records it still holds come after the stop.
var errStopped = errors.New("the run stopped")

// emitHeld emits a record from a step's held state, draining full batches.
func (o *op) emitHeld(it item) error {
	if o.r.stopped {
		return errStopped
	}
	o.emit(it)
	if len(o.buf) >= o.r.batchSize {
		return o.drain()
	}
	return nil
}

func (o *op) one(it *item) error {
	o.stats.In++
	if obs := o.r.observe; obs != nil {
		o.observe(obs, true, []item{*it})
		it.owned = false
	}
	if o.s.when != nil {
		o.r.bind(it)
		ok, err := o.s.when.Bool(o.r.vars)
		if err != nil {
			return o.fail(it, 1, fmt.Errorf("its when condition failed: %w", err))
		}
		if !ok {
			o.stats.Skipped++
			o.emit(*it)
			return nil
		}
	}
	attempts, err := o.attempt(it)
	if err != nil {
		return o.fail(it, attempts, err)
	}
	return nil
}

// attempt applies the step, retrying as its retry setting says.
func (o *op) attempt(it *item) (int, error) {
	return o.retry(it, func() error {
		o.r.bind(it)
		return o.proc.apply(o, it)
	})
}

// retry runs try, and again after a wait while the step's retry setting
// allows, rolling back what a failed try emitted. it is the record the
// tries are for (an empty item for what a step holds, such as a bulk
// action's last batch). It returns the number of tries.
func (o *op) retry(it *item, try func() error) (int, error) {
	for n := 1; ; n++ {
		mark, outs := len(o.buf), o.stats.Out
		o.streamed = false
		err := o.protect(try)
		if err == nil {
			return n, nil
		}
		if o.streamed && !o.passThrough(err) {
			// Records of this attempt already went on: retrying or
			// skipping would repeat or half-drop them.
			o.stats.Failed++
			return n, &StepError{Step: o.s.id, Index: it.index, Record: it.rec, Attempts: n,
				Err: fmt.Errorf("%w (it failed after passing on records, so it was not retried)", err)}
		}
		o.buf, o.stats.Out = o.buf[:mark], outs
		if o.passThrough(err) {
			return n, err
		}
		transient, after := fault.IsTransient(err)
		wait, again := o.s.retry.wait(n, transient, after, o.r.plan.random())
		if !again {
			return n, err
		}
		if err := o.r.clock.Sleep(o.r.ctx, wait); err != nil {
			return n, err
		}
	}
}

// protect turns a panic into an error.
func (o *op) protect(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			o.r.logger.Error("step panicked", "step", o.s.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fault.Permanent(fmt.Errorf("the step stopped on an internal error: %v", v))
		}
	}()
	return f()
}

// passThrough reports errors that are not this step's own failure: a
// nested step failing the run, the output failing, or the run cancelled.
func (o *op) passThrough(err error) bool {
	var se *StepError
	var oe *outError
	return errors.As(err, &se) || errors.As(err, &oe) || o.r.ctx.Err() != nil
}

// failError is a fail step: it fails the run whatever on_error says.
type failError struct{ msg string }

func (e *failError) Error() string { return e.msg }

// fail applies the error policy to a record the step failed on.
func (o *op) fail(it *item, attempts int, err error) error {
	if o.passThrough(err) {
		if o.r.ctx.Err() != nil {
			return o.r.ctx.Err()
		}
		return err
	}
	o.stats.Failed++
	se := &StepError{Step: o.s.id, Index: it.index, Record: it.rec, Attempts: attempts, Err: err}
	var fe *failError
	if errors.As(err, &fe) {
		return se
	}
	switch o.s.onError {
	case "skip":
		o.r.log("warn", o.s.id, it.index, "record skipped after an error: "+err.Error())
		return nil
	case "continue":
		o.r.log("warn", o.s.id, it.index, "record passed on after an error: "+err.Error())
		o.emit(*it)
		return nil
	case "steps":
		e := *it
		e.err = map[string]any{"message": err.Error(), "step": o.s.id}
		return o.errOut.push([]item{e})
	}
	return se
}

// discard is the end of an error branch: its records go nowhere.
type discard struct{}

func (discard) push([]item) error { return nil }
func (discard) flush() error      { return nil }

// rejoin ends a branch by handing its records back to the step that owns
// the branch, so that they flow on from there in order.
type rejoin struct {
	o     *op
	reset func(*item) // restores what the branch changed (e.g. loop), or nil
}

func (j rejoin) push(batch []item) error {
	for _, it := range batch {
		if j.reset != nil {
			j.reset(&it)
		}
		j.o.emit(it)
		if j.o.flushing && len(j.o.buf) >= j.o.r.batchSize {
			if err := j.o.drain(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (rejoin) flush() error { return nil }
