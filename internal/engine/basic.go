package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// setKind is set, rename, remove and keep.
type setKind struct {
	rename [][2]string // old, new; sorted by old name
	fields []setField  // sorted by key
	remove []string
	keep   []string
}

type setField struct {
	key  string
	path []string // the key split at dots
	val  *expr.Value
}

func (c *compiler) set(fs *flow.Step, scope flow.Scope) (kind, error) {
	k := &setKind{remove: fs.Remove, keep: fs.Keep}
	for old, nu := range fs.Rename {
		k.rename = append(k.rename, [2]string{old, nu})
	}
	slices.SortFunc(k.rename, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	for key, v := range fs.Set {
		cv, err := c.value(v, scope, fmt.Sprintf("set '%s'", key))
		if err != nil {
			return nil, err
		}
		path := strings.Split(key, ".")
		if slices.Contains(path, "") {
			return nil, fmt.Errorf("set '%s': a field name cannot be empty", key)
		}
		k.fields = append(k.fields, setField{key: key, path: path, val: cv})
	}
	slices.SortFunc(k.fields, func(a, b setField) int { return strings.Compare(a.key, b.key) })
	return k, nil
}

func (k *setKind) start(*op) proc { return &setProc{k: k, vals: make([]any, len(k.fields))} }

type setProc struct {
	stateless
	k    *setKind
	vals []any // scratch: the computed values, before any is written
}

// apply computes every value before writing any, so a failing record is
// left untouched for on_error.
func (p *setProc) apply(o *op, it *item) error {
	rec := it.rec
	if len(p.k.rename) > 0 {
		rec = cloneRecord(rec, len(p.k.fields))
		for _, rn := range p.k.rename {
			if v, ok := rec[rn[0]]; ok {
				delete(rec, rn[0])
				rec[rn[1]] = v
			}
		}
		o.r.vars[expr.VarRecord] = rec
	}
	for i, f := range p.k.fields {
		v, err := f.val.Eval(o.r.vars)
		if err != nil {
			return fmt.Errorf("set '%s': %w", f.key, err)
		}
		switch v.(type) {
		case nil, string, bool, int, float64: // nothing to copy: the common case
		default:
			if v, err = expr.Copy(v); err != nil {
				return fmt.Errorf("set '%s': %w", f.key, err)
			}
		}
		p.vals[i] = v
	}
	if len(p.k.rename) == 0 && !it.owned {
		rec = cloneRecord(rec, len(p.k.fields))
	}
	for i, f := range p.k.fields {
		setPath(rec, f.path, p.vals[i])
		p.vals[i] = nil
	}
	for _, name := range p.k.remove {
		delete(rec, name)
	}
	if len(p.k.keep) > 0 {
		for name := range rec {
			if !slices.Contains(p.k.keep, name) {
				delete(rec, name)
			}
		}
	}
	out := *it
	out.rec, out.owned = rec, true
	o.emit(out)
	return nil
}

// setPath writes v at a dotted path, copying the objects on the way (they
// may be shared with other records) and creating missing ones.
func setPath(rec Record, path []string, v any) {
	m := rec
	for _, name := range path[:len(path)-1] {
		child, ok := m[name].(map[string]any)
		if ok {
			child = cloneRecord(child, 1)
		} else {
			child = map[string]any{}
		}
		m[name] = child
		m = child
	}
	m[path[len(path)-1]] = v
}

// filterKind keeps the records for which a condition holds.
type filterKind struct {
	stateless
	cond *expr.Program
}

func (c *compiler) filter(src string, scope flow.Scope) (kind, error) {
	p, err := c.program(src, scope, "filter")
	if err != nil {
		return nil, err
	}
	return &filterKind{cond: p}, nil
}

func (k *filterKind) start(*op) proc { return k }

func (k *filterKind) apply(o *op, it *item) error {
	ok, err := k.cond.Bool(o.r.vars)
	if err != nil {
		return err
	}
	if ok {
		o.emit(*it)
	}
	return nil
}

// limitKind lets the first n records through.
type limitKind struct {
	n    int
	main bool // on the main line: stop reading input once full
}

func (c *compiler) limit(n int, main bool) (kind, error) {
	if n < 0 {
		return nil, fmt.Errorf("limit cannot be below 0")
	}
	return &limitKind{n: n, main: main}, nil
}

func (k *limitKind) start(*op) proc { return &limitProc{k: k} }

type limitProc struct {
	k     *limitKind
	count int
}

func (p *limitProc) apply(o *op, it *item) error {
	if p.count < p.k.n {
		p.count++
		o.emit(*it)
	}
	if p.count >= p.k.n && p.k.main {
		o.r.inputDone = true
	}
	return nil
}

func (p *limitProc) flush(*op) error {
	p.count = 0
	return nil
}

// stopKind ends the run successfully.
type stopKind struct {
	stateless
	reason *expr.Template
}

func (c *compiler) stop(reason string, scope flow.Scope) (kind, error) {
	t, err := c.template(reason, scope, "stop")
	if err != nil {
		return nil, err
	}
	return &stopKind{reason: t}, nil
}

func (k *stopKind) start(*op) proc { return k }

func (k *stopKind) apply(o *op, it *item) error {
	if o.r.stopped {
		return nil // a record finishing after an earlier stop
	}
	reason, err := k.reason.String(o.r.vars)
	if err != nil {
		return err
	}
	o.r.stopped = true
	o.r.res.StopReason = reason
	return nil
}

// template compiles a template setting and notes its refs.
func (c *compiler) template(src string, scope flow.Scope, what string) (*expr.Template, error) {
	t, err := expr.ParseTemplate(src, scope.Vars())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	c.refs(t.Refs())
	return t, nil
}

// respondKind sets the webhook reply; the first one reached wins.
type respondKind struct {
	stateless
	status  int
	headers map[string]*expr.Template
	body    *expr.Value
}

func (c *compiler) respond(r *flow.Respond, scope flow.Scope) (kind, error) {
	k := &respondKind{status: r.Status, headers: map[string]*expr.Template{}}
	if k.status == 0 {
		k.status = 200
	}
	if k.status < 100 || k.status > 599 {
		return nil, fmt.Errorf("respond status %d is not an HTTP status (100 to 599)", r.Status)
	}
	for name, v := range r.Headers {
		t, err := c.template(v, scope, fmt.Sprintf("respond header '%s'", name))
		if err != nil {
			return nil, err
		}
		k.headers[name] = t
	}
	var err error
	if k.body, err = c.value(r.Body, scope, "respond body"); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *respondKind) start(*op) proc { return k }

func (k *respondKind) apply(o *op, it *item) error {
	if o.r.res.Response == nil {
		resp := &Response{Status: k.status}
		if len(k.headers) > 0 {
			resp.Headers = make(map[string]string, len(k.headers))
		}
		for name, t := range k.headers {
			v, err := t.String(o.r.vars)
			if err != nil {
				return fmt.Errorf("respond header '%s': %w", name, err)
			}
			resp.Headers[name] = v
		}
		body, err := k.body.Eval(o.r.vars)
		if err == nil {
			body, err = expr.Copy(body)
		}
		if err != nil {
			return fmt.Errorf("respond body: %w", err)
		}
		resp.Body = body
		o.r.res.Response = resp
	}
	o.emit(*it)
	return nil
}

// textKind is fail and log: a template and what to do with its text.
type textKind struct {
	stateless
	text *expr.Template
	fail bool
}

func (c *compiler) fail(msg string, scope flow.Scope) (kind, error) {
	t, err := c.template(msg, scope, "fail")
	return &textKind{text: t, fail: true}, err
}

func (c *compiler) logKind(msg string, scope flow.Scope) (kind, error) {
	t, err := c.template(msg, scope, "log")
	return &textKind{text: t}, err
}

func (k *textKind) start(*op) proc { return k }

func (k *textKind) apply(o *op, it *item) error {
	text, err := k.text.String(o.r.vars)
	if err != nil {
		return err
	}
	if k.fail {
		return &failError{msg: text}
	}
	o.r.log("info", o.s.id, it.index, text)
	o.emit(*it)
	return nil
}
