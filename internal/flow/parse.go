package flow

import (
	"bytes"
	"errors"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Document is a parsed flow document with its source, so that every problem
// can be reported at its line and column.
type Document struct {
	// Flow is the decoded flow; nil when the document is too broken to decode.
	Flow *Flow
	// File is the name the document was read from, used in diagnostics.
	File string
	// Source is the document's text.
	Source []byte
	// Raw is the document as plain values (maps, lists, strings, numbers),
	// as it was validated against the JSON Schema.
	Raw any

	nodes map[string]node
	lines []string
}

// Position returns where the value at path (e.g. "steps[2].set.email")
// starts in the source. Paths that are not in the source give the position
// of their closest parent, so a diagnostic always points somewhere useful.
func (d *Document) Position(path string) Position {
	return d.node(path).value
}

// KeyPosition returns where the key of the value at path starts: for
// "steps[2].set.email", the word email.
func (d *Document) KeyPosition(path string) Position {
	return d.node(path).key
}

func (d *Document) node(path string) node {
	for {
		if n, ok := d.nodes[path]; ok {
			return n
		}
		if path == "" {
			return node{}
		}
		path = parentPath(path)
	}
}

// parentPath drops the last element of a path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// exprPosition maps a 1-based column inside the text at path to a position
// in the file. Where the text is not written on one line as is, it points at
// the start of the value.
func (d *Document) exprPosition(path string, col int) Position {
	n, ok := d.nodes[path]
	if !ok || !n.inline || col < 1 {
		return d.Position(path)
	}
	return Position{Line: n.value.Line, Column: n.value.Column + n.quote + col - 1}
}

// diag builds a diagnostic at a position, with the excerpt of its line.
func (d *Document) diag(pos Position, path, msg, hint string) Diagnostic {
	dg := Diagnostic{File: d.File, Line: pos.Line, Column: pos.Column, Path: path, Message: msg, Hint: hint}
	if pos.Line > 0 && pos.Line <= len(d.lines) {
		dg.Excerpt = strings.TrimRight(d.lines[pos.Line-1], "\r")
	}
	return dg
}

// Parse reads a flow document written in YAML or JSON, checks its structure
// against the flow JSON Schema and decodes it. It reports every problem it
// finds; the returned document is never nil, but its Flow is nil when the
// source cannot be read at all.
func Parse(filename string, data []byte) (*Document, Diagnostics) {
	doc := &Document{File: filename, Source: data, nodes: map[string]node{}}
	doc.lines = strings.Split(string(data), "\n")
	raw, diags := doc.parseYAML(data)
	if diags.HasErrors() && raw == nil {
		return doc, diags
	}
	doc.Raw = raw
	diags = append(diags, doc.checkSchema(raw)...)
	doc.Flow = decode(raw)
	diags.Sort()
	return doc, diags
}

func (d *Document) parseYAML(data []byte) (any, Diagnostics) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Diagnostics{d.diag(Position{Line: 1, Column: 1}, "", "the file is empty",
			"a flow starts with 'bistro: 1', a name, a trigger and steps")}
	}
	if dg := d.checkShape(data); dg != nil {
		return nil, Diagnostics{*dg}
	}
	file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, Diagnostics{d.syntaxError(err)}
	}
	var docs []int
	for i, dn := range file.Docs {
		if dn != nil && dn.Body != nil {
			docs = append(docs, i)
		}
	}
	if len(docs) == 0 {
		return nil, Diagnostics{d.diag(Position{Line: 1, Column: 1}, "", "the file has no content", "")}
	}
	c := &converter{nodes: d.nodes, anchors: map[string]ast.Node{}, doc: d}
	raw := c.value(file.Docs[docs[0]].Body, "", Position{})
	if len(docs) > 1 {
		second := file.Docs[docs[1]].Body
		c.errorAt(tokenPos(second), "", "a file holds one flow, but this one has several documents (separated by ---)",
			"put each flow in its own file")
	}
	return raw, c.diags
}

// syntaxError turns a YAML error into a diagnostic at the line and column the
// parser stopped at.
func (d *Document) syntaxError(err error) Diagnostic {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return d.diag(Position{Line: 1, Column: 1}, "", "this is not valid YAML or JSON: "+err.Error(), "")
	}
	tok := ye.GetToken()
	pos := Position{Line: tok.Position.Line, Column: tok.Position.Column}
	msg, hint := yamlMessage(ye.GetMessage(), d, pos)
	return d.diag(pos, "", msg, hint)
}

// yamlMessage rewords the parser's message and adds a hint for the usual
// slips: tabs, unclosed quotes and brackets.
func yamlMessage(msg string, d *Document, pos Position) (string, string) {
	hint := "check the indentation and quotes on this line and the line before"
	if pos.Line > 0 && pos.Line <= len(d.lines) && strings.Contains(d.lines[pos.Line-1], "\t") {
		return "this line is indented with a tab", "YAML only allows spaces for indentation"
	}
	if strings.Contains(msg, "tab character") {
		return "this line is indented with a tab", "YAML only allows spaces for indentation"
	}
	return "this is not valid YAML: " + msg, hint
}
