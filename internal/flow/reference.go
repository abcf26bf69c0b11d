package flow

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
)

// Markdown returns the flow reference (docs/flow-reference.md): every setting
// of the document, its triggers and its step kinds, with types, defaults and
// descriptions taken from the Go types and their doc comments (the same
// source as the JSON Schema), and an example for each kind.
func Markdown() string {
	r := &reference{comments: typeComments(documentSource)}
	r.intro()
	r.document()
	r.triggers()
	r.common()
	r.kinds()
	return strings.TrimRight(r.b.String(), "\n") + "\n"
}

// reference writes the Markdown.
type reference struct {
	b        strings.Builder
	comments map[string]string
	// kindKey is the setting that makes the kind of the step being
	// described, which that kind's steps must have.
	kindKey string
}

func (r *reference) p(format string, args ...any) {
	fmt.Fprintf(&r.b, format, args...)
	r.b.WriteString("\n")
}

func (r *reference) intro() {
	r.p("# Flow reference\n")
	r.p("<!-- Generated from internal/flow by `go test ./internal/flow -update`. Do not edit. -->\n")
	r.p("Every setting of a flow document. A flow is a trigger and a list of steps; the records the")
	r.p("trigger gives stream through the steps in batches. [Flows](flows.md) explains the ideas and")
	r.p("[expressions](expressions.md) the expression language. An *expression* is written bare")
	r.p("(`record.amount > 100`); a *template* is text with `{{ expressions }}` in it.\n")
}

func (r *reference) document() {
	r.p("## The flow document\n")
	r.p("%s\n", r.comments["Flow."])
	r.table("", reflect.TypeFor[Flow](), nil, false)
	r.p("```yaml\n%s```\n", documentExample)
}

func (r *reference) triggers() {
	r.p("## Triggers\n")
	r.p("%s\n", r.comments["Trigger."])
	tt := reflect.TypeFor[Trigger]()
	for i := range tt.NumField() {
		f := tt.Field(i)
		name := jsonName(f)
		r.p("### %s\n", name)
		r.p("%s\n", r.comments[f.Type.Elem().Name()+"."])
		r.table("trigger."+name, f.Type, nil, true)
		r.p("```yaml\n%s```\n", triggerExamples[name])
	}
}

func (r *reference) common() {
	r.p("## Settings every step has\n")
	r.p("%s\n", r.comments["Step."])
	r.table("", reflect.TypeFor[Step](), []string{"id", "title", "when", "retry", "on_error"}, false)
	r.p("A step with `when` applies only to the records for which the condition is true; the other")
	r.p("records pass through it unchanged.\n")
	r.p("### retry\n")
	r.p("A step that fails is tried again, up to `attempts` tries in all. The first wait is `backoff`,")
	r.p("and each wait after it is twice the one before, with a little randomness (jitter) so that")
	r.p("many runs do not retry at the same moment, and never longer than `max_backoff`. With")
	r.p("`on: transient` only errors that may go away are retried; with `on: any`, every error.\n")
	r.table("retry", reflect.TypeFor[Retry](), nil, true)
	r.p("```yaml\n%s```\n", retryExample)
	r.p("### on_error\n")
	r.p("What happens when a step fails for a record (after its retries): `fail` ends the run with")
	r.p("the error (the default), `skip` drops the record, `continue` passes it on unchanged. With")
	r.p("`steps`, the failing record goes down an error branch instead, where `error.message` and")
	r.p("`error.step` say what went wrong; the branch does not rejoin the main line.\n")
	r.table("on_error", reflect.TypeFor[OnError](), nil, true)
	r.p("```yaml\n%s```\n", onErrorExample)
}

func (r *reference) kinds() {
	r.p("## Steps\n")
	r.p("Besides the common settings, every step has exactly one kind:\n")
	r.p("| kind | what it does |")
	r.p("|---|---|")
	for _, k := range stepDocs {
		r.p("| [`%s`](#%s) | %s |", k.kind, k.kind, k.summary)
	}
	r.p("")
	for _, k := range stepDocs {
		r.p("### %s\n", k.kind)
		r.p("%s\n", k.summary)
		r.p("%s\n", strings.Join(strings.Fields(k.details), " "))
		if k.fields != nil {
			r.kindKey = k.kind
			r.table("", reflect.TypeFor[Step](), k.fields, false)
			r.kindKey = ""
		}
		if k.settings != nil {
			r.table(k.kind, k.settings, nil, true)
		}
		r.p("```yaml\n%s```\n", k.example)
	}
}

