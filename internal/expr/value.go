package expr

import (
	"fmt"
	"sort"
)

// Value is a compiled setting value: a literal, a template, or an object or
// list whose strings are templates.
type Value struct {
	lit  any
	tmpl *Template
	obj  map[string]*Value
	list []*Value
}

// PathError is an error inside a nested value; Path locates it, e.g.
// ["body", "items", "0"].
type PathError struct {
	Path []string
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("%v: %v", e.Path, e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// CompileValue compiles every string inside v as a template.
func CompileValue(v any, allowed []string) (*Value, error) {
	return compileValue(v, allowed, nil)
}

func compileValue(v any, allowed []string, path []string) (*Value, error) {
	switch v := v.(type) {
	case string:
		t, err := ParseTemplate(v, allowed)
		if err != nil {
			return nil, &PathError{Path: path, Err: err}
		}
		if t.IsLiteral() {
			return &Value{lit: v}, nil
		}
		return &Value{tmpl: t}, nil
	case map[string]any:
		obj := make(map[string]*Value, len(v))
		for _, k := range sortedKeys(v) {
			c, err := compileValue(v[k], allowed, append(path[:len(path):len(path)], k))
			if err != nil {
				return nil, err
			}
			obj[k] = c
		}
		return &Value{obj: obj}, nil
	case []any:
		list := make([]*Value, len(v))
		for i, e := range v {
			c, err := compileValue(e, allowed, append(path[:len(path):len(path)], fmt.Sprint(i)))
			if err != nil {
				return nil, err
			}
			list[i] = c
		}
		return &Value{list: list}, nil
	default:
		return &Value{lit: v}, nil
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Static reports whether the value holds no template: Eval gives the same
// value every time.
func (v *Value) Static() bool {
	if v.tmpl != nil {
		return false
	}
	for _, c := range v.obj {
		if !c.Static() {
			return false
		}
	}
	for _, c := range v.list {
		if !c.Static() {
			return false
		}
	}
	return true
}

// Refs lists the variable paths every template inside the value reads.
func (v *Value) Refs() []Ref {
	switch {
	case v.tmpl != nil:
		return v.tmpl.Refs()
	case v.obj != nil:
		var refs []Ref
		for _, c := range v.obj {
			refs = append(refs, c.Refs()...)
		}
		return refs
	default:
		var refs []Ref
		for _, c := range v.list {
			refs = append(refs, c.Refs()...)
		}
		return refs
	}
}

// Eval computes the value. Objects and lists are fresh on every call, so
// the result may be changed freely.
func (v *Value) Eval(vars Vars) (any, error) {
	switch {
	case v.tmpl != nil:
		return v.tmpl.Eval(vars)
	case v.obj != nil:
		out := make(map[string]any, len(v.obj))
		for k, c := range v.obj {
			x, err := c.Eval(vars)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case v.list != nil:
		out := make([]any, len(v.list))
		for i, c := range v.list {
			x, err := c.Eval(vars)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	default:
		return v.lit, nil
	}
}
