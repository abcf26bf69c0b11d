package engine

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// number converts any Go number (and json.Number) to float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int32:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// rank orders values of different types: numbers, then text, then true or
// false, then anything else; nothing (nil) always sorts last.
func rank(v any) int {
	if _, ok := number(v); ok {
		return 0
	}
	switch v.(type) {
	case string:
		return 1
	case bool:
		return 2
	case nil:
		return 4
	}
	return 3
}

// compare orders two values: numbers numerically, text as text, false
// before true; values of different types by rank.
func compare(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch ra {
	case 0:
		x, _ := number(a)
		y, _ := number(b)
		return cmp.Compare(x, y)
	case 1:
		return strings.Compare(a.(string), b.(string))
	case 2:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case 3:
		return strings.Compare(keyText(a), keyText(b))
	}
	return 0
}

// appendKey appends a canonical text form of v, so that equal values (the
// number 1 and 1.0 included) give equal keys for dedupe, group and join.
func appendKey(b []byte, v any) []byte {
	if f, ok := number(v); ok {
		b = append(b, 'n')
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.AppendInt(b, int64(f), 10)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	switch v := v.(type) {
	case nil:
		return append(b, 'z')
	case string:
		b = append(b, 's')
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		return append(b, v...)
	case bool:
		if v {
			return append(b, 't')
		}
		return append(b, 'f')
	}
	return append(append(b, 'j'), keyText(v)...)
}

// keyText renders an object or list as JSON (sorted keys), the stable
// text form used to compare and key composite values.
func keyText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// describe names a value's type in plain words for error messages.
func describe(v any) string {
	if _, ok := number(v); ok {
		return "a number"
	}
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "text"
	case bool:
		return "true or false"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return "a value of an unknown kind"
}

// asList reads the result of an items expression. Nothing is an empty list.
func asList(v any) ([]any, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return l, nil
	}
	// Typed lists, such as the []int of a range (1..3).
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, nil
	}
	return nil, fmt.Errorf("the items must be a list, but they are %s", describe(v))
}

// cloneRecord makes a shallow copy of r with room for extra fields.
func cloneRecord(r Record, extra int) Record {
	if r != nil && len(r)+extra <= 8 {
		// Small maps are one table: maps.Clone copies it in one go, and up
		// to 8 fields fit without growing.
		return maps.Clone(r)
	}
	out := make(Record, len(r)+extra)
	for k, v := range r {
		out[k] = v
	}
	return out
}
