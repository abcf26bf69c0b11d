package flow

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bistro-dev/bistro/internal/expr"
)

var (
	idPattern    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	fieldPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	memberRE     = regexp.MustCompile(`^\s*\??\.\s*([A-Za-z_][A-Za-z0-9_]*)|^\s*\[\s*"([^"]*)"\s*\]`)
)

// condition checks an expression used as a condition, warning when it is a
// constant, which is almost always a slip.
func (v *checker) condition(path, src, name string, at place) {
	v.expression(path, src, name, at)
	switch strings.TrimSpace(src) {
	case "true":
		v.warnf(path, "remove the condition, or write the test you meant", "this condition in %s is always true", name)
	case "false":
		v.warnf(path, "remove the step if it is not needed", "this condition in %s is always false", name)
	}
}

// expression compiles an expression and checks what it reads.
func (v *checker) expression(path, src, name string, at place) {
	v.expressionAt(path, src, name, at, 1)
}

// expressionAt is expression for text that starts at column col of the
// value (e.g. the argument of an aggregate).
func (v *checker) expressionAt(path, src, name string, at place, col int) {
	if strings.TrimSpace(src) == "" {
		v.errorf(path, "", "%s in %s is empty", label(path), name)
		return
	}
	p, err := expr.Compile(src, at.scope.Vars())
	if err != nil {
		v.exprError(path, name, err, col-1, at)
		return
	}
	v.refs(path, name, src, p.Refs(), col-1, at)
}

// template checks a text that may hold {{ expressions }}.
func (v *checker) template(path, src, name string, at place) {
	if len(src) > maxTemplate && strings.Contains(src, "{{") {
		v.errorf(path, "split the text, or read it at run time", "this text in %s is longer than %d KB", name, maxTemplate>>10)
		return
	}
	t, err := expr.ParseTemplate(src, at.scope.Vars())
	if err != nil {
		v.exprError(path, name, err, 0, at)
		return
	}
	v.refs(path, name, src, t.Refs(), 0, at)
}

// value checks every string inside a setting value as a template.
func (v *checker) value(path string, val any, name string, at place) {
	switch x := val.(type) {
	case string:
		v.template(path, x, name, at)
	case map[string]any:
		for _, k := range sortedKeys(x) {
			v.value(joinPath(path, k), x[k], name, at)
		}
	case []any:
		for i, e := range x {
			v.value(indexPath(path, i), e, name, at)
		}
	}
}

func (v *checker) exprError(path, name string, err error, shift int, at place) {
	var e *expr.Error
	if !errors.As(err, &e) {
		v.errorf(path, "", "%s: %v", name, err)
		return
	}
	hint := e.Hint
	if hint == "" {
		if m := unknownNameRE.FindStringSubmatch(e.Message); m != nil {
			hint = didYouMean(m[1], at.scope.Vars())
		}
	}
	pos := v.doc.exprPosition(path, e.Column+shift)
	v.report(pos, path, SeverityError, hint, fmt.Sprintf("%s: %s in %q", name, e.Message, clip(e.Source)))
}

var unknownNameRE = regexp.MustCompile(`unknown name '?([A-Za-z_][A-Za-z0-9_]*)'?`)

func clip(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

// refs checks the variables an expression reads: steps before it, allowed
// environment variables, declared vars and fields the record can have.
func (v *checker) refs(path, name, src string, refs []expr.Ref, shift int, at place) {
	for _, r := range refs {
		p := refPath(r, src)
		if len(p) == 0 {
			continue
		}
		pos := v.doc.exprPosition(path, r.Column+shift)
		switch r.Var {
		case expr.VarSteps:
			v.stepRef(pos, path, name, p[0], at)
		case expr.VarEnv:
			if !v.allowedEnv[p[0]] {
				v.report(pos, path, SeverityError, "an admin can allow it with --allow-env "+p[0],
					fmt.Sprintf("%s: environment variable '%s' is not allowed", name, p[0]))
			}
		case expr.VarVars:
			if _, ok := v.doc.Flow.Vars[p[0]]; !ok {
				v.report(pos, path, SeverityError, varsHint(p[0], v.doc.Flow.Vars),
					fmt.Sprintf("%s reads vars.%s, but the flow has no variable '%s'", name, p[0], p[0]))
			}
		case expr.VarRecord:
			v.fieldRef(pos, path, name, p[0], at)
		}
	}
}

func (v *checker) stepRef(pos Position, path, name, id string, at place) {
	for _, b := range at.before {
		if b == id {
			return
		}
	}
	hint := didYouMean(id, at.before)
	if hint == "" {
		if _, exists := v.ids[id]; exists || strings.Contains(string(v.doc.Source), "id: "+id) {
			hint = "a step can only read steps that run before it on the same path"
		}
	}
	v.report(pos, path, SeverityError, hint,
		fmt.Sprintf("%s reads steps.%s, but there is no step '%s' before it", name, id, id))
}

func (v *checker) fieldRef(pos Position, path, name, field string, at place) {
	if at.fields.has(field) {
		return
	}
	if by, ok := at.fields.removed[field]; ok {
		v.report(pos, path, SeverityError, "",
			fmt.Sprintf("%s reads record.%s, but the field '%s' was removed by step '%s'", name, field, field, by))
		return
	}
	v.report(pos, path, SeverityError, didYouMean(field, at.fields.list()),
		fmt.Sprintf("%s reads record.%s, but records have no field '%s' here (they have: %s)",
			name, field, field, strings.Join(at.fields.list(), ", ")))
}

func varsHint(name string, vars map[string]any) string {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	if h := didYouMean(name, names); h != "" {
		return h
	}
	return "declare it under 'vars' at the top of the flow"
}

// refPath is the member path of a reference. The expression package gives
// it; when it does not, it is read from the source after the name.
func refPath(r expr.Ref, src string) []string {
	if len(r.Path) > 0 {
		return r.Path
	}
	runes := []rune(src)
	start := r.Column - 1 + len([]rune(r.Var))
	if r.Column < 1 || start > len(runes) {
		return nil
	}
	rest := string(runes[start:])
	var path []string
	for {
		m := memberRE.FindStringSubmatch(rest)
		if m == nil {
			return path
		}
		path = append(path, m[1]+m[2])
		rest = rest[len(m[0]):]
	}
}

// fieldName checks a field name a step writes to (into, as, rename).
func (v *checker) fieldName(path, name string) {
	if !fieldPattern.MatchString(name) {
		v.errorf(path, "use letters, digits and _, e.g. "+suggestField(name),
			"'%s' is not a usable field name", name)
	}
}

func suggestField(s string) string {
	if f := suggestID(s); f != "" {
		return "'" + f + "'"
	}
	return "'result'"
}
