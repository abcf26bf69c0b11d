// Package expr is Bistro's one expression language: values, conditions and
// {{ ... }} templates, on top of github.com/expr-lang/expr, compiled once and
// evaluated in a sandbox with limits.
package expr

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
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

// VarClock is the Vars entry now() reads: a clock.Clock (or anything with a
// Now() time.Time method). Without it now() reads the wall clock. Its name
// starts with '$', which expressions cannot write, so it is never readable
// as a variable.
const VarClock = "$clock"

// VarIdempotencyKey is the Vars entry where the engine puts the stable key
// of a step attempt (the same for every retry and every re-execution of the
// run), which side-effecting steps pass on to their target. Like VarClock,
// expressions cannot read it.
const VarIdempotencyKey = "$idempotency_key"

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

var vmPool = sync.Pool{New: func() any { return &vm.VM{MemoryBudget: MaxMemory} }}

// Compile compiles src, which may read only the variables in allowed.
func Compile(src string, allowed []string) (*Program, error) {
	if len(src) > MaxSource {
		return nil, &Error{Kind: KindLimit, Limit: LimitSize, Source: clip(src),
			Message: fmt.Sprintf("this expression is too long (%d characters; the limit is %d)", utf8.RuneCountInString(src), MaxSource),
			Hint:    "split it over several steps or settings"}
	}
	cfg := newConfig(allowed)
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil, compileError(src, err, allowed)
	}
	if err := precheck(tree.Node, src); err != nil {
		return nil, err
	}
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, compileError(src, err, allowed)
	}
	p := &Program{src: src, refs: collectRefs(tree.Node, allowed)}
	sandbox(&tree.Node)
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, compileError(src, err, allowed)
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, compileError(src, err, allowed)
	}
	prog, err := compiler.Compile(tree, cfg)
	if err != nil {
		return nil, compileError(src, err, allowed)
	}
	p.prog = prog
	return p, nil
}

// newConfig builds the compiler configuration: the allowed variables as
// untyped objects, our function table, and only the expr builtins the
// catalogue documents.
func newConfig(allowed []string) *conf.Config {
	env := make(map[string]any, len(allowed))
	for _, name := range allowed {
		env[name] = map[string]any(nil)
	}
	cfg := conf.New(env)
	cfg.MaxNodes = MaxNodes
	for name := range cfg.Builtins {
		if !builtinAllowed[name] {
			delete(cfg.Builtins, name)
		}
	}
	for name, f := range functionTable {
		cfg.Functions[name] = f
	}
	return cfg
}

// Source returns the expression's text.
func (p *Program) Source() string { return p.src }

// Refs lists the variable paths the expression reads.
func (p *Program) Refs() []Ref { return p.refs }

// Eval evaluates the program against vars. It never panics.
func (p *Program) Eval(vars Vars) (out any, err error) {
	m := vmPool.Get().(*vm.VM)
	defer func() {
		if r := recover(); r != nil {
			// The VM recovers its own panics; this catches anything that
			// escapes it, so one bad expression never takes the process down.
			out, err = nil, &Error{Kind: KindRuntime, Message: fmt.Sprint(r), Source: p.src}
			return
		}
		vmPool.Put(m)
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

// precheck rejects what the language hides: names starting with '$' (such
// as $env, which would expose every variable) or "__" (the sandbox's own
// functions).
func precheck(root ast.Node, src string) error {
	var err error
	Walk(root, func(n ast.Node) {
		if err != nil {
			return
		}
		switch n := n.(type) {
		case *ast.IdentifierNode:
			if hiddenName(n.Value) {
				err = &Error{Kind: KindUnknown, Source: src, Column: n.Location().From + 1,
					Message: fmt.Sprintf("unknown name '%s'", n.Value)}
			}
		case *ast.VariableDeclaratorNode:
			if hiddenName(n.Name) {
				err = &Error{Kind: KindSyntax, Source: src, Column: n.Location().From + 1,
					Message: fmt.Sprintf("the name '%s' cannot be used", n.Name)}
			}
		case *ast.CallNode:
			err = checkArity(n, src)
		}
	})
	return err
}

func hiddenName(s string) bool {
	return len(s) > 0 && s[0] == '$' || len(s) > 1 && s[:2] == "__"
}

// walk calls fn for every node, children first.
// Walk calls fn for every node of a parsed tree, children first.
func Walk(root ast.Node, fn func(ast.Node)) {
	ast.Walk(&root, visitorFunc(func(n *ast.Node) { fn(*n) }))
}

type visitorFunc func(*ast.Node)

func (f visitorFunc) Visit(n *ast.Node) { f(n) }
