package expr

import (
	"fmt"
	"sort"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
)

// Function documents one function of the language. The catalogue is the
// single source for what expressions can call and for docs/expressions.md,
// and a test evaluates every Example and compares it with Result.
type Function struct {
	Name        string
	Signature   string // how it is called, e.g. "round(x, digits?)"
	Category    string // "text", "numbers", "dates", "lists", "objects", "json", "regex", "encoding"
	Description string
	Example     string // an expression
	Result      string // Example's value as JSON
	MinArgs     int
	MaxArgs     int  // -1: any number
	Builtin     bool // provided by expr-lang itself (functions taking a predicate)
	Grows       bool // can produce more text than it reads: gets the meter

	fn func(args ...any) (any, error)
}

// Functions returns the catalogue, ordered by category and name.
func Functions() []Function {
	out := make([]Function, len(catalogue))
	copy(out, catalogue)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return categoryRank[out[i].Category] < categoryRank[out[j].Category]
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// FunctionNames lists every function name expressions can call.
func FunctionNames() []string {
	names := make([]string, 0, len(catalogue))
	for _, f := range catalogue {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

var categoryRank = map[string]int{"text": 0, "numbers": 1, "dates": 2, "lists": 3, "objects": 4,
	"json": 5, "regex": 6, "encoding": 7}

// catalogue is filled by the init functions of the funcs_*.go files, each
// adding its category.
var catalogue []Function

var (
	functionTable  = map[string]*builtin.Function{}
	builtinAllowed = map[string]bool{}
	growing        = map[string]bool{}
	byName         = map[string]*Function{}
)

// register builds the lookup tables once the catalogue is complete.
func init() {
	catalogue = append(catalogue, textFunctions...)
	catalogue = append(catalogue, numberFunctions...)
	catalogue = append(catalogue, dateFunctions...)
	catalogue = append(catalogue, listFunctions...)
	catalogue = append(catalogue, codecFunctions...)
	for i := range catalogue {
		f := &catalogue[i]
		byName[f.Name] = f
		if f.Builtin {
			builtinAllowed[f.Name] = true
			continue
		}
		growing[f.Name] = f.Grows
		functionTable[f.Name] = &builtin.Function{Name: f.Name, Func: f.fn}
	}
	for _, f := range sandboxFunctions() {
		functionTable[f.Name] = f
	}
}

// checkArity reports a call to one of our functions with the wrong number
// of values, at compile time and in plain words.
func checkArity(n *ast.CallNode, src string) error {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return nil
	}
	f := byName[id.Value]
	if f == nil || f.Builtin {
		return nil
	}
	got := len(n.Arguments)
	if got >= f.MinArgs && (f.MaxArgs < 0 || got <= f.MaxArgs) {
		return nil
	}
	return &Error{Kind: KindSyntax, Source: src, Column: n.Location().From + 1,
		Message: fmt.Sprintf("%s needs %s, but got %d", f.Name, arity(f), got),
		Hint:    "use it as " + f.Signature}
}

func arity(f *Function) string {
	switch {
	case f.MaxArgs < 0:
		return fmt.Sprintf("at least %d values", f.MinArgs)
	case f.MinArgs == f.MaxArgs && f.MinArgs == 1:
		return "1 value"
	case f.MinArgs == f.MaxArgs:
		return fmt.Sprintf("%d values", f.MinArgs)
	default:
		return fmt.Sprintf("%d to %d values", f.MinArgs, f.MaxArgs)
	}
}

// argError is the error for a value of the wrong type passed to fn.
func argError(fn, want string, got any) error {
	return &Error{Kind: KindType, Message: fmt.Sprintf("%s needs %s, but got %s", fn, want, describe(got))}
}

func fnError(fn, format string, args ...any) error {
	return &Error{Kind: KindRuntime, Message: fn + ": " + fmt.Sprintf(format, args...)}
}
