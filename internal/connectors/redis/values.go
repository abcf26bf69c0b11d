package redis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/record"
)

// Redis stores text. encode writes a value as Redis keeps it: text as is,
// numbers and true/false as their digits and words, objects and lists as
// JSON, nothing as empty text.
func encode(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case json.Number:
		return v.String(), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("cannot be written as JSON: %w", err)
	}
	if len(data) > 0 && data[0] == '"' {
		// A value whose JSON is text (a time, say) is stored as that text.
		var s string
		if json.Unmarshal(data, &s) == nil {
			return s, nil
		}
	}
	return string(data), nil
}

// encodeFields encodes the values of a hash or a stream entry.
func encodeFields(what string, fields map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(fields))
	for name, v := range fields {
		s, err := encode(v)
		if err != nil {
			return nil, connector.Permanent(fmt.Errorf("%s field '%s' %w", what, name, err))
		}
		out[name] = s
	}
	return out, nil
}

// decode reads a stored value back: as text, or as JSON when asJSON is set
// (empty text is then no value).
func decode(what, s string, asJSON bool) (any, error) {
	if !asJSON {
		return s, nil
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		if err == nil {
			err = errors.New("more than one value")
		}
		return nil, connector.Permanent(fmt.Errorf("%s is not JSON (set json to false to read it as text): %v", what, err))
	}
	return record.Normalize(v), nil
}

// decodeFields decodes every value of a hash or a stream entry.
func decodeFields(what string, fields map[string]any, asJSON bool) (map[string]any, error) {
	out := make(map[string]any, len(fields))
	for name, v := range fields {
		s, _ := v.(string)
		d, err := decode(fmt.Sprintf("%s field '%s'", what, name), s, asJSON)
		if err != nil {
			return nil, err
		}
		out[name] = d
	}
	return out, nil
}

// text reads a text setting; anything else counts as not given.
func text(v any) string {
	s, _ := v.(string)
	return s
}

// whole reads a whole number in any of the forms inputs arrive in (int,
// int64, float64, json.Number, or digits in text from a template).
func whole(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint32:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return i, err == nil
	}
	return 0, false
}

// number reads any number, as whole when it is one.
func number(v any) (i int64, f float64, isWhole, ok bool) {
	if i, ok := whole(v); ok {
		return i, float64(i), true, true
	}
	switch n := v.(type) {
	case float64:
		return 0, n, false, !math.IsInf(n, 0) && !math.IsNaN(n)
	case float32:
		return 0, float64(n), false, true
	case json.Number:
		f, err := n.Float64()
		return 0, f, false, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return 0, f, false, err == nil
	}
	return 0, 0, false, false
}

// input reads the settings of one action or trigger call.
type input map[string]any

func (in input) text(name string) string { return text(in[name]) }

func (in input) flag(name string) bool { return in[name] == true }

// required reads a text setting that must not be empty.
func (in input) required(name string) (string, error) {
	s := in.text(name)
	if s == "" {
		return "", connector.Permanent(fmt.Errorf("'%s' is empty: give it a value", name))
	}
	return s, nil
}

// int reads a whole-number setting, def when not given.
func (in input) int(name string, def int64) (int64, error) {
	v, ok := in[name]
	if !ok || v == nil {
		return def, nil
	}
	n, ok := whole(v)
	if !ok {
		return 0, connector.Permanent(fmt.Errorf("'%s' must be a whole number, not %v", name, v))
	}
	return n, nil
}

// duration reads a length of time such as 30s, def when not given.
func (in input) duration(name string, def time.Duration) (time.Duration, error) {
	s := in.text(name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, connector.Permanent(fmt.Errorf("'%s' must be a length of time such as 30s, 5m or 1h30m, not %q", name, s))
	}
	return d, nil
}
