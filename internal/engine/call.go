package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"strings"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/httpstep"
)

// callKind runs another flow for every record.
type callKind struct {
	stateless
	flow  string
	input *expr.Value // nil: the record
	into  string
}

// depthError is calls nesting too deep. It passes through every level
// unchanged, so the message says what happened once, not ten times.
type depthError struct{ name string }

func (e *depthError) Error() string {
	return fmt.Sprintf("flows call each other more than %d levels deep (the last call was to '%s'); is there a loop of calls?", maxCallDepth, e.name)
}

func (c *compiler) call(f *flow.Call, scope flow.Scope) (kind, error) {
	if strings.TrimSpace(f.Flow) == "" {
		return nil, fmt.Errorf("call needs the flow to run")
	}
	k := &callKind{flow: f.Flow, into: f.Into}
	if f.Input != nil {
		var err error
		if k.input, err = c.value(f.Input, scope, "call input"); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *callKind) start(*op) proc { return k }

func (k *callKind) apply(o *op, it *item) error {
	r := o.r
	if r.plan.opts.Flows == nil {
		return errors.New("call steps cannot run here: there is no way to find other flows")
	}
	if r.depth >= maxCallDepth {
		return &depthError{name: k.flow}
	}
	input, err := k.inputValue(o, it)
	if err != nil {
		return err
	}
	sub, err := r.subplan(k.flow)
	if err != nil {
		return err
	}
	var got []any
	// The called run's id derives from this run's, so the keys its steps
	// send stay the same when this run is executed again.
	o.calls++
	in := Input{Trigger: map[string]any{"input": input}, Records: record.Seq(input),
		RunID: idempotencyKey(r.res.RunID, o.s.id, o.calls)}
	_, err = sub.run(r.ctx, in, func(rec Record) error {
		if len(got) >= r.plan.holdLimit {
			return fmt.Errorf("a called flow may give at most %d records", r.plan.holdLimit)
		}
		got = append(got, rec)
		return nil
	}, r.depth+1)
	var de *depthError
	switch {
	case errors.As(err, &de):
		return de
	case err != nil && r.ctx.Err() != nil:
		return r.ctx.Err()
	case err != nil:
		return fmt.Errorf("the called flow '%s' failed: %s", k.flow, err.Error())
	}
	k.emit(o, it, got)
	return nil
}

func (k *callKind) emit(o *op, it *item, got []any) {
	if k.into != "" {
		out := *it
		out.rec, out.owned = cloneRecord(it.rec, 1), true
		if got == nil {
			got = []any{}
		}
		out.rec[k.into] = got
		o.emit(out)
		return
	}
	for _, rec := range got {
		out := *it
		out.rec, out.owned = rec.(Record), true
		o.emit(out)
	}
}

func (k *callKind) inputValue(o *op, it *item) (any, error) {
	if k.input == nil {
		return expr.Copy(it.rec)
	}
	v, err := k.input.Eval(o.r.vars)
	if err != nil {
		return nil, fmt.Errorf("call input: %w", err)
	}
	return expr.Copy(v)
}

// subplan loads and compiles a called flow once per run.
func (r *run) subplan(name string) (*Plan, error) {
	if p, ok := r.subplans[name]; ok {
		return p, nil
	}
	doc, err := r.plan.opts.Flows.Load(r.ctx, r.plan.doc, name)
	if err != nil {
		return nil, fmt.Errorf("the flow '%s' could not be loaded: %w", name, err)
	}
	p, err := Compile(doc, r.plan.opts)
	if err != nil {
		return nil, fmt.Errorf("the flow '%s' has a problem: %w", name, err)
	}
	p.newID, p.random, p.holdLimit, p.sortChunk, p.tempDir = r.plan.newID, r.plan.random, r.plan.holdLimit, r.plan.sortChunk, r.plan.tempDir
	if r.subplans == nil {
		r.subplans = map[string]*Plan{}
	}
	r.subplans[name] = p
	return p, nil
}

// httpKind is the HTTP step; it retries each request itself.
type httpKind struct {
	stateless
	step *httpstep.Step
}

func (c *compiler) http(fs *flow.Step, scope flow.Scope) (kind, error) {
	s, err := httpstep.Compile(fs.HTTP, fs.Retry, scope)
	if err != nil {
		return nil, err
	}
	// The HTTP step does not tell which variables its templates read: keep
	// every step's record if any of its settings mentions steps.
	if data, _ := json.Marshal(fs.HTTP); strings.Contains(string(data), "steps") {
		c.lineageAll = true
	}
	return &httpKind{step: s}, nil
}

func (k *httpKind) start(*op) proc { return k }

func (k *httpKind) apply(o *op, it *item) error {
	if o.r.plan.opts.HTTP == nil {
		return errors.New("HTTP steps cannot run here: no HTTP client is set up")
	}
	conn, err := k.conn(o)
	if err != nil {
		return err
	}
	o.calls++
	o.r.vars[expr.VarIdempotencyKey] = idempotencyKey(o.r.res.RunID, o.s.id, o.calls)
	defer delete(o.r.vars, expr.VarIdempotencyKey)
	return k.step.RunWith(o.r.ctx, o.r.plan.opts.HTTP, conn, o.r.vars, func(rec map[string]any) error {
		out := *it
		out.rec, out.owned = rec, false
		o.emit(out)
		return nil
	})
}

// conn opens the http connection the step names, if any.
func (k *httpKind) conn(o *op) (httpstep.Connection, error) {
	name := k.step.Connection()
	if name == "" {
		return nil, nil
	}
	conns := o.r.plan.opts.Connections
	if conns == nil {
		return nil, fault.Permanent(fmt.Errorf("the connection '%s' cannot be used here: no connections are set up", name))
	}
	c, err := conns.Conn(o.r.ctx, "http", name)
	if err != nil {
		return nil, fmt.Errorf("http on connection '%s': %w", name, err)
	}
	hc, ok := c.(httpstep.Connection)
	if !ok {
		return nil, fault.Permanent(fmt.Errorf("the connection '%s' cannot carry http requests", name))
	}
	return hc, nil
}

// idempotencyKey names the n-th record a step handles in a run. The same
// run with the same input reaches a step with the same records in the same
// order, so a retry, and a run re-executed after a crash, send the same key
// and a target that honours keys applies the effect once.
func idempotencyKey(runID, stepID string, n int) string {
	return fmt.Sprintf("%s/%s/%d", runID, stepID, n)
}
