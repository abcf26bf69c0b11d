package expr

import (
	"strings"
	"unicode/utf8"
)

// Template is a string that may hold {{ expression }} parts. A template that
// is exactly one {{ expression }} evaluates to the expression's typed value;
// otherwise to a string. A string without {{ is a literal.
type Template struct {
	src   string
	parts []part
}

type part struct {
	lit    string
	prog   *Program
	offset int // characters before the expression inside the template
}

// ParseTemplate compiles the expressions inside src. Error columns are
// counted from the start of the template.
func ParseTemplate(src string, allowed []string) (*Template, error) {
	t := &Template{src: src}
	rest, off := src, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, part{lit: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, part{lit: rest[:i]})
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, &Error{Kind: KindSyntax, Source: src, Column: utf8.RuneCountInString(src[:off+i]) + 1,
				Message: "this {{ is never closed with }}"}
		}
		code := rest[i+2 : i+2+j]
		col := utf8.RuneCountInString(src[:off+i+2]) // columns count characters, not bytes
		p, err := Compile(code, allowed)
		if err != nil {
			return nil, shift(err, src, col)
		}
		t.parts = append(t.parts, part{prog: p, offset: col})
		off += i + 2 + j + 2
		rest = rest[i+2+j+2:]
	}
}

func shift(err error, src string, by int) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	c := *e
	c.Source = src
	if c.Column > 0 {
		c.Column += by
	}
	return &c
}

// Source returns the template text.
func (t *Template) Source() string { return t.src }

// IsLiteral reports whether the template has no expression.
func (t *Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.prog != nil {
			return false
		}
	}
	return true
}

// Refs lists the variable paths the template's expressions read.
func (t *Template) Refs() []Ref {
	var refs []Ref
	for _, p := range t.parts {
		if p.prog == nil {
			continue
		}
		for _, r := range p.prog.Refs() {
			r.Column += p.offset
			refs = append(refs, r)
		}
	}
	return refs
}

// Eval evaluates the template. One {{ expression }} alone gives its value.
func (t *Template) Eval(vars Vars) (any, error) {
	if len(t.parts) == 1 && t.parts[0].prog != nil && strings.TrimSpace(t.src) == t.src {
		return t.parts[0].prog.Eval(vars)
	}
	return t.String(vars)
}

// String evaluates the template to text.
func (t *Template) String(vars Vars) (string, error) {
	if len(t.parts) == 1 && t.parts[0].prog == nil {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.prog == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := p.prog.Eval(vars)
		if err != nil {
			return "", shift(err, t.src, p.offset)
		}
		b.WriteString(Text(v))
	}
	return b.String(), nil
}
