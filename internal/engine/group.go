package engine

import (
	"fmt"
	"math"
	"slices"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// groupKind groups records by key and computes aggregates.
type groupKind struct {
	byNames []string
	by      []*expr.Program
	fields  []aggregate
}

// aggregate is one compiled group field.
type aggregate struct {
	name string
	fn   string
	arg  *expr.Program // nil for count()
}

func (c *compiler) group(g *flow.Group, scope flow.Scope) (kind, error) {
	if len(g.By) == 0 {
		return nil, fmt.Errorf("group needs at least one by field")
	}
	k := &groupKind{}
	for name := range g.By {
		k.byNames = append(k.byNames, name)
	}
	slices.Sort(k.byNames)
	for _, name := range k.byNames {
		p, err := c.program(g.By[name], scope, fmt.Sprintf("group by '%s'", name))
		if err != nil {
			return nil, err
		}
		k.by = append(k.by, p)
	}
	for name, src := range g.Fields {
		fn, arg, err := flow.ParseAggregate(src)
		if err != nil {
			return nil, fmt.Errorf("group field '%s': %w", name, err)
		}
		a := aggregate{name: name, fn: fn}
		if arg != "" {
			if a.arg, err = c.program(arg, scope, fmt.Sprintf("group field '%s'", name)); err != nil {
				return nil, err
			}
		}
		k.fields = append(k.fields, a)
	}
	slices.SortFunc(k.fields, func(a, b aggregate) int { return compare(a.name, b.name) })
	return k, nil
}

func (k *groupKind) start(*op) proc { return &groupProc{k: k, index: map[string]*groupAcc{}} }

type groupProc struct {
	k      *groupKind
	index  map[string]*groupAcc
	groups []*groupAcc // in the order of their first record
	key    []byte
}

// groupAcc is one group: its key values and one accumulator per field.
type groupAcc struct {
	first int // the input record index of its first record
	keys  []any
	accs  []acc
}

// acc accumulates one aggregate of one group.
type acc struct {
	n       int // values seen (records, for count())
	sumI    int64
	sumF    float64
	isFloat bool
	val     any // min, max, first, last
	has     bool
	list    []any
}

func (p *groupProc) apply(o *op, it *item) error {
	var err error
	if p.key, err = evalKey(p.key[:0], p.k.by, o.r.vars); err != nil {
		return err
	}
	g := p.index[string(p.key)]
	if g == nil {
		if g, err = p.newGroup(o, it); err != nil {
			return err
		}
	}
	for i := range p.k.fields {
		if err := p.k.fields[i].add(&g.accs[i], o.r.vars, o.r.plan.holdLimit); err != nil {
			return err
		}
	}
	return nil
}

func (p *groupProc) newGroup(o *op, it *item) (*groupAcc, error) {
	if len(p.groups) >= o.r.plan.holdLimit {
		return nil, fmt.Errorf("group holds at most %d groups", o.r.plan.holdLimit)
	}
	g := &groupAcc{first: it.index, keys: make([]any, len(p.k.by)), accs: make([]acc, len(p.k.fields))}
	for i, b := range p.k.by {
		v, err := b.Eval(o.r.vars)
		if err == nil {
			v, err = expr.Copy(v)
		}
		if err != nil {
			return nil, err
		}
		g.keys[i] = v
	}
	p.index[string(p.key)] = g
	p.groups = append(p.groups, g)
	return g, nil
}

func (p *groupProc) flush(o *op) error {
	groups := p.groups
	p.groups = nil
	clear(p.index)
	for i, g := range groups {
		rec := make(Record, len(g.keys)+len(g.accs))
		for j, name := range p.k.byNames {
			rec[name] = g.keys[j]
		}
		for j := range p.k.fields {
			rec[p.k.fields[j].name] = g.accs[j].result(p.k.fields[j].fn)
		}
		groups[i] = nil
		if err := o.emitHeld(item{rec: rec, index: g.first, owned: true}); err != nil {
			return err
		}
	}
	return nil
}

// add feeds one record's value to an accumulator.
func (a *aggregate) add(ac *acc, vars expr.Vars, holdLimit int) error {
	if a.arg == nil {
		ac.n++
		return nil
	}
	v, err := a.arg.Eval(vars)
	if err != nil {
		return fmt.Errorf("group field '%s': %w", a.name, err)
	}
	switch a.fn {
	case "first", "last", "collect":
		return ac.keep(a, v, holdLimit)
	}
	if v == nil {
		return nil
	}
	ac.n++
	switch a.fn {
	case "sum", "avg":
		return ac.sum(a, v)
	case "min":
		if !ac.has || compare(v, ac.val) < 0 {
			ac.val, ac.has = v, true
		}
	case "max":
		if !ac.has || compare(v, ac.val) > 0 {
			ac.val, ac.has = v, true
		}
	}
	return nil
}

func (ac *acc) keep(a *aggregate, v any, holdLimit int) error {
	switch a.fn {
	case "first":
		if !ac.has {
			ac.val, ac.has = v, true
		}
	case "last":
		ac.val, ac.has = v, true
	case "collect":
		if len(ac.list) >= holdLimit {
			return fmt.Errorf("group field '%s': collect holds at most %d values", a.name, holdLimit)
		}
		ac.list = append(ac.list, v)
	}
	return nil
}

func (ac *acc) sum(a *aggregate, v any) error {
	switch n := v.(type) {
	case int:
		ac.sumI += int64(n)
		return nil
	case int64:
		ac.sumI += n
		return nil
	}
	f, ok := number(v)
	if !ok {
		return fmt.Errorf("group field '%s': %s needs numbers, but one value is %s", a.name, a.fn, describe(v))
	}
	ac.sumF += f
	ac.isFloat = true
	return nil
}

// result is the aggregate's final value. Aggregates over no values give
// nothing, except count and sum (0) and collect (an empty list).
func (ac *acc) result(fn string) any {
	switch fn {
	case "count":
		return ac.n
	case "sum":
		if ac.isFloat {
			return ac.sumF + float64(ac.sumI)
		}
		if ac.sumI >= math.MinInt && ac.sumI <= math.MaxInt {
			return int(ac.sumI)
		}
		return ac.sumI
	case "avg":
		if ac.n == 0 {
			return nil
		}
		return (ac.sumF + float64(ac.sumI)) / float64(ac.n)
	case "collect":
		if ac.list == nil {
			return []any{}
		}
		return ac.list
	}
	return ac.val
}
