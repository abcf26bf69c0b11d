package expr

import (
	"math"
	"time"
)

// Argument conversions shared by the functions. They are lenient where a
// spreadsheet would be (a missing field is empty text, a number is text when
// text is wanted) and strict where guessing would hide a mistake.

func argText(fn string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "", nil
	case bool, int, float64, time.Time:
		return Text(x), nil
	}
	if isNumber(v) {
		return Text(toFloat(v)), nil
	}
	return "", argError(fn, "text", v)
}

func argNumber(fn string, v any) (float64, error) {
	if isNumber(v) {
		return toFloat(v), nil
	}
	if _, ok := v.(string); ok {
		return 0, &Error{Kind: KindType, Message: fn + " needs a number, but got text",
			Hint: "turn text into a number with number(...)"}
	}
	return 0, argError(fn, "a number", v)
}

func argInt(fn string, v any) (int, error) {
	f, err := argNumber(fn, v)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || f > 1e15 || f < -1e15 {
		return 0, fnError(fn, "the number %s is out of range", Text(f))
	}
	return int(f), nil
}

func argList(fn string, v any) ([]any, error) {
	if v == nil {
		return nil, nil
	}
	if l, ok := asList(v); ok {
		return l, nil
	}
	return nil, argError(fn, "a list", v)
}

func argObject(fn string, v any) (map[string]any, error) {
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case nil:
		return nil, nil
	}
	return nil, argError(fn, "an object", v)
}

// metered adapts a function that produces text to the hidden meter argument
// the sandbox passes first, and checks what it returns.
func metered(f func(args ...any) (any, error)) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		m, _ := args[0].(*meter)
		out, err := f(args[1:]...)
		if err != nil {
			return nil, err
		}
		if s, ok := out.(string); ok {
			if err := m.text(s); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// optional returns args[i] or def when the call left it out.
func optional(args []any, i int, def any) any {
	if i < len(args) {
		return args[i]
	}
	return def
}
