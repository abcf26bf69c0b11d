package engine

import (
	"fmt"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// programs compiles a list of key expressions.
func (c *compiler) programs(srcs []string, scope flow.Scope, what string) ([]*expr.Program, error) {
	if len(srcs) == 0 {
		return nil, fmt.Errorf("%s needs at least one key", what)
	}
	out := make([]*expr.Program, len(srcs))
	for i, src := range srcs {
		p, err := c.program(src, scope, what)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// sortKind orders records by keys.
type sortKind struct {
	keys []*expr.Program
	desc bool
}

func (c *compiler) sort(s *flow.Sort, scope flow.Scope) (kind, error) {
	if s.Order != "" && s.Order != "asc" && s.Order != "desc" {
		return nil, fmt.Errorf("sort order must be asc or desc, not '%s'", s.Order)
	}
	keys, err := c.programs(s.By, scope, "sort by")
	if err != nil {
		return nil, err
	}
	return &sortKind{keys: keys, desc: s.Order == "desc"}, nil
}

func (k *sortKind) start(*op) proc { return &sortProc{k: k} }

type sortProc struct {
	k    *sortKind
	held []item
	keys []any       // len(k.keys) keys per held record, flat
	runs []*spillRun // sorted chunks written to disk
}

func (p *sortProc) apply(o *op, it *item) error {
	n := len(p.keys)
	for _, k := range p.k.keys {
		v, err := k.Eval(o.r.vars)
		if err != nil {
			p.keys = p.keys[:n]
			return err
		}
		p.keys = append(p.keys, v)
	}
	p.held = append(p.held, *it)
	if len(p.held) >= o.r.plan.sortChunk {
		return p.spill(o)
	}
	return nil
}

func (p *sortProc) flush(o *op) error {
	if len(p.runs) > 0 {
		return p.merge(o)
	}
	held, order := p.held, p.order()
	p.held, p.keys = nil, nil
	for _, i := range order {
		if err := o.emitHeld(held[i]); err != nil {
			return err
		}
		held[i] = item{}
	}
	return nil
}

// sortCompare orders two sort keys; nothing is last in both orders.
func sortCompare(a, b any, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	c := compare(a, b)
	if desc {
		return -c
	}
	return c
}

// dedupeKind keeps the first record for every key.
type dedupeKind struct{ keys []*expr.Program }

func (c *compiler) dedupe(d *flow.Dedupe, scope flow.Scope) (kind, error) {
	keys, err := c.programs(d.By, scope, "dedupe by")
	if err != nil {
		return nil, err
	}
	return &dedupeKind{keys: keys}, nil
}

func (k *dedupeKind) start(*op) proc { return &dedupeProc{k: k, seen: map[string]struct{}{}} }

type dedupeProc struct {
	k    *dedupeKind
	seen map[string]struct{}
	key  []byte
}

func (p *dedupeProc) apply(o *op, it *item) error {
	var err error
	if p.key, err = evalKey(p.key[:0], p.k.keys, o.r.vars); err != nil {
		return err
	}
	if _, ok := p.seen[string(p.key)]; ok {
		return nil
	}
	if len(p.seen) >= o.r.plan.holdLimit {
		return fmt.Errorf("dedupe remembers at most %d keys", o.r.plan.holdLimit)
	}
	p.seen[string(p.key)] = struct{}{}
	o.emit(*it)
	return nil
}

func (p *dedupeProc) flush(*op) error {
	clear(p.seen)
	return nil
}

// evalKey appends the canonical key of several expressions to b.
func evalKey(b []byte, keys []*expr.Program, vars expr.Vars) ([]byte, error) {
	for _, k := range keys {
		v, err := k.Eval(vars)
		if err != nil {
			return b, err
		}
		b = append(appendKey(b, v), 0)
	}
	return b, nil
}

// joinKind matches records with the records of another branch.
type joinKind struct {
	left, right   *expr.Program
	steps         []*step
	keepUnmatched bool // a left join: keep records without a match
	into          string
}

func (c *compiler) join(j *flow.Join, scope flow.Scope) (kind, error) {
	if j.Type != "" && j.Type != "inner" && j.Type != "left" {
		return nil, fmt.Errorf("join type must be inner or left, not '%s'", j.Type)
	}
	left, err := c.program(j.On.Left, scope, "join on left")
	if err != nil {
		return nil, err
	}
	right, err := c.program(j.On.Right, scope, "join on right")
	if err != nil {
		return nil, err
	}
	steps, err := c.steps(j.Steps, scope, false)
	if err != nil {
		return nil, err
	}
	return &joinKind{left: left, right: right, steps: steps, keepUnmatched: j.Type == "left", into: j.Into}, nil
}

func (k *joinKind) children() [][]*step { return [][]*step{k.steps} }

func (k *joinKind) start(o *op) proc { return &joinProc{k: k, o: o} }

type joinProc struct {
	stateless
	k     *joinKind
	o     *op
	table map[string][]Record // nil until the other branch has run
	held  int
	key   []byte
}

func (p *joinProc) apply(o *op, it *item) error {
	if p.table == nil {
		if err := p.build(); err != nil {
			p.table, p.held = nil, 0
			return err
		}
		o.r.bind(it)
	}
	v, err := p.k.left.Eval(o.r.vars)
	if err != nil {
		return err
	}
	var matches []Record
	if v != nil {
		p.key = appendKey(p.key[:0], v)
		matches = p.table[string(p.key)]
	}
	if len(matches) == 0 && p.k.keepUnmatched {
		o.emit(*it)
	}
	for _, m := range matches {
		out := *it
		if p.k.into != "" {
			out.rec = cloneRecord(it.rec, 1)
			out.rec[p.k.into] = m
		} else {
			out.rec = cloneRecord(m, len(it.rec))
			for k, v := range it.rec {
				out.rec[k] = v
			}
		}
		out.owned = true
		o.emit(out)
	}
	return nil
}

// build runs the other branch once, from one empty record, and indexes
// its records by the right key.
func (p *joinProc) build() error {
	p.table = map[string][]Record{}
	chain := p.o.r.chain(p.k.steps, (*joinTable)(p))
	if err := chain.push([]item{{rec: Record{}, owned: true}}); err != nil {
		return err
	}
	return chain.flush()
}

// joinTable receives the other branch's records.
type joinTable joinProc

func (t *joinTable) push(batch []item) error {
	r := t.o.r
	for i := range batch {
		if t.held >= r.plan.holdLimit {
			return fmt.Errorf("join holds at most %d records from its other branch", r.plan.holdLimit)
		}
		r.bind(&batch[i])
		v, err := t.k.right.Eval(r.vars)
		if err != nil {
			return fmt.Errorf("join on right: %w", err)
		}
		if v == nil {
			continue // nothing never matches
		}
		t.key = appendKey(t.key[:0], v)
		t.table[string(t.key)] = append(t.table[string(t.key)], batch[i].rec)
		t.held++
	}
	return nil
}

func (*joinTable) flush() error { return nil }
