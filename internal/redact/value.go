package redact

import (
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
)

// Value redacts run data and API responses: it walks maps and lists (the
// shapes of decoded JSON) and redacts every string in them, keys included.
// The input is never modified; a container is copied only when something
// in it changed, so clean data costs no allocation. Values of other types
// (numbers, booleans, structs) come back as they are.
func (f *Filter) Value(v any) any {
	out, _ := f.value(v)
	return out
}

// value returns the redacted value and whether it differs from v.
func (f *Filter) value(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		r := f.String(x)
		return r, r != x
	case []byte:
		r := f.Bytes(x)
		return r, len(r) != len(x) || (len(x) > 0 && &r[0] != &x[0])
	case json.Number:
		r := f.String(string(x))
		return json.Number(r), r != string(x)
	case map[string]any:
		return redactMap(f, x, f.value)
	case []any:
		return redactSlice(x, f.value)
	case map[string]string:
		return redactMap(f, x, f.str)
	case []string:
		return redactSlice(x, f.str)
	}
	return v, false
}

// str redacts one string, saying whether it changed.
func (f *Filter) str(v string) (string, bool) {
	r := f.String(v)
	return r, r != v
}

// redactMap redacts the keys and values of a map, copying it only when
// something changed.
func redactMap[V any](f *Filter, m map[string]V, val func(V) (V, bool)) (any, bool) {
	var out map[string]V
	for k, v := range m {
		rk := f.String(k)
		rv, changed := val(v)
		if !changed && rk == k {
			continue
		}
		if out == nil {
			out = maps.Clone(m)
		}
		delete(out, k)
		out[rk] = rv
	}
	if out == nil {
		return m, false
	}
	return out, true
}

// redactSlice redacts the items of a list, copying it only when something
// changed.
func redactSlice[V any](s []V, val func(V) (V, bool)) (any, bool) {
	var out []V
	for i, v := range s {
		rv, changed := val(v)
		if !changed {
			continue
		}
		if out == nil {
			out = slices.Clone(s)
		}
		out[i] = rv
	}
	if out == nil {
		return s, false
	}
	return out, true
}

// Error returns err with its message redacted. The result unwraps to err,
// so errors.Is and errors.As keep working; note that a caller who pulls the
// inner error out with errors.As and prints it bypasses the redaction, so
// print the returned error itself. err comes back unchanged (and nil stays
// nil) when its message holds nothing to redact.
func (f *Filter) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := f.String(msg)
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// LogValue keeps slog handlers that look for LogValuer from reaching into
// the unredacted error.
func (e *redactedError) LogValue() slog.Value { return slog.StringValue(e.msg) }
