package flow

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// checkSchema validates the plain values against the flow schema and turns
// every error into a plain-words diagnostic.
func (d *Document) checkSchema(raw any) Diagnostics {
	s, _ := schemaOnce()
	err := s.compiled.Validate(raw)
	var ve *validator.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return nil
	}
	var diags Diagnostics
	seen := map[string]bool{}
	for _, dg := range d.translate(ve, s.tree) {
		k := fmt.Sprintf("%d:%d:%s", dg.Line, dg.Column, dg.Message)
		if !seen[k] {
			seen[k] = true
			diags = append(diags, dg)
		}
	}
	return diags
}

// translate walks the error tree and words each leaf.
func (d *Document) translate(ve *validator.ValidationError, tree map[string]any) Diagnostics {
	switch ve.ErrorKind.(type) {
	case *kind.AnyOf:
		return d.anyOf(ve, tree)
	case *kind.Group, *kind.Schema, *kind.Reference, *kind.AllOf, *kind.Not:
		var out Diagnostics
		for _, c := range ve.Causes {
			out = append(out, d.translate(c, tree)...)
		}
		return out
	}
	return d.leaf(ve, tree)
}

// anyOf gives one message for a value that matches none of its forms: the
// problems inside the form of the value's own type, or else what types it
// may be.
func (d *Document) anyOf(ve *validator.ValidationError, tree map[string]any) Diagnostics {
	var wants []string
	for _, c := range ve.Causes {
		if t, ok := typeMismatch(c, len(ve.InstanceLocation)); ok {
			wants = append(wants, t.Want...)
			continue
		}
		return d.translate(c, tree)
	}
	path := d.instancePath(ve.InstanceLocation)
	got := jsonType(rawAt(d.Raw, path))
	msg := fmt.Sprintf("%s must be %s, not %s", d.valueName(path), typeWords(wants), typeWord(got))
	return Diagnostics{d.diag(d.Position(path), path, msg, "")}
}

// typeMismatch reports whether a branch failed only because the value has
// another type.
func typeMismatch(c *validator.ValidationError, depth int) (*kind.Type, bool) {
	if t, ok := c.ErrorKind.(*kind.Type); ok && len(c.InstanceLocation) == depth {
		return t, true
	}
	if _, ok := c.ErrorKind.(*kind.Group); ok && len(c.Causes) == 1 {
		return typeMismatch(c.Causes[0], depth)
	}
	return nil, false
}

func (d *Document) leaf(ve *validator.ValidationError, tree map[string]any) Diagnostics {
	path := d.instancePath(ve.InstanceLocation)
	at := func(msg, hint string) Diagnostics {
		return Diagnostics{d.diag(d.Position(path), path, msg, hint)}
	}
	name := d.valueName(path)
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		return d.unknownSettings(path, k.Properties, allowedNames(tree, ve.SchemaURL))
	case *kind.Required:
		return d.missing(path, k.Missing)
	case *kind.Type:
		if path == "" {
			return at("a flow must be a set of settings (bistro, name, trigger, steps), not "+typeWord(k.Got), "")
		}
		got := jsonType(rawAt(d.Raw, path))
		return at(fmt.Sprintf("%s must be %s, not %s", name, typeWords(k.Want), typeWord(got)), "")
	case *kind.Enum:
		return d.badEnum(path, k)
	case *kind.Pattern:
		return d.badPattern(path, k)
	case *kind.MinItems:
		if path == "steps" {
			return at("the flow has no steps", "add at least one step under 'steps'")
		}
		return at(fmt.Sprintf("%s needs at least %d %s", name, k.Want, plural(k.Want, "entry", "entries")), "")
	case *kind.MinLength:
		return at(fmt.Sprintf("%s must not be empty", name), "")
	case *kind.Minimum:
		return at(fmt.Sprintf("%s must be at least %s (got %s)", name, ratText(k.Want), ratText(k.Got)), "")
	case *kind.Maximum:
		return at(fmt.Sprintf("%s must be at most %s (got %s)", name, ratText(k.Want), ratText(k.Got)), "")
	case *kind.FalseSchema:
		return d.unknownSettings(parentPath(path), []string{lastKey(path)}, nil)
	}
	return at(fmt.Sprintf("%s is not valid: %v", name, ve.ErrorKind), "")
}

func (d *Document) unknownSettings(path string, props, allowed []string) Diagnostics {
	var out Diagnostics
	for _, p := range props {
		kp := joinPath(path, p)
		msg := fmt.Sprintf("unknown setting '%s'%s", p, d.inside(path))
		if path == "" {
			msg = fmt.Sprintf("unknown setting '%s' at the top of the flow", p)
		}
		hint := didYouMean(p, allowed)
		if hint == "" && len(allowed) > 0 {
			hint = "allowed here: " + quoteList(allowed)
		}
		out = append(out, d.diag(d.KeyPosition(kp), kp, msg, hint))
	}
	return out
}

