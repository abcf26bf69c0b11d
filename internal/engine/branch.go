package engine

import (
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// branch is one way a record can go: a condition (nil for else/default)
// and its steps.
type branch struct {
	cond  *expr.Program
	steps []*step
}

// choiceKind is if and switch: each record goes down the first branch
// whose condition holds; the branches rejoin after the step.
type choiceKind struct {
	branches []branch
	// fallback is the else or default branch; nil means records matching
	// no branch pass through unchanged.
	fallback []*step
}

func (c *compiler) ifKind(f *flow.If, scope flow.Scope) (kind, error) {
	cond, err := c.program(f.Condition, scope, "if condition")
	if err != nil {
		return nil, err
	}
	then, err := c.steps(f.Then, scope, false)
	if err != nil {
		return nil, err
	}
	els, err := c.steps(f.Else, scope, false)
	if err != nil {
		return nil, err
	}
	return &choiceKind{branches: []branch{{cond: cond, steps: then}}, fallback: els}, nil
}

func (c *compiler) switchKind(f *flow.Switch, scope flow.Scope) (kind, error) {
	k := &choiceKind{}
	for i, cs := range f.Cases {
		cond, err := c.program(cs.When, scope, fmt.Sprintf("switch case %d", i+1))
		if err != nil {
			return nil, err
		}
		steps, err := c.steps(cs.Steps, scope, false)
		if err != nil {
			return nil, err
		}
		k.branches = append(k.branches, branch{cond: cond, steps: steps})
	}
	var err error
	if k.fallback, err = c.steps(f.Default, scope, false); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *choiceKind) children() [][]*step {
	out := [][]*step{k.fallback}
	for _, b := range k.branches {
		out = append(out, b.steps)
	}
	return out
}

func (k *choiceKind) start(o *op) proc {
	p := &choiceProc{k: k, chains: make([]sink, len(k.branches))}
	for i, b := range k.branches {
		p.chains[i] = o.r.chain(b.steps, rejoin{o: o})
	}
	p.fallback = o.r.chain(k.fallback, rejoin{o: o})
	return p
}

type choiceProc struct {
	k        *choiceKind
	chains   []sink
	fallback sink
	one      [1]item // scratch batch: push does not keep it
}

func (p *choiceProc) apply(o *op, it *item) error {
	to := p.fallback
	for i, b := range p.k.branches {
		ok, err := b.cond.Bool(o.r.vars)
		if err != nil {
			return err
		}
		if ok {
			to = p.chains[i]
			break
		}
	}
	p.one[0] = *it
	err := to.push(p.one[:])
	p.one[0] = item{}
	return err
}

func (p *choiceProc) flush(*op) error {
	for _, c := range p.chains {
		if err := c.flush(); err != nil {
			return err
		}
	}
	return p.fallback.flush()
}

// forEachKind runs steps for every item of a list.
type forEachKind struct {
	items *expr.Program
	steps []*step
	into  string
}

func (c *compiler) forEach(f *flow.ForEach, scope flow.Scope) (kind, error) {
	items, err := c.program(f.Items, scope, "for_each items")
	if err != nil {
		return nil, err
	}
	inner := scope
	inner.Loop = true
	steps, err := c.steps(f.Steps, inner, false)
	if err != nil {
		return nil, err
	}
	return &forEachKind{items: items, steps: steps, into: f.Into}, nil
}

func (k *forEachKind) children() [][]*step { return [][]*step{k.steps} }

func (k *forEachKind) start(o *op) proc {
	p := &forEachProc{k: k, o: o}
	var tail sink = rejoin{o: o, reset: p.restore}
	if k.into != "" {
		tail = (*collector)(p)
	}
	p.chain = o.r.chain(k.steps, tail)
	return p
}

type forEachProc struct {
	stateless
	k         *forEachKind
	o         *op
	chain     sink
	parent    *item // the record whose items run now
	collected []any
	batch     []item
}

// restore gives records leaving the loop their parent's loop and error.
func (p *forEachProc) restore(it *item) {
	it.loop, it.err = p.parent.loop, p.parent.err
}

// collector gathers the loop's output records for into.
type collector forEachProc

func (c *collector) push(batch []item) error {
	if len(c.collected)+len(batch) > c.o.r.plan.holdLimit {
		return fmt.Errorf("for_each collects at most %d records into '%s'", c.o.r.plan.holdLimit, c.k.into)
	}
	for _, it := range batch {
		c.collected = append(c.collected, it.rec)
	}
	return nil
}

func (*collector) flush() error { return nil }

func (p *forEachProc) apply(o *op, it *item) error {
	v, err := p.k.items.Eval(o.r.vars)
	if err != nil {
		return err
	}
	list, err := asList(v)
	if err != nil {
		return err
	}
	p.parent, p.collected = it, nil
	defer func() { p.parent, p.batch = nil, p.batch[:0] }()
	for start := 0; start < len(list) && !o.r.stopped; start += o.r.batchSize {
		if err := o.r.ctx.Err(); err != nil {
			return err
		}
		end := min(start+o.r.batchSize, len(list))
		p.batch = p.batch[:0]
		for i := start; i < end; i++ {
			p.batch = append(p.batch, item{rec: record.From(list[i]), index: it.index, line: it.line,
				loop: map[string]any{"index": i, "parent": it.rec}, err: it.err})
		}
		if err := p.chain.push(p.batch); err != nil {
			return err
		}
		clear(p.batch)
	}
	if o.r.stopped {
		return nil
	}
	if err := p.chain.flush(); err != nil {
		return err
	}
	if p.k.into == "" {
		return nil
	}
	out := *it
	out.rec, out.owned = cloneRecord(it.rec, 1), true
	if p.collected == nil {
		p.collected = []any{}
	}
	out.rec[p.k.into] = p.collected
	p.collected = nil
	o.emit(out)
	return nil
}

// splitKind turns a list into one record per item.
type splitKind struct {
	stateless
	items *expr.Program
	as    string
}

func (c *compiler) split(f *flow.Split, scope flow.Scope) (kind, error) {
	items, err := c.program(f.Items, scope, "split items")
	if err != nil {
		return nil, err
	}
	return &splitKind{items: items, as: f.As}, nil
}

func (k *splitKind) start(*op) proc { return k }

func (k *splitKind) apply(o *op, it *item) error {
	v, err := k.items.Eval(o.r.vars)
	if err != nil {
		return err
	}
	list, err := asList(v)
	if err != nil {
		return err
	}
	for _, e := range list {
		out := *it
		if k.as == "" {
			out.rec, out.owned = record.From(e), false
		} else {
			out.rec, out.owned = cloneRecord(it.rec, 1), true
			out.rec[k.as] = e
		}
		o.emit(out)
	}
	return nil
}
