package expr

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Text renders a value as template text: nothing for nil, JSON for objects
// and lists, RFC 3339 for times, numbers without exponent noise. Data nested
// deeper than MaxDepth (or cyclic) is cut short with "…" rather than looping.
func Text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return formatNumber(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	var b strings.Builder
	_ = writeJSON(&b, v, 0, false)
	return b.String()
}

// toJSON renders v as JSON, failing on data nested deeper than MaxDepth.
func toJSON(v any) (string, error) {
	var b strings.Builder
	if err := writeJSON(&b, v, 0, true); err != nil {
		return "", err
	}
	return b.String(), nil
}

func depthError() error {
	return &Error{Kind: KindLimit, Limit: LimitDepth,
		Message: fmt.Sprintf("the data is nested more than %d levels deep (or refers to itself)", MaxDepth)}
}

// writeJSON writes v as JSON with sorted keys. strict decides whether too
// deep data is an error or cut short; Text must always return something.
func writeJSON(b *strings.Builder, v any, depth int, strict bool) error {
	if depth > MaxDepth {
		if strict {
			return depthError()
		}
		b.WriteString(`"…"`)
		return nil
	}
	if b.Len() > MaxString {
		if strict {
			return stringLimit(b.Len())
		}
		return nil
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeString(b, v)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case time.Time:
		writeString(b, v.Format(time.RFC3339Nano))
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := writeJSON(b, v[k], depth+1, strict); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, e, depth+1, strict); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		return writeOther(b, v, depth, strict)
	}
	return nil
}

// writeOther handles numbers and the typed slices and maps expr builds
// (ranges are []int, for example).
func writeOther(b *strings.Builder, v any, depth int, strict bool) error {
	if isNumber(v) {
		if i, ok := v.(int); ok {
			b.WriteString(strconv.Itoa(i))
		} else {
			f := toFloat(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				b.WriteString("null")
			} else {
				b.WriteString(formatNumber(f))
			}
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		list := make([]any, rv.Len())
		for i := range list {
			list[i] = rv.Index(i).Interface()
		}
		return writeJSON(b, list, depth, strict)
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			m := make(map[string]any, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				m[it.Key().String()] = it.Value().Interface()
			}
			return writeJSON(b, m, depth, strict)
		}
	}
	writeString(b, fmt.Sprint(v))
	return nil
}

// formatNumber writes a float the way JSON does: 3 not 3.0, 0.1 not
// 0.1000000001, exponents only for very large or small numbers.
func formatNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e-07; JSON and spreadsheets write e-7.
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xf])
			}
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// Copy returns a deep copy of v's objects and lists, so a result stored in
// a record never shares (or cycles back into) the data it came from. Times
// become RFC 3339 text, since records hold JSON. Data nested deeper than
// MaxDepth levels, which includes any cycle, gives a KindLimit "depth" error.
func Copy(v any) (any, error) { return copyDepth(v, 0) }

func copyDepth(v any, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, depthError()
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := copyDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := copyDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case nil, string, bool, int, float64:
		return x, nil
	}
	if l, ok := asList(v); ok {
		return copyDepth(l, depth)
	}
	return v, nil
}

// asList converts typed slices (expr's ranges are []int) to []any.
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}
