package flow

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
)

// The doc comments of the document types are the descriptions in the JSON
// Schema and the reference docs; embedding the source keeps them one text.
//
//go:embed document.go
var documentSource string

// SchemaID is the $id of the flow document's JSON Schema.
const SchemaID = "https://bistro.dev/schemas/flow.schema.json"

var schemaOnce = sync.OnceValues(buildSchema)

// Schema returns the JSON Schema (draft 2020-12) of the flow document,
// generated from the Go types and their doc comments. Parse validates with
// this same schema.
func Schema() []byte {
	b, _ := schemaOnce()
	return b.json
}

type builtSchema struct {
	json     []byte
	compiled *validator.Schema
	tree     map[string]any // the schema as plain values, to look up allowed names
}

func buildSchema() (*builtSchema, error) {
	comments := typeComments(documentSource)
	r := &jsonschema.Reflector{
		LookupComment: func(t reflect.Type, field string) string {
			return comments[t.Name()+"."+field]
		},
	}
	s := r.Reflect(&Flow{})
	s.ID = SchemaID
	s.Title = "Bistro flow"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic("flow: the schema cannot be written: " + err.Error())
	}
	out = append(out, '\n')
	doc, err := validator.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		panic("flow: the schema cannot be read back: " + err.Error())
	}
	c := validator.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		panic("flow: the schema cannot be loaded: " + err.Error())
	}
	compiled, err := c.Compile(SchemaID)
	if err != nil {
		panic("flow: the schema does not compile: " + err.Error())
	}
	var tree map[string]any
	_ = json.Unmarshal(out, &tree)
	return &builtSchema{json: out, compiled: compiled, tree: tree}, nil
}

// typeComments reads the doc comments of the types and fields in src,
// keyed "Type." for a type and "Type.Field" for a field.
func typeComments(src string) map[string]string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "document.go", src, parser.ParseComments)
	if err != nil {
		panic("flow: document.go does not parse: " + err.Error())
	}
	out := map[string]string{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			out[ts.Name.Name+"."] = commentText(gd.Doc)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, field := range st.Fields.List {
				for _, name := range field.Names {
					out[ts.Name.Name+"."+name.Name] = commentText(field.Doc)
				}
			}
		}
	}
	return out
}

// commentText joins a doc comment into one paragraph and drops the Go name
// it starts with, which means nothing to someone writing YAML.
func commentText(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	text := strings.Join(strings.Fields(g.Text()), " ")
	first, rest, ok := strings.Cut(text, " ")
	if ok && first != "" && first[0] >= 'A' && first[0] <= 'Z' && goName(first) {
		switch {
		case strings.HasPrefix(rest, "is "), strings.HasPrefix(rest, "are "):
			_, rest, _ = strings.Cut(rest, " ")
		}
		if rest != "" {
			text = strings.ToUpper(rest[:1]) + rest[1:]
		}
	}
	return text
}

// goName reports whether a word looks like a Go identifier (MaxBackoff),
// rather than an ordinary capitalised word.
func goName(w string) bool {
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
