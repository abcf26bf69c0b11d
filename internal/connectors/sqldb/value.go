package sqldb

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"
)

// Arg turns a value from a record into a parameter for the dialect's
// driver. Lists and groups of named values become JSON text (for JSON
// columns). PostgreSQL gets every other value as text, which the server
// reads by the column's type (so "42" fits an integer column and 42.5
// is refused rather than cut); the others get plain Go values.
func (d Dialect) Arg(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	case []byte:
		return v
	}
	if d == Postgres {
		return Text(v)
	}
	return native(v, d)
}

// Text writes a value the way PostgreSQL reads it as text input.
func Text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return floatText(v)
	case float32:
		return floatText(float64(v))
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b)
	}
	if i, ok := whole(v); ok {
		return strconv.FormatInt(i, 10)
	}
	return fmt.Sprint(v)
}

func floatText(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// native gives MySQL's and SQLite's drivers the Go values they know.
func native(v any, d Dialect) any {
	switch v := v.(type) {
	case string, bool, float64:
		return v
	case float32:
		return float64(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		return v.String()
	case uint64:
		if v > math.MaxInt64 {
			return strconv.FormatUint(v, 10)
		}
		return int64(v)
	case time.Time:
		if d == SQLite {
			return v.Format(time.RFC3339Nano)
		}
		return v
	}
	if i, ok := whole(v); ok {
		return i
	}
	return fmt.Sprint(v)
}

// whole reads Go's integer kinds.
func whole(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return int64(n), n <= math.MaxInt64
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	}
	return 0, false
}

// Value turns a value a driver read into a record value: integers become
// int, texts stay texts, bytes that are text become text, times become
// RFC 3339 text.
func Value(v any) any {
	switch v := v.(type) {
	case nil, string, bool, float64, map[string]any:
		return v
	case float32:
		return float64(v)
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return base64.StdEncoding.EncodeToString(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Value(e)
		}
		return out
	case uint64:
		if v > math.MaxInt64 {
			return strconv.FormatUint(v, 10)
		}
		return int(v)
	}
	if i, ok := whole(v); ok {
		return int(i)
	}
	return fmt.Sprint(v)
}

// Decimal turns a decimal's text (NUMERIC, DECIMAL) into a number: an int
// when whole and small enough, a float64 when it prints back as the same
// value (12.30 as 12.3), and the text itself otherwise, so no digit is lost.
func Decimal(text string) any {
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return int(i)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return text
	}
	exact, ok := new(big.Rat).SetString(text)
	printed, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'f', -1, 64))
	if ok && printed != nil && exact.Cmp(printed) == 0 {
		return f
	}
	return text
}
