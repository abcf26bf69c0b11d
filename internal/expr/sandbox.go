package expr

import (
	"fmt"
	"math"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
)

// Sandbox limits. The language has no loops of its own, so the work an
// expression can do is bounded by its size, the data it reads and these
// budgets.
const (
	MaxSource  = 4096      // bytes of expression source
	MaxNodes   = 2000      // syntax tree nodes after parsing
	MaxMemory  = 1_000_000 // expr's memory budget: list items, map entries, range lengths
	MaxCost    = 1_000_000 // steps inside map, filter, all, ... per evaluation
	MaxString  = 1 << 20   // bytes in one text our functions or '+' produce
	MaxBytes   = 16 << 20  // bytes of text produced per evaluation
	MaxDepth   = 64        // nesting of objects and lists for Copy, to_json, flatten
	MaxPattern = 1024      // bytes in a regular expression
)

// Limit names reported in Error.Limit.
const (
	LimitSize   = "size"
	LimitDepth  = "depth"
	LimitCost   = "cost"
	LimitMemory = "memory"
	LimitString = "string"
	LimitRegex  = "regex"
)

// meter is the per-evaluation budget for work expr does not count itself:
// steps inside predicates and bytes of text produced. Expressions that need
// it get one fresh meter per evaluation through a hidden let variable (see
// sandbox), so simple expressions pay nothing and concurrent evaluations of
// the same program never share a counter.
type meter struct {
	cost  int
	bytes int
}

// The hidden names the sandbox patch uses. User code cannot write names
// starting with '$' or "__" (see precheck).
const (
	meterVar  = "$meter"
	meterFunc = "__meter"
	tickFunc  = "__tick"
	addFunc   = "__add"
	matchFunc = "__matches"
)

func (m *meter) tick() error {
	m.cost++
	if m.cost > MaxCost {
		return &Error{Kind: KindLimit, Limit: LimitCost,
			Message: fmt.Sprintf("the expression does too much work (more than %d steps inside map, filter and similar functions)", MaxCost),
			Hint:    "work on fewer items, or avoid putting one map or filter inside another"}
	}
	return nil
}

// text charges a produced string to the meter and checks its length.
func (m *meter) text(s string) error {
	if len(s) > MaxString {
		return stringLimit(len(s))
	}
	if m == nil {
		return nil
	}
	m.bytes += len(s)
	if m.bytes > MaxBytes {
		return &Error{Kind: KindLimit, Limit: LimitMemory,
			Message: fmt.Sprintf("the expression produces too much text (more than %d MB)", MaxBytes>>20),
			Hint:    "work on fewer items at a time"}
	}
	return nil
}

func stringLimit(n int) error {
	return &Error{Kind: KindLimit, Limit: LimitString,
		Message: fmt.Sprintf("the result would be %d bytes of text; the limit is %d", n, MaxString)}
}

// sandbox patches a checked tree so that every evaluation is bounded:
//   - each predicate body (map, filter, all, reduce, ...) becomes
//     __tick($meter, body), which counts one step per item and stops the
//     evaluation past MaxCost. expr has no CPU limit of its own, and nested
//     predicates over record data are the only way to do work that grows
//     faster than the expression and its input.
//   - '+' that is not known to be numeric becomes __add($meter, a, b), which
//     caps and counts text, so `let a = ...; a + a` cannot double its way to
//     gigabytes.
//   - 'matches' becomes __matches(a, b): our regex cache with its caps.
//   - functions that can grow text receive $meter as a hidden first argument.
//
// When any of these need the meter, the whole tree is wrapped in
// `let $meter = __meter(); ...`: one small allocation per evaluation.
func sandbox(root *ast.Node) {
	used := false
	meterRef := func(loc ast.Node) ast.Node {
		used = true
		id := &ast.IdentifierNode{Value: meterVar}
		id.SetLocation(loc.Location())
		return id
	}
	ast.Walk(root, visitorFunc(func(n *ast.Node) {
		switch x := (*n).(type) {
		case *ast.PredicateNode:
			x.Node = call(tickFunc, x.Node, meterRef(x.Node), x.Node)
		case *ast.BinaryNode:
			switch {
			case x.Operator == "+" && !numeric(x.Left) && !numeric(x.Right):
				*n = call(addFunc, x, meterRef(x), x.Left, x.Right)
			case x.Operator == "matches":
				*n = call(matchFunc, x, x.Left, x.Right)
			}
		case *ast.CallNode:
			id, ok := x.Callee.(*ast.IdentifierNode)
			switch {
			case ok && growing[id.Value]:
				x.Arguments = append([]ast.Node{meterRef(x)}, x.Arguments...)
			case ok && id.Value == "now":
				// now() reads the clock the caller put in Vars.
				env := &ast.IdentifierNode{Value: "$env"}
				env.SetLocation(x.Location())
				x.Arguments = []ast.Node{env}
			}
		}
	}))
	if used {
		init := call(meterFunc, *root)
		decl := &ast.VariableDeclaratorNode{Name: meterVar, Value: init, Expr: *root}
		decl.SetLocation((*root).Location())
		*root = decl
	}
}

// call builds a call node located where at is, so runtime errors point at
// the user's code.
func call(name string, at ast.Node, args ...ast.Node) ast.Node {
	callee := &ast.IdentifierNode{Value: name}
	callee.SetLocation(at.Location())
	c := &ast.CallNode{Callee: callee, Arguments: args}
	c.SetLocation(at.Location())
	return c
}

func numeric(n ast.Node) bool {
	t := n.Type()
	if t == nil {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Float64, reflect.Int32, reflect.Float32:
		return true
	}
	return false
}

// sandboxFunctions are the hidden functions the patch calls.
func sandboxFunctions() []*builtin.Function {
	return []*builtin.Function{
		{Name: meterFunc, Func: func(...any) (any, error) { return &meter{}, nil }},
		{Name: tickFunc, Func: func(args ...any) (any, error) {
			if err := args[0].(*meter).tick(); err != nil {
				return nil, err
			}
			return args[1], nil
		}},
		{Name: addFunc, Func: func(args ...any) (any, error) { return add(args[0].(*meter), args[1], args[2]) }},
		{Name: matchFunc, Func: func(args ...any) (any, error) { return fnMatches(args...) }},
	}
}

// add is '+' with text capped and counted, and integer overflow reported
// instead of wrapping around.
func add(m *meter, a, b any) (any, error) {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			break
		}
		if len(x)+len(y) > MaxString {
			return nil, stringLimit(len(x) + len(y))
		}
		s := x + y
		return s, m.text(s)
	case int:
		if y, ok := b.(int); ok {
			s := x + y
			if (s > x) != (y > 0) {
				return nil, &Error{Kind: KindRuntime, Message: "the number is too large"}
			}
			return s, nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			if len(x)+len(y) > MaxMemory {
				return nil, &Error{Kind: KindLimit, Limit: LimitMemory, Message: "the list would be too long"}
			}
			out := make([]any, 0, len(x)+len(y))
			return append(append(out, x...), y...), nil
		}
	}
	if isNumber(a) && isNumber(b) {
		return toFloat(a) + toFloat(b), nil
	}
	return nil, &Error{Kind: KindType,
		Message: fmt.Sprintf("'+' cannot add %s and %s", describe(a), describe(b))}
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int64, int32, float64, float32, uint, uint64, uint32:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case uint:
		return float64(x)
	case uint64:
		return float64(x)
	case uint32:
		return float64(x)
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}
