package flow

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// node is what the document remembers about one value in the source: where
// its key and its value start, and how the value was written, so that
// positions inside an expression can be mapped back to the file.
type node struct {
	key   Position // position of the key, for values inside a mapping
	value Position
	// inline is true for a scalar written on one line (plain or quoted),
	// where a column inside the text maps to a column in the file.
	inline bool
	quote  int // 1 when the scalar is quoted: the text starts one column later
}

// maxNodes caps the values a document may expand to, so that a small file
// full of aliases cannot make validation run out of memory.
const maxNodes = 200_000

// converter turns a YAML AST into plain Go values, remembering positions.
type converter struct {
	nodes   map[string]node
	anchors map[string]ast.Node
	diags   Diagnostics
	doc     *Document
	count   int
	depth   int // how many lists and mappings the current value is inside
	aliased int // > 0 while expanding an alias
	// expanded counts the values produced by aliases.
	expanded int
	// stopped is set once a limit was hit: the rest is not converted, so
	// one problem is reported once.
	stopped bool
}

func (c *converter) value(n ast.Node, path string, key Position) any {
	if !c.withinLimits(n, path) {
		return nil
	}
	if _, seen := c.nodes[path]; !seen {
		c.nodes[path] = c.describe(n, key)
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		return c.mapping(n.Values, path)
	case *ast.MappingValueNode:
		return c.mapping([]*ast.MappingValueNode{n}, path)
	case *ast.SequenceNode:
		return c.sequence(n, path)
	case *ast.AnchorNode:
		if n.Name != nil {
			c.anchors[n.Name.String()] = n.Value
		}
		delete(c.nodes, path)
		return c.value(n.Value, path, key)
	case *ast.AliasNode:
		return c.alias(n, path, key)
	case *ast.TagNode:
		delete(c.nodes, path)
		return c.value(n.Value, path, key)
	case *ast.CommentNode, *ast.CommentGroupNode:
		return nil
	case ast.ScalarNode:
		return scalar(n)
	case nil:
		return nil
	}
	c.errorAt(tokenPos(n), path, "this kind of YAML value is not supported here", "")
	return nil
}

// withinLimits counts a value against the limits on size, nesting and
// aliases, and reports the first limit hit.
func (c *converter) withinLimits(n ast.Node, path string) bool {
	if c.stopped {
		return false
	}
	c.count++
	if c.aliased > 0 {
		c.expanded++
	}
	switch {
	case c.count > maxNodes:
		c.errorAt(tokenPos(n), path, fmt.Sprintf("this document is too large (it expands to more than %d values)", maxNodes), "")
	case c.expanded > maxAliasValues:
		c.errorAt(tokenPos(n), path, fmt.Sprintf("the aliases (*name) in this document expand to more than %d values", maxAliasValues),
			"write the repeated settings out, or use fewer aliases of aliases")
	case c.depth > MaxDepth:
		dg := c.doc.tooDeep(tokenPos(n))
		dg.Path = path
		c.diags = append(c.diags, *dg)
	default:
		return true
	}
	c.stopped = true
	return false
}

func (c *converter) sequence(n *ast.SequenceNode, path string) []any {
	c.depth++
	defer func() { c.depth-- }()
	out := make([]any, 0, len(n.Values))
	for i, v := range n.Values {
		out = append(out, c.value(v, indexPath(path, i), tokenPos(v)))
	}
	return out
}

func (c *converter) alias(n *ast.AliasNode, path string, key Position) any {
	name := ""
	if n.Value != nil {
		name = n.Value.String()
	}
	target, ok := c.anchors[name]
	if !ok {
		c.errorAt(tokenPos(n), path, fmt.Sprintf("there is no anchor '&%s' before this alias", name), "")
		return nil
	}
	c.aliased++
	defer func() { c.aliased-- }()
	return c.value(target, path, key)
}

func (c *converter) mapping(values []*ast.MappingValueNode, path string) map[string]any {
	c.depth++
	defer func() { c.depth-- }()
	out := make(map[string]any, len(values))
	for _, mv := range values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			c.errorAt(tokenPos(mv.Key), path, "merge keys (<<) are not supported; write the settings out", "")
			continue
		}
		k := keyText(mv.Key)
		kp := tokenPos(mv.Key)
		p := joinPath(path, k)
		if _, dup := out[k]; dup {
			first := c.nodes[p].key
			c.errorAt(kp, p, fmt.Sprintf("'%s' is written twice in the same place", k),
				fmt.Sprintf("keep one of them; the first is on line %d", first.Line))
			continue
		}
		out[k] = c.value(mv.Value, p, kp)
	}
	return out
}

func (c *converter) describe(n ast.Node, key Position) node {
	nd := node{key: key, value: tokenPos(n)}
	if key.Line == 0 {
		nd.key = nd.value
	}
	s, ok := n.(*ast.StringNode)
	if !ok || s.Token == nil {
		return nd
	}
	origin := strings.TrimSpace(s.Token.Origin)
	nd.inline = origin == s.Value
	switch s.Token.Type {
	case token.DoubleQuoteType, token.SingleQuoteType:
		nd.quote = 1
		// Escapes make the text shorter than the source: only map columns
		// when the text was written as is.
		nd.inline = len(origin) == len(s.Value)+2 && !strings.Contains(origin, "\n")
	}
	return nd
}

func (c *converter) errorAt(pos Position, path, msg, hint string) {
	c.diags = append(c.diags, c.doc.diag(pos, path, msg, hint))
}

func scalar(n ast.ScalarNode) any {
	switch v := n.GetValue().(type) {
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	case int:
		return int64(v)
	case float32:
		return float64(v)
	default:
		return v
	}
}

func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(ast.ScalarNode); ok {
		if v := s.GetValue(); v != nil {
			return fmt.Sprint(v)
		}
		return "null"
	}
	return k.String()
}

func tokenPos(n ast.Node) Position {
	switch m := n.(type) {
	case nil:
		return Position{}
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 {
			return tokenPos(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return tokenPos(m.Key)
	}
	t := n.GetToken()
	if t == nil || t.Position == nil {
		return Position{}
	}
	return Position{Line: t.Position.Line, Column: t.Position.Column}
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinPath appends a key to a path: steps[2].set.email. Keys that are not
// plain words are quoted: set["first name"].
func joinPath(path, key string) string {
	if !plainKey.MatchString(key) {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath appends a list index to a path.
func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