func (d *Document) missing(path string, names []string) Diagnostics {
	var out Diagnostics
	for _, n := range names {
		var msg, hint string
		switch {
		case path == "":
			msg = fmt.Sprintf("the flow has no '%s'", n)
			hint = missingHint[n]
		case stepPath(path) == path:
			msg = fmt.Sprintf("%s has no '%s'", d.stepName(path), n)
			if n == "id" {
				hint = "give every step an id such as 'clean_lead', so it can be named in messages and read as steps.ID"
			}
		default:
			msg = fmt.Sprintf("%s has no '%s'", d.valueName(path), n)
		}
		out = append(out, d.diag(d.Position(path), joinPath(path, n), msg, hint))
	}
	return out
}

var missingHint = map[string]string{
	"bistro":  "start the file with 'bistro: 1'",
	"name":    "add a name, e.g. 'name: New lead to CRM'",
	"trigger": "add a trigger, e.g. 'trigger: { manual: {} }'",
	"steps":   "add a list of steps under 'steps'",
}

func (d *Document) badEnum(path string, k *kind.Enum) Diagnostics {
	pos := d.Position(path)
	if path == "bistro" {
		return Diagnostics{d.diag(pos, path,
			fmt.Sprintf("this file says 'bistro: %v', but only document version %d is supported", k.Got, Version),
			fmt.Sprintf("write 'bistro: %d'", Version))}
	}
	want := make([]string, len(k.Want))
	for i, w := range k.Want {
		want[i] = fmt.Sprint(w)
	}
	msg := fmt.Sprintf("%s must be one of: %s (got '%v')", d.valueName(path), strings.Join(want, ", "), k.Got)
	hint := ""
	if s, ok := k.Got.(string); ok {
		hint = didYouMean(s, want)
	}
	return Diagnostics{d.diag(pos, path, msg, hint)}
}

var notIDChar = regexp.MustCompile(`[^a-z0-9_]+`)

func (d *Document) badPattern(path string, k *kind.Pattern) Diagnostics {
	if lastKey(path) != "id" {
		return Diagnostics{d.diag(d.Position(path), path,
			fmt.Sprintf("%s is not in the expected form (got '%s')", d.valueName(path), k.Got), "")}
	}
	msg := fmt.Sprintf("the step id '%s' may only use lower case letters, digits and _, starting with a letter", k.Got)
	hint := ""
	if s := suggestID(k.Got); s != "" {
		hint = fmt.Sprintf("use '%s'", s)
	}
	return Diagnostics{d.diag(d.Position(path), path, msg, hint)}
}

// suggestID turns "Send Email" into "send_email".
func suggestID(s string) string {
	s = strings.Trim(notIDChar.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if s == "" {
		return ""
	}
	if s[0] < 'a' || s[0] > 'z' {
		s = "step_" + s
	}
	return s
}

// instancePath turns the validator's location into a document path.
func (d *Document) instancePath(loc []string) string {
	path := ""
	cur := d.Raw
	for _, seg := range loc {
		if list, ok := cur.([]any); ok {
			i, _ := strconv.Atoi(seg)
			path = indexPath(path, i)
			if i >= 0 && i < len(list) {
				cur = list[i]
			}
			continue
		}
		path = joinPath(path, seg)
		if m, ok := cur.(map[string]any); ok {
			cur = m[seg]
		}
	}
	return path
}

// allowedNames lists the properties of the schema object whose
// additionalProperties keyword failed, for did-you-mean hints.
func allowedNames(tree map[string]any, url string) []string {
	_, frag, _ := strings.Cut(url, "#")
	frag = strings.TrimSuffix(frag, "/additionalProperties")
	var cur any = tree
	for _, p := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if p == "" {
			continue
		}
		switch v := cur.(type) {
		case map[string]any:
			cur = v[p]
		case []any:
			i, _ := strconv.Atoi(p)
			if i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		}
	}
	obj, _ := cur.(map[string]any)
	props, _ := obj["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	return names
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64, int:
		return "integer"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

var typeWordMap = map[string]string{
	"string":  "text",
	"integer": "a whole number",
	"number":  "a number",
	"boolean": "true or false",
	"array":   "a list",
	"object":  "a set of 'name: value' settings",
	"null":    "empty",
}

func typeWord(t string) string {
	if w, ok := typeWordMap[t]; ok {
		return w
	}
	return t
}

func typeWords(ts []string) string {
	var words []string
	seen := map[string]bool{}
	for _, t := range ts {
		if w := typeWord(t); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func ratText(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
