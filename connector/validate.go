package connector

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// FieldError is one problem with one setting, worded for the person filling
// in the form. Field is the setting's path, nested names joined with dots
// and list positions in brackets (e.g. "auth.basic.username", "tags[2]").
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// The codes of FieldError, stable for programs that react to them.
const (
	CodeRequired = "required" // a required setting is missing
	CodeUnknown  = "unknown"  // there is no setting of that name
	CodeType     = "type"     // the value is of the wrong kind
	CodeEnum     = "enum"     // the value is not one of the allowed ones
)

// Error returns the message, so a FieldError can be returned as an error.
func (e FieldError) Error() string { return e.Message }

// ValidateConfig checks a connection's settings against the spec and
// returns every problem, ordered by field. It returns nil when all is well.
func (s Spec) ValidateConfig(config map[string]any) []FieldError {
	v := validator{}
	v.object("", s.Config, config)
	return v.sorted()
}

// ValidateInput checks a step's settings against the action's input fields.
// A text holding a template ("{{ record.id }}") is accepted for a field of
// any type: its value is only known when the flow runs.
func (a Action) ValidateInput(input map[string]any) []FieldError {
	v := validator{templates: true}
	v.object("", a.Input, input)
	return v.sorted()
}

type validator struct {
	templates bool
	errs      []FieldError
}

func (v *validator) add(path, code, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) sorted() []FieldError {
	slices.SortStableFunc(v.errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return v.errs
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// object checks named values against fields: unknown names, missing
// required ones and each value's kind.
func (v *validator) object(path string, fields []Field, values map[string]any) {
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Name] = true
		value, ok := values[f.Name]
		if !ok || value == nil {
			if f.Required {
				v.add(join(path, f.Name), CodeRequired, "'%s' is required: %s", join(path, f.Name), lowerFirst(f.Help))
			}
			continue
		}
		v.value(join(path, f.Name), f, value)
	}
	for name := range values {
		if !known[name] {
			v.add(join(path, name), CodeUnknown, "there is no setting '%s'%s", join(path, name), choices(fields))
		}
	}
}

func choices(fields []Field) string {
	if len(fields) == 0 {
		return ""
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return "; the settings here are " + strings.Join(names, ", ")
}

// value checks one value against its field.
func (v *validator) value(path string, f Field, value any) {
	if text, ok := value.(string); ok && v.templates && strings.Contains(text, "{{") {
		return
	}
	switch f.Type {
	case String, Text:
		v.expect(path, isString(value), "text")
	case Int:
		v.expect(path, isWhole(value), "a whole number")
	case Number:
		_, ok := number(value)
		v.expect(path, ok, "a number")
	case Bool:
		_, ok := value.(bool)
		v.expect(path, ok, "true or false")
	case Duration:
		v.duration(path, value)
	case Enum:
		v.enum(path, f, value)
	case List:
		v.list(path, f, value)
	case Object:
		v.nested(path, f, value)
	}
}

func (v *validator) expect(path string, ok bool, what string) {
	if !ok {
		v.add(path, CodeType, "'%s' must be %s", path, what)
	}
}

func (v *validator) duration(path string, value any) {
	text, ok := value.(string)
	if ok {
		_, err := time.ParseDuration(text)
		ok = err == nil
	}
	v.expect(path, ok, "a length of time such as 30s, 5m or 1h30m")
}

func (v *validator) enum(path string, f Field, value any) {
	text, ok := value.(string)
	if !ok || !slices.Contains(f.Enum, text) {
		v.add(path, CodeEnum, "'%s' must be one of %s", path, strings.Join(f.Enum, ", "))
	}
}

func (v *validator) list(path string, f Field, value any) {
	items, ok := value.([]any)
	if !ok {
		v.add(path, CodeType, "'%s' must be a list", path)
		return
	}
	if f.Items == nil {
		return
	}
	for i, item := range items {
		if item != nil {
			v.value(fmt.Sprintf("%s[%d]", path, i), *f.Items, item)
		}
	}
}

func (v *validator) nested(path string, f Field, value any) {
	values, ok := value.(map[string]any)
	if !ok {
		v.add(path, CodeType, "'%s' must be a group of named settings", path)
		return
	}
	if len(f.Fields) > 0 {
		v.object(path, f.Fields, values)
		return
	}
	if f.Items == nil {
		return
	}
	for name, item := range values {
		if item != nil {
			v.value(join(path, name), *f.Items, item)
		}
	}
}

func isString(value any) bool {
	_, ok := value.(string)
	return ok
}

// number reads the numeric kinds JSON and YAML decoders produce.
func number(value any) (float64, bool) {
	switch n := value.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint32:
		return float64(n), true
	}
	return 0, false
}

func isWhole(value any) bool {
	n, ok := number(value)
	return ok && n == math.Trunc(n) && !math.IsInf(n, 0)
}

func lowerFirst(s string) string {
	if s == "" {
		return "give a value"
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// WithDefaults returns a copy of a connection's settings with the default
// of every setting that is not given filled in, in nested objects too.
func (s Spec) WithDefaults(config map[string]any) map[string]any {
	return withDefaults(s.Config, config)
}

// WithDefaults returns a copy of a step's settings with the default of
// every setting that is not given filled in, in nested objects too.
func (a Action) WithDefaults(input map[string]any) map[string]any {
	return withDefaults(a.Input, input)
}

func withDefaults(fields []Field, values map[string]any) map[string]any {
	out := make(map[string]any, len(values)+len(fields))
	for k, v := range values {
		out[k] = v
	}
	for _, f := range fields {
		v, ok := out[f.Name]
		switch {
		case (!ok || v == nil) && f.Default != nil:
			out[f.Name] = f.Default
		case f.Type == Object && len(f.Fields) > 0:
			if m, isMap := v.(map[string]any); isMap {
				out[f.Name] = withDefaults(f.Fields, m)
			}
		}
	}
	return out
}

// ValidateInput checks a trigger's settings against its input fields.
// Templates are not evaluated for triggers: every value must be given as it is.
func (t Trigger) ValidateInput(input map[string]any) []FieldError {
	v := validator{}
	v.object("", t.Input, input)
	return v.sorted()
}

// WithDefaults returns a copy of a trigger's settings with defaults filled in.
func (t Trigger) WithDefaults(input map[string]any) map[string]any {
	return withDefaults(t.Input, input)
}

// Trigger returns the trigger with the given name (without the
// connector's prefix).
func (s Spec) Trigger(name string) (Trigger, bool) {
	for _, t := range s.Triggers {
		if t.Name == name {
			return t, true
		}
	}
	return Trigger{}, false
}
