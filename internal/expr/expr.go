// Package expr is Bistro's one expression language: values, conditions and
// {{ ... }} templates, on top of github.com/expr-lang/expr, compiled once and
// evaluated in a sandbox with limits.
package expr

import (
	"errors"
	"fmt"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Vars holds the variables an evaluation reads: record, trigger, vars, env,
// steps, run, loop, response, error. Callers reuse one Vars per goroutine
// and overwrite entries between evaluations.
type Vars map[string]any

// Variable names known to the language. A context (a step setting) allows a
// subset of them; see Compile.
const (
	VarRecord   = "record"
	VarTrigger  = "trigger"
	VarVars     = "vars"
	VarEnv      = "env"
	VarSteps    = "steps"
	VarRun      = "run"
	VarLoop     = "loop"
	VarResponse = "response"
	VarError    = "error"
)

// Program is a compiled expression. It is safe for concurrent use.
type Program struct {
	src  string
	prog *vm.Program
	refs []Ref
}

// Ref is a variable path an expression reads, such as record.email
// (Var "record", Path ["email"]). Paths stop at the first computed member.
type Ref struct {
	Var    string
	Path   []string
	Column int // 1-based column of the reference in the source
}

var vmPool = sync.Pool{New: func() any { return &vm.VM{} }}

// Compile compiles src, which may read only the variables in allowed.
func Compile(src string, allowed []string) (*Program, error) {
	env := make(map[string]any, len(allowed))
	for _, name := range allowed {
		env[name] = map[string]any(nil)
	}
	prog, err := expr.Compile(src, expr.Env(env))
	if err != nil {
		return nil, compileError(src, err)
	}
	p := &Program{src: src, prog: prog}
	p.refs = collectRefs(prog.Node())
	return p, nil
}

// Source returns the expression's text.
func (p *Program) Source() string { return p.src }

// Refs lists the variable paths the expression reads.
func (p *Program) Refs() []Ref { return p.refs }

// Eval evaluates the program against vars. It never panics.
func (p *Program) Eval(vars Vars) (out any, err error) {
	m := vmPool.Get().(*vm.VM)
	defer vmPool.Put(m)
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &Error{Kind: KindRuntime, Message: fmt.Sprint(r), Source: p.src}
		}
	}()
	out, err = m.Run(p.prog, map[string]any(vars))
	if err != nil {
		return nil, runtimeError(p.src, err)
	}
	return out, nil
}

// Bool evaluates a condition. Anything but true is false; nil is false.
func (p *Program) Bool(vars Vars) (bool, error) {
	v, err := p.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok && v != nil {
		return false, &Error{Kind: KindType, Source: p.src,
			Message: fmt.Sprintf("this condition must be true or false, but it gave %s", describe(v))}
	}
	return b, nil
}

func compileError(src string, err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return &Error{Kind: KindSyntax, Message: fe.Message, Source: src, Column: fe.Column + 1}
	}
	return &Error{Kind: KindSyntax, Message: err.Error(), Source: src}
}

func runtimeError(src string, err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return &Error{Kind: KindRuntime, Message: fe.Message, Source: src, Column: fe.Column + 1}
	}
	return &Error{Kind: KindRuntime, Message: err.Error(), Source: src}
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("%v", v)
	}
}

func collectRefs(node ast.Node) []Ref {
	c := &refCollector{}
	ast.Walk(&node, c)
	return c.refs
}

type refCollector struct{ refs []Ref }

func (c *refCollector) Visit(node *ast.Node) {
	id, ok := (*node).(*ast.IdentifierNode)
	if !ok {
		return
	}
	c.refs = append(c.refs, Ref{Var: id.Value, Column: id.Location().From + 1})
}
