package sqldb

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestArg(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 2, 29, 10, 0, 0, 5e8, time.UTC)
	tests := []struct {
		d    Dialect
		in   any
		want string
	}{
		{Postgres, 42, "42 string"},
		{Postgres, 42.5, "42.5 string"},
		{Postgres, 1e21, "1000000000000000000000 string"},
		{Postgres, math.Inf(-1), "-Infinity string"},
		{Postgres, json.Number("12.30"), "12.30 string"},
		{Postgres, true, "true string"},
		{Postgres, at, "2024-02-29T10:00:00.5Z string"},
		{Postgres, map[string]any{"a": 1}, `{"a":1} string`},
		{Postgres, nil, "<nil> <nil>"},
		{MySQL, 42, "42 int64"},
		{MySQL, json.Number("7"), "7 int64"},
		{MySQL, json.Number("1.5"), "1.5 string"},
		{MySQL, uint64(math.MaxUint64), "18446744073709551615 string"},
		{MySQL, []any{1, "x"}, `[1,"x"] string`},
		{MySQL, at, "2024-02-29 10:00:00.5 +0000 UTC time.Time"},
		{SQLite, at, "2024-02-29T10:00:00.5Z string"},
		{SQLite, 2.5, "2.5 float64"},
	}
	for _, tt := range tests {
		v := tt.d.Arg(tt.in)
		if got := fmt.Sprintf("%v %T", v, v); got != tt.want {
			t.Errorf("dialect %d: Arg(%v) = %s, want %s", tt.d, tt.in, got, tt.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"12":                     "12 int",
		"12.30":                  "12.3 float64",
		"0.1":                    "0.1 float64",
		"-0.000001":              "-1e-06 float64",
		"12345678901234567890":   "12345678901234567890 string",
		"1234567890.123456789":   "1234567890.123456789 string",
		"99999999999999999999.5": "99999999999999999999.5 string",
		"NaN":                    "NaN string",
	}
	for in, want := range tests {
		v := Decimal(in)
		if got := fmt.Sprintf("%v %T", v, v); got != want {
			t.Errorf("Decimal(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{int64(7), "7 int"},
		{int32(7), "7 int"},
		{uint64(math.MaxUint64), "18446744073709551615 string"},
		{float32(1.5), "1.5 float64"},
		{[]byte("text"), "text string"},
		{[]byte{0xff, 0x00}, "/wA= string"},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "2024-01-02T03:04:05Z string"},
		{[]any{int64(1), []byte("a")}, "[1 a] []interface {}"},
	}
	for _, tt := range tests {
		v := Value(tt.in)
		if got := fmt.Sprintf("%v %T", v, v); got != tt.want {
			t.Errorf("Value(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCursorArg(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"12": "12 int64", "1.5": "1.5 float64", "2024-01-02 10:00:00": "2024-01-02 10:00:00 string", "nan": "nan string", "Inf": "Inf string"} {
		v := SQLite.cursorArg(in)
		if got := fmt.Sprintf("%v %T", v, v); got != want {
			t.Errorf("cursorArg(%s) = %s, want %s", in, got, want)
		}
	}
	if v := Postgres.cursorArg("12"); v != "12" {
		t.Errorf("PostgreSQL reads the cursor's text itself, got %T", v)
	}
}
