package httpstep

import (
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"maps"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/fault"
)

// selectRecords turns one response into records. single reports that the
// selection was one object rather than a list.
func (s *Step) selectRecords(rv expr.Vars, resp *response) (recs []map[string]any, single bool, err error) {
	var v any
	if s.records != nil {
		if v, err = s.records.Eval(rv); err != nil {
			return nil, false, fault.Permanent(fmt.Errorf("records: %w", err))
		}
		// The expression may hand back maps it shares with the record or
		// the flow's variables; the records that leave must be their own.
		v = cloneTop(v)
	} else {
		v = resp.body
		switch v.(type) {
		case []any, map[string]any:
		default:
			v = resp.value()
		}
	}
	switch v := v.(type) {
	case nil:
		return nil, false, nil
	case []any:
		recs = make([]map[string]any, len(v))
		for i, e := range v {
			recs[i] = record.From(e)
		}
		return recs, false, nil
	default:
		return []map[string]any{record.From(v)}, isObject(v), nil
	}
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func cloneTop(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return maps.Clone(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			if m, ok := e.(map[string]any); ok {
				e = maps.Clone(m)
			}
			out[i] = e
		}
		return out
	}
	return v
}

// collector emits records as they come, or gathers them for into.
type collector struct {
	into   string
	record any
	emit   func(map[string]any) error
	list   []any
	single map[string]any
}

func newCollector(s *Step, vars expr.Vars, emit func(map[string]any) error) *collector {
	return &collector{into: s.into, record: vars[expr.VarRecord], emit: emit, list: []any{}}
}

// add takes one page's records. asObject says the page's selection was one
// object and no other page can follow.
func (c *collector) add(recs []map[string]any, asObject bool) error {
	if c.into == "" {
		for _, r := range recs {
			if err := c.emit(r); err != nil {
				return err
			}
		}
		return nil
	}
	if asObject {
		c.single = recs[0]
		return nil
	}
	for _, r := range recs {
		c.list = append(c.list, r)
	}
	return nil
}

// finish emits the record with into, if the step has one.
func (c *collector) finish() error {
	if c.into == "" {
		return nil
	}
	out := map[string]any{}
	if m, ok := c.record.(map[string]any); ok && m != nil {
		out = maps.Clone(m)
	}
	if c.single != nil {
		out[c.into] = c.single
	} else {
		out[c.into] = c.list
	}
	return c.emit(out)
}
