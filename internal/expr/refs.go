package expr

import "github.com/expr-lang/expr/ast"

// collectRefs lists the variable paths a checked tree reads. A path follows
// constant members (record.a.b, record["a b"]) and stops at the first
// computed one (record[k], record.items[0]). Only the context's variables
// are reported: the checker has already refused let names that shadow
// them, and '#' items and function names are other node kinds.
func collectRefs(root ast.Node, allowed []string) []Ref {
	known := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		known[a] = true
	}
	inner := map[ast.Node]bool{} // member nodes that are the base of another
	var members []*ast.MemberNode
	var idents []*ast.IdentifierNode
	Walk(root, func(n ast.Node) {
		switch x := n.(type) {
		case *ast.MemberNode:
			members = append(members, x)
			inner[x.Node] = true
		case *ast.ChainNode:
			inner[x.Node] = false // a?.b keeps its chain: look through
		case *ast.IdentifierNode:
			idents = append(idents, x)
		}
	})
	used := map[*ast.IdentifierNode]bool{}
	var refs []Ref
	for _, m := range members {
		if inner[m] {
			continue
		}
		if r, base, ok := MemberRef(m, known); ok {
			used[base] = true
			refs = append(refs, r)
		}
	}
	for _, id := range idents {
		if known[id.Value] && !used[id] {
			refs = append(refs, Ref{Var: id.Value, Column: id.Location().From + 1})
		}
	}
	sortRefs(refs)
	return refs
}

// MemberRef walks a member chain down to its base identifier, one of the
// known variables: the path follows constant members (record.a["b c"])
// and stops at the first computed one or method call.
func MemberRef(m *ast.MemberNode, known map[string]bool) (Ref, *ast.IdentifierNode, bool) {
	var chain []*ast.MemberNode
	var n ast.Node = m
	for {
		switch x := n.(type) {
		case *ast.MemberNode:
			chain = append(chain, x)
			n = x.Node
			continue
		case *ast.ChainNode:
			n = x.Node
			continue
		case *ast.IdentifierNode:
			if !known[x.Value] {
				return Ref{}, nil, false
			}
			r := Ref{Var: x.Value, Column: x.Location().From + 1}
			for i := len(chain) - 1; i >= 0; i-- {
				s, ok := chain[i].Property.(*ast.StringNode)
				if !ok || chain[i].Method {
					break
				}
				r.Path = append(r.Path, s.Value)
			}
			return r, x, true
		}
		return Ref{}, nil, false
	}
}

func sortRefs(refs []Ref) {
	for i := 1; i < len(refs); i++ {
		for j := i; j > 0 && refs[j].Column < refs[j-1].Column; j-- {
			refs[j], refs[j-1] = refs[j-1], refs[j]
		}
	}
}
