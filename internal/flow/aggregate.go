package flow

import (
	"fmt"
	"strings"
)

// Aggregates are the functions a group step's fields may use.
var Aggregates = []string{"count", "sum", "avg", "min", "max", "first", "last", "collect"}

// ParseAggregate splits a group field such as "sum(record.amount)" into its
// function ("sum") and argument expression ("record.amount"). count takes no
// argument; every other aggregate needs one. The engine uses the same parser.
func ParseAggregate(s string) (fn string, arg string, err error) {
	s = strings.TrimSpace(s)
	open := strings.Index(s, "(")
	if open < 0 || !strings.HasSuffix(s, ")") {
		return "", "", fmt.Errorf("it is not an aggregate such as sum(record.amount)")
	}
	fn = strings.TrimSpace(s[:open])
	arg = strings.TrimSpace(s[open+1 : len(s)-1])
	known := false
	for _, a := range Aggregates {
		known = known || a == fn
	}
	switch {
	case !known:
		return "", "", fmt.Errorf("'%s' is not an aggregate", fn)
	case fn == "count" && arg != "":
		return "", "", fmt.Errorf("count() takes nothing between the brackets")
	case fn != "count" && arg == "":
		return "", "", fmt.Errorf("%s needs a value between the brackets, e.g. %s(record.amount)", fn, fn)
	}
	return fn, arg, nil
}
