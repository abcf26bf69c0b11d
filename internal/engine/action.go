package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
)

// Connections gives action steps their connections.
type Connections interface {
	// Action returns the spec of the action a flow names as
	// "connector.action".
	Action(id string) (connector.Action, bool)
	// Conn returns the open connection called name of the connector (an
	// empty name: the connector's connection without settings, for
	// connectors that need none). The engine does not close it.
	Conn(ctx context.Context, connector, name string) (connector.Conn, error)
	// Broken tells that conn was lost (it returned ErrNotConnected): the
	// next Conn opens the connection again.
	Broken(connector, name string, conn connector.Conn)
}

// DefaultActionBatch is the number of records a bulk action takes at once
// when the step does not set batch_size.
const DefaultActionBatch = 1000

// actionKind runs a connector action for every record, or for batches of
// records when the action takes them (Action.Batch).
type actionKind struct {
	id         string // "postgres.insert"
	connector  string
	action     string
	connection string
	spec       connector.Action
	with       *expr.Value // nil: no settings
	// static are the settings, checked and with defaults, when they hold
	// no template: computed once and shared by every request.
	static map[string]any
}

func (c *compiler) action(fs *flow.Step, scope flow.Scope) (kind, error) {
	conns := c.plan.opts.Connections
	if conns == nil {
		return nil, fmt.Errorf("the action '%s' cannot run here: no connections are set up", fs.Action)
	}
	spec, ok := conns.Action(fs.Action)
	if !ok {
		return nil, fmt.Errorf("unknown action '%s'; run 'bistro connectors list' to see the actions there are", fs.Action)
	}
	name, action, _ := strings.Cut(fs.Action, ".")
	k := &actionKind{id: fs.Action, connector: name, action: action, connection: fs.Connection, spec: spec}
	if fs.With != nil {
		var err error
		if k.with, err = c.value(map[string]any(fs.With), scope, "with"); err != nil {
			return nil, err
		}
	}
	if k.with == nil || k.with.Static() {
		input, err := k.evaluate(nil)
		if err != nil {
			return nil, err
		}
		k.static = input
	}
	if spec.Batch && fs.OnError != nil && len(fs.OnError.Steps) == 0 && fs.OnError.Action != "" && fs.OnError.Action != "fail" ||
		spec.Batch && fs.OnError != nil && len(fs.OnError.Steps) > 0 {
		return nil, fmt.Errorf("'%s' writes records in batches, all or nothing, so on_error must be fail: a failed batch fails the run", fs.Action)
	}
	return k, nil
}

func (k *actionKind) start(*op) proc {
	if k.spec.Batch {
		return &batchProc{k: k}
	}
	return k
}

func (k *actionKind) flush(*op) error { return nil }

// request builds the request for the record the run is on: the step's
// settings evaluated, defaults filled in and checked.
func (k *actionKind) request(o *op, it *item) (connector.Request, error) {
	input := k.static
	if input == nil {
		var err error
		if input, err = k.evaluate(o.r.vars); err != nil {
			return connector.Request{}, err
		}
	}
	o.calls++
	return connector.Request{
		Action: k.action,
		Input:  input,
		Record: it.rec,
		Key:    idempotencyKey(o.r.res.RunID, o.s.id, o.calls),
	}, nil
}

// evaluate computes the step's settings for the variables, checks them
// and fills in the defaults.
func (k *actionKind) evaluate(vars expr.Vars) (map[string]any, error) {
	input := map[string]any{}
	if k.with != nil {
		v, err := k.with.Eval(vars)
		if err != nil {
			return nil, fault.Permanent(fmt.Errorf("with: %w", err))
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fault.Permanent(fmt.Errorf("with must give named settings"))
		}
		input = m
	}
	if errs := k.spec.ValidateInput(input); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Message
		}
		return nil, fault.Permanent(fmt.Errorf("with: %s", strings.Join(msgs, "; ")))
	}
	return k.spec.WithDefaults(input), nil
}

