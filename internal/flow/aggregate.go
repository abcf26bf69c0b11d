package flow

import (
	"errors"
	"fmt"
	"strings"
)

// Aggregates are the functions a group step's fields may use.
var Aggregates = []string{"count", "sum", "avg", "min", "max", "first", "last", "collect"}

// AggregateHint lists the aggregates as they are written, for messages.
const AggregateHint = "count(), sum(…), avg(…), min(…), max(…), first(…), last(…), collect(…)"

// ErrNotAggregate is returned (wrapped) by ParseAggregate for text that is no
// aggregate at all, as opposed to an aggregate with a wrong argument.
var ErrNotAggregate = errors.New("not an aggregate")

// ParseAggregate splits a group field such as "sum(record.amount)" into its
// function ("sum") and argument expression ("record.amount"). count takes no
// argument; every other aggregate needs one. The engine uses the same parser.
func ParseAggregate(s string) (fn string, arg string, err error) {
	s = strings.TrimSpace(s)
	open := strings.Index(s, "(")
	if open < 0 || !strings.HasSuffix(s, ")") {
		return "", "", fmt.Errorf("it is %w such as sum(record.amount)", ErrNotAggregate)
	}
	fn = strings.TrimSpace(s[:open])
	arg = strings.TrimSpace(s[open+1 : len(s)-1])
	known := false
	for _, a := range Aggregates {
		known = known || a == fn
	}
	switch {
	case !known:
		return "", "", fmt.Errorf("'%s' is %w", fn, ErrNotAggregate)
	case fn == "count" && arg != "":
		return "", "", fmt.Errorf("count() takes nothing between the brackets")
	case fn != "count" && arg == "":
		return "", "", fmt.Errorf("%s needs a value between the brackets, e.g. %s(record.amount)", fn, fn)
	}
	return fn, arg, nil
}
