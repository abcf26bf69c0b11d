package flow

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
)

// decode turns the plain values into a Flow. Values the Go types cannot hold
// (the schema check has reported each of them) are first replaced by their
// zero value, so that one broken setting cannot stop the rest of the
// document from decoding and getting its semantic checks.
func decode(raw any) *Flow {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil
	}
	data, err := json.Marshal(fit(m, reflect.TypeFor[Flow]()))
	if err != nil {
		return nil
	}
	var f Flow
	if err := json.Unmarshal(data, &f); err != nil {
		return nil
	}
	return &f
}

var (
	stringListType = reflect.TypeFor[StringList]()
	onErrorType    = reflect.TypeFor[OnError]()
)

// fit returns a copy of v that decodes into a value of type t, with every
// part that does not fit replaced by nil (the zero value).
func fit(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case stringListType:
		if s, ok := v.(string); ok {
			return s
		}
	case onErrorType:
		if s, ok := v.(string); ok {
			return s
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		return fitStruct(v, t)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return nil
		}
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = fitItem(e, t.Elem())
		}
		return out
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = fitItem(e, t.Elem())
		}
		return out
	case reflect.Interface:
		return finite(v)
	}
	return fitScalar(v, t.Kind())
}

// fitItem fits a list item or map value. A value that does not fit becomes
// the zero value of its type rather than nothing, so items keep their index
// and diagnostics their place.
func fitItem(v any, t reflect.Type) any {
	if out := fit(v, t); out != nil || v == nil {
		return out
	}
	switch t.Kind() {
	case reflect.String:
		return ""
	case reflect.Struct:
		return map[string]any{}
	}
	return nil
}

func fitStruct(v any, t reflect.Type) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]any, len(m))
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if e, ok := m[name]; ok && name != "" && name != "-" {
			if fitted := fit(e, f.Type); fitted != nil {
				out[name] = fitted
			}
		}
	}
	return out
}

// fitScalar keeps v if it decodes into a value of kind k.
func fitScalar(v any, k reflect.Kind) any {
	switch x := v.(type) {
	case string:
		if k == reflect.String {
			return x
		}
	case bool:
		if k == reflect.Bool {
			return x
		}
	case int64:
		if k == reflect.Int {
			return x
		}
	case float64:
		// Whole numbers that arrived as floats (1e3) fit an int only when
		// they are small enough to be written without an exponent.
		if k == reflect.Int && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	}
	return nil
}

// finite copies a free-form value, dropping numbers JSON cannot write
// (infinity and NaN, which YAML has as .inf and .nan).
func finite(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = finite(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = finite(e)
		}
		return out
	}
	return v
}
