package redact

import (
	"encoding/json"
	"log/slog"
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
		return f.mapAny(x)
	case []any:
		return f.sliceAny(x)
	case map[string]string:
		return f.mapString(x)
	case []string:
		return f.sliceString(x)
	}
	return v, false
}

func (f *Filter) mapAny(m map[string]any) (any, bool) {
	var out map[string]any
	for k, v := range m {
		rk := f.String(k)
		rv, changed := f.value(v)
		if !changed && rk == k {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(m))
			for k2, v2 := range m {
				out[k2] = v2
			}
		}
		delete(out, k)
		out[rk] = rv
	}
	if out == nil {
		return m, false
	}
	return out, true
}

func (f *Filter) sliceAny(s []any) (any, bool) {
	var out []any
	for i, v := range s {
		rv, changed := f.value(v)
		if !changed {
			continue
		}
		if out == nil {
			out = append([]any(nil), s...)
		}
		out[i] = rv
	}
	if out == nil {
		return s, false
	}
	return out, true
}

func (f *Filter) mapString(m map[string]string) (any, bool) {
	var out map[string]string
	for k, v := range m {
		rk, rv := f.String(k), f.String(v)
		if rk == k && rv == v {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(m))
			for k2, v2 := range m {
				out[k2] = v2
			}
		}
		delete(out, k)
		out[rk] = rv
	}
	if out == nil {
		return m, false
	}
	return out, true
}

func (f *Filter) sliceString(s []string) (any, bool) {
	var out []string
	for i, v := range s {
		rv := f.String(v)
		if rv == v {
			continue
		}
		if out == nil {
			out = append([]string(nil), s...)
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