func (k *actionKind) conn(o *op) (connector.Conn, error) {
	conn, err := o.r.plan.opts.Connections.Conn(o.r.ctx, k.connector, k.connection)
	if err != nil {
		return nil, k.describe(err)
	}
	return conn, nil
}

// describe names the connection in an error and marks a lost connection
// so that the next attempt opens it again.
func (k *actionKind) describe(err error) error {
	if k.connection == "" {
		return fmt.Errorf("%s: %w", k.id, err)
	}
	return fmt.Errorf("%s on connection '%s': %w", k.id, k.connection, err)
}

func (k *actionKind) lost(o *op, conn connector.Conn, err error) {
	if errors.Is(err, connector.ErrNotConnected) {
		o.r.plan.opts.Connections.Broken(k.connector, k.connection, conn)
	}
}

func (k *actionKind) apply(o *op, it *item) error {
	req, err := k.request(o, it)
	if err != nil {
		return err
	}
	conn, err := k.conn(o)
	if err != nil {
		return err
	}
	if err := conn.Do(o.r.ctx, req, k.emitter(o, it)); err != nil {
		k.lost(o, conn, err)
		return k.describe(err)
	}
	return nil
}

// emitter passes on what the action produces, carrying the record's
// lineage. A long result (a query returning many rows) is passed on in
// batches while the action runs, so memory stays bounded; once records
// have left, a failure cannot be rolled back and fails the run (see
// op.attempt).
func (k *actionKind) emitter(o *op, it *item) func(map[string]any) error {
	return func(rec map[string]any) error {
		out := *it
		out.rec, out.owned = rec, false
		o.emit(out)
		if len(o.buf) < o.r.batchSize {
			return nil
		}
		o.streamed = true
		return o.drain()
	}
}

// batchProc collects requests for a bulk action and sends them in
// batches of batch_size, all or nothing each.
type batchProc struct {
	k     *actionKind
	reqs  []connector.Request
	first int // the number of the batch's first record in the step
	seen  int
}

func (p *batchProc) size(req connector.Request) int {
	if n, ok := number(req.Input["batch_size"]); ok && n >= 1 {
		return int(n)
	}
	return DefaultActionBatch
}

func (p *batchProc) apply(o *op, it *item) error {
	req, err := p.k.request(o, it)
	if err != nil {
		return err
	}
	if len(p.reqs) == 0 {
		p.first = p.seen + 1
	}
	p.seen++
	// The batch keeps the record without a copy: a bulk action passes on
	// no record, so no later step changes it.
	p.reqs = append(p.reqs, req)
	if len(p.reqs) < p.size(req) {
		return nil
	}
	return p.send(o)
}

func (p *batchProc) flush(o *op) error {
	if len(p.reqs) == 0 {
		return nil
	}
	// The last batch belongs to no one record: it is retried as records are.
	_, err := o.retry(&item{}, func() error { return p.send(o) })
	return err
}

// send writes the collected batch. On failure the batch is kept, so that
// a retry sends the same records with the same keys.
func (p *batchProc) send(o *op) error {
	k := p.k
	conn, err := k.conn(o)
	if err != nil {
		return err
	}
	b, ok := conn.(connector.Batcher)
	if !ok {
		return fault.Permanent(fmt.Errorf("%s: the connection cannot take records in batches", k.id))
	}
	last := p.first + len(p.reqs) - 1
	err = b.DoBatch(o.r.ctx, k.action, p.reqs, func(rec map[string]any) error {
		o.emit(item{rec: rec})
		return nil
	})
	if err != nil {
		k.lost(o, conn, err)
		return fmt.Errorf("records %d to %d were not written (none of them): %w", p.first, last, k.describe(err))
	}
	clear(p.reqs)
	p.reqs = p.reqs[:0]
	return nil
}