// table writes the settings of a struct type (or of a list's items), or of the named fields only,
// and, when nested is set, a table for each struct type its settings hold.
// prefix is the settings' path in the document, e.g. "http.auth".
func (r *reference) table(prefix string, t reflect.Type, only []string, nested bool) {
	t = deref(t)
	if t.Kind() == reflect.Slice {
		t = t.Elem()
		prefix += "[]"
	}
	switch {
	case prefix == "":
	case strings.HasSuffix(prefix, "[]"):
		r.p("Settings of each item of `%s`:\n", strings.TrimSuffix(prefix, "[]"))
	default:
		r.p("Settings of `%s`:\n", prefix)
	}
	r.p("| setting | type | required | default | description |")
	r.p("|---|---|---|---|---|")
	var inner []reflect.StructField
	for _, f := range fieldsOf(t, only) {
		desc, def := splitDefault(r.comments[t.Name()+"."+f.Name])
		if desc == "" {
			desc = r.comments[deref(f.Type).Name()+"."]
		}
		req := "no"
		if !strings.Contains(f.Tag.Get("json"), "omitempty") || jsonName(f) == r.kindKey && r.kindKey != "set" {
			req = "yes"
		}
		r.p("| `%s` | %s | %s | %s | %s |", jsonName(f), r.typeText(f), req, def, escapeCell(desc))
		if nested && settingsType(f.Type) != nil {
			inner = append(inner, f)
		}
	}
	r.p("")
	for _, f := range inner {
		r.table(joinPath(strings.TrimSuffix(prefix, "[]"), jsonName(f)), settingsType(f.Type), nil, true)
	}
}

// fieldsOf lists the YAML settings of t, in the order of only when given.
func fieldsOf(t reflect.Type, only []string) []reflect.StructField {
	var out []reflect.StructField
	if only == nil {
		for i := range t.NumField() {
			out = append(out, t.Field(i))
		}
		return out
	}
	for _, name := range only {
		for i := range t.NumField() {
			if jsonName(t.Field(i)) == name {
				out = append(out, t.Field(i))
			}
		}
	}
	return out
}

// settingsType is the struct type whose settings a field holds (for a list,
// its items'), or nil for values and lists of steps, described elsewhere.
func settingsType(t reflect.Type) reflect.Type {
	t = deref(t)
	if t.Kind() == reflect.Slice && t.Elem() != reflect.TypeFor[Step]() && t.Elem().Kind() == reflect.Struct {
		return reflect.SliceOf(t.Elem())
	}
	if t.Kind() == reflect.Struct && t != onErrorType {
		return t
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// typeText names a setting's type in words, with its allowed values and
// bounds from the same tags the schema is generated from.
func (r *reference) typeText(f reflect.StructField) string {
	text := typeName(f.Type)
	var enum []string
	for _, part := range strings.Split(f.Tag.Get("jsonschema"), ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "enum":
			enum = append(enum, "`"+v+"`")
		case "minimum":
			text += ", at least " + v
		case "maximum":
			text += ", at most " + v
		case "minItems":
			text += ", at least " + v
		}
	}
	if len(enum) > 0 {
		text = "one of " + strings.Join(enum, ", ")
	}
	return text
}

func typeName(t reflect.Type) string {
	switch t {
	case stringListType:
		return "expression or list of expressions"
	case onErrorType:
		return "`fail`, `skip`, `continue` or settings"
	case reflect.TypeFor[[]Step]():
		return "list of steps"
	}
	t = deref(t)
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int:
		return "whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Interface:
		return "any value"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "list of text"
		}
		return "list of settings"
	case reflect.Map:
		if t.Elem().Kind() == reflect.String {
			return "names and text"
		}
		return "names and values"
	}
	return "settings"
}

var defaultRE = regexp.MustCompile(` ?Default:? ([^ ]+(?: [a-z]+)?)\.(?: |$)`)

// splitDefault takes the "Default X." sentence out of a description.
func splitDefault(desc string) (rest, def string) {
	m := defaultRE.FindStringSubmatchIndex(desc)
	if m == nil {
		return desc, ""
	}
	def = "`" + desc[m[2]:m[3]] + "`"
	rest = strings.TrimSpace(desc[:m[0]] + " " + desc[m[1]:])
	return rest, def
}

func escapeCell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
