package policy

import (
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	iexpr "github.com/bistro-dev/bistro/internal/expr"
)

// The ways an expression can declassify what it reads.
const (
	byDrop = "drop"
	byMask = "mask"
	byHash = "hash"
)

// ref is a variable path an expression reads (record.email is var
// "record", path ["email"]), and whether it is read only through a hash
// or a mask.
type ref struct {
	v    string
	path []string
	by   string // "", byHash or byMask
}

// whole is a ref to every variable: what an expression that cannot be
// read may touch.
var whole = []ref{{v: iexpr.VarRecord}, {v: iexpr.VarTrigger}, {v: iexpr.VarVars}, {v: iexpr.VarSteps},
	{v: iexpr.VarLoop}, {v: iexpr.VarError}, {v: iexpr.VarResponse}}

var knownVars = map[string]bool{iexpr.VarRecord: true, iexpr.VarTrigger: true, iexpr.VarVars: true, iexpr.VarEnv: true,
	iexpr.VarSteps: true, iexpr.VarRun: true, iexpr.VarLoop: true, iexpr.VarResponse: true, iexpr.VarError: true}

// hashes are the functions whose result reveals nothing of their first
// argument.
var hashes = map[string]bool{"sha256": true, "md5": true, "hmac_sha256": true}

// maxMasked is how many characters of a value a mask may keep.
const maxMasked = 4

// exprRefs lists what an expression reads. An expression that does not
// parse (the validator reports it) is taken to read everything.
func exprRefs(src string) []ref {
	tree, err := parser.Parse(src)
	if err != nil {
		return whole
	}
	return collect(tree.Node)
}

// templateRefs lists what the {{ ... }} parts of a text read.
func templateRefs(src string) []ref {
	var out []ref
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return out // never closed: the validator reports it; it cannot run
		}
		out = append(out, exprRefs(rest[i+2:i+2+j])...)
		rest = rest[i+2+j+2:]
	}
}

// valueRefs lists what the templates inside a setting value read.
func valueRefs(v any) []ref {
	switch x := v.(type) {
	case string:
		return templateRefs(x)
	case map[string]any:
		var out []ref
		for _, k := range sortedKeys(x) {
			out = append(out, valueRefs(x[k])...)
		}
		return out
	case []any:
		var out []ref
		for _, e := range x {
			out = append(out, valueRefs(e)...)
		}
		return out
	}
	return nil
}

// collect walks a parsed expression: first it marks the identifiers read
// only inside a hash or a mask, then it lists every variable path.
func collect(root ast.Node) []ref {
	guarded := map[*ast.IdentifierNode]string{}
	var calls []*ast.CallNode
	var members []*ast.MemberNode
	var idents []*ast.IdentifierNode
	inner := map[ast.Node]bool{}
	walk(root, func(n ast.Node) {
		switch x := n.(type) {
		case *ast.CallNode:
			calls = append(calls, x)
		case *ast.MemberNode:
			members = append(members, x)
			inner[x.Node] = true
		case *ast.ChainNode:
			inner[x.Node] = false
		case *ast.IdentifierNode:
			idents = append(idents, x)
		}
	})
	for _, by := range []string{byMask, byHash} { // a hash of a mask is a hash
		for _, c := range calls {
			if arg, ok := guardedArg(c, by); ok {
				walk(arg, func(n ast.Node) {
					if id, ok := n.(*ast.IdentifierNode); ok {
						guarded[id] = by
					}
				})
			}
		}
	}
	var refs []ref
	used := map[*ast.IdentifierNode]bool{}
	for _, m := range members {
		if inner[m] {
			continue
		}
		if r, base, ok := memberRef(m); ok {
			used[base] = true
			r.by = guarded[base]
			refs = append(refs, r)
		}
	}
	for _, id := range idents {
		if knownVars[id.Value] && !used[id] {
			refs = append(refs, ref{v: id.Value, by: guarded[id]})
		}
	}
	return refs
}

// guardedArg returns the argument a call hashes or masks.
func guardedArg(c *ast.CallNode, by string) (ast.Node, bool) {
	id, ok := c.Callee.(*ast.IdentifierNode)
	if !ok || len(c.Arguments) == 0 {
		return nil, false
	}
	switch by {
	case byHash:
		return c.Arguments[0], hashes[id.Value]
	case byMask:
		return c.Arguments[0], id.Value == "substring" && boundedSubstring(c.Arguments[1:])
	}
	return nil, false
}

// boundedSubstring reports whether substring's positions keep at most
// maxMasked characters whatever the text: substring(x, -4), substring(x,
// 0, 4), substring(x, -6, -2).
func boundedSubstring(args []ast.Node) bool {
	start, ok := intLiteral(args, 0)
	if !ok {
		return false
	}
	end, hasEnd := intLiteral(args, 1)
	switch {
	case len(args) == 1:
		return start < 0 && -start <= maxMasked
	case !hasEnd:
		return false
	case (start < 0) != (end < 0):
		return false
	}
	return end-start <= maxMasked
}

func intLiteral(args []ast.Node, i int) (int, bool) {
	if i >= len(args) {
		return 0, false
	}
	switch x := args[i].(type) {
	case *ast.IntegerNode:
		return x.Value, true
	case *ast.UnaryNode:
		if n, ok := x.Node.(*ast.IntegerNode); ok && x.Operator == "-" {
			return -n.Value, true
		}
	}
	return 0, false
}

// memberRef walks a member chain down to its base variable, as the
// expression checker does.
func memberRef(m *ast.MemberNode) (ref, *ast.IdentifierNode, bool) {
	r, base, ok := iexpr.MemberRef(m, knownVars)
	return ref{v: r.Var, path: r.Path}, base, ok
}

func walk(root ast.Node, fn func(ast.Node)) { iexpr.Walk(root, fn) }
