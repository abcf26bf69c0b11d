package flow

import (
	"fmt"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// WithConnectors fills in what validation asks of the connectors that find
// finds: which actions and event sources exist, and whether a step's
// settings fit its action. Everything that checks flows (the server, the
// API's check while editing, the command line, connector tests) goes
// through it, so they all agree.
func (o Options) WithConnectors(find connector.Finder) Options {
	o.Actions = func(id string) bool { _, ok := find.Action(id); return ok }
	o.ActionInput = func(id string, with map[string]any) []connector.FieldError {
		a, ok := find.Action(id)
		if !ok {
			return nil
		}
		return a.ValidateInput(with)
	}
	o.Sources = find.Trigger
	return o
}

// Options are what validation needs to know beyond the document.
type Options struct {
	// AllowedEnv lists the environment variables flows may read as env.NAME.
	AllowedEnv []string
	// Actions reports whether a connector action such as "postgres.upsert"
	// exists. Nil means no action is known.
	Actions func(name string) bool
	// ActionInput checks a step's settings (its "with") against the
	// action's inputs; each problem is reported at its setting. Nil skips
	// the check.
	ActionInput func(name string, with map[string]any) []connector.FieldError
	// Sources returns the connector trigger an event trigger names (e.g.
	// "redis.stream"). Nil means no source is known.
	Sources func(name string) (connector.Trigger, bool)
	// Connection checks that a step's connection exists and is a
	// connection of the action's connector; nil skips the check.
	Connection func(name, connector string) error
	// ResolveFlow checks that the target of a call step exists; nil skips
	// the check.
	ResolveFlow func(from *Document, name string) error
	// Connector says whether the flow may use a connector (e.g. "chat"
	// for chat.send, "http" for an http step): an error says why not, in
	// plain words. Nil allows every connector.
	Connector func(id string) error
}

// Load parses and validates a flow document: Parse, then Validate.
func Load(filename string, data []byte, opts Options) (*Document, Diagnostics) {
	doc, diags := Parse(filename, data)
	structural := diags
	for _, m := range Validate(doc, opts) {
		if !coveredBy(m.Path, structural) && !(m.kindless && hasChildError(m.Path, structural)) {
			diags = append(diags, m)
		}
	}
	diags.Sort()
	return doc, diags
}

// coveredBy reports whether a structural error was already given for the
// path (or a parent of it), so a broken setting is reported once.
func coveredBy(path string, diags Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == SeverityError && d.Path != "" && (path == d.Path || strings.HasPrefix(path, d.Path+".") || strings.HasPrefix(path, d.Path+"[")) {
			return true
		}
	}
	return false
}

// hasChildError reports whether a structural error was given inside path,
// such as an unknown (misspelt) setting of the object at path.
func hasChildError(path string, diags Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == SeverityError && strings.HasPrefix(d.Path, path+".") {
			return true
		}
	}
	return false
}

// Validate checks what the schema cannot: one kind per step and trigger,
// unique ids, expressions and templates, references to steps, variables and
// fields, durations and cron expressions. It reports every problem at once.
func Validate(doc *Document, opts Options) Diagnostics {
	if doc == nil || doc.Flow == nil {
		return nil
	}
	v := &checker{doc: doc, opts: opts, ids: map[string]string{}, allowedEnv: map[string]bool{}}
	for _, e := range opts.AllowedEnv {
		v.allowedEnv[e] = true
	}
	f := doc.Flow
	if f.Bistro != Version && rawAt(doc.Raw, "bistro") == nil {
		v.errorf("bistro", "", "the flow does not say which document version it is written for")
	}
	v.checkTrigger(&f.Trigger)
	v.checkRun(f)
	v.checkVars(f.Vars)
	v.steps(f.Steps, "steps", place{fields: unknownFields()})
	v.diags.Sort()
	return v.diags
}

// checker holds the state of one validation.
type checker struct {
	doc        *Document
	opts       Options
	diags      Diagnostics
	ids        map[string]string // step id -> path of its first use
	allowedEnv map[string]bool
}

// place is what holds where a step stands: which variables it can read,
// which steps ran before it on the record's path, and the record's fields.
type place struct {
	scope  Scope
	before []string
	fields *fields
}

func (p place) with(id string) place {
	p.before = append(p.before[:len(p.before):len(p.before)], id)
	return p
}

func (v *checker) errorf(path, hint, format string, args ...any) {
	v.report(v.doc.Position(path), path, SeverityError, hint, fmt.Sprintf(format, args...))
}

func (v *checker) warnf(path, hint, format string, args ...any) {
	v.report(v.doc.Position(path), path, SeverityWarning, hint, fmt.Sprintf(format, args...))
}

func (v *checker) report(pos Position, path string, sev Severity, hint, msg string) {
	d := v.doc.diag(pos, path, msg, hint)
	d.Severity = sev
	v.diags = append(v.diags, d)
}

// steps checks a list of steps and returns the place after the last one.
func (v *checker) steps(steps []Step, path string, at place) place {
	at.fields = at.fields.clone()
	for i := range steps {
		at = v.step(&steps[i], indexPath(path, i), at)
	}
	return at
}

func (v *checker) step(s *Step, path string, at place) place {
	name := v.doc.stepName(path)
	v.checkID(s.ID, path)
	if s.When != "" {
		v.condition(path+".when", s.When, name, at)
	}
	v.checkRetry(s.Retry, path, name)
	if s.OnError != nil {
		v.checkOnError(s.OnError, path+".on_error", at)
	}
	kinds := stepKinds(s)
	switch {
	case len(kinds) == 0:
		// A kind whose value was broken has been reported by the schema
		// check and left out of the decoded step.
		if !hasKindKey(rawAt(v.doc.Raw, path)) {
			v.errorf(path, "add one of: "+strings.Join(kindNames, ", "), "%s does nothing", name)
			v.diags[len(v.diags)-1].kindless = true
		}
		return at.with(s.ID)
	case len(kinds) > 1:
		v.errorf(path, "", "%s has both '%s' and '%s': split it into two steps", name, kinds[0], kinds[1])
	}
	next := v.kind(s, kinds[0], path, name, at)
	next.scope = at.scope
	return next.with(s.ID)
}

// kindNames are the step kinds, for the hint of a step that does nothing.
var kindNames = []string{"set", "filter", "if", "switch", "for_each", "join", "sort", "dedupe", "group",
	"limit", "split", "call", "stop", "respond", "fail", "log", "http", "action"}

// stepKinds lists the kinds a step has, in the order of kindNames.
func stepKinds(s *Step) []string {
	has := map[string]bool{
		"set":    s.Set != nil || s.Rename != nil || s.Remove != nil || s.Keep != nil,
		"filter": s.Filter != nil, "if": s.If != nil, "switch": s.Switch != nil,
		"for_each": s.ForEach != nil, "join": s.Join != nil, "sort": s.Sort != nil,
		"dedupe": s.Dedupe != nil, "group": s.Group != nil, "limit": s.Limit != nil,
		"split": s.Split != nil, "call": s.Call != nil, "stop": s.Stop != nil,
		"respond": s.Respond != nil, "fail": s.Fail != nil, "log": s.Log != nil,
		"http": s.HTTP != nil, "action": s.Action != "" || s.Connection != "" || s.With != nil,
	}
	var out []string
	for _, k := range kindNames {
		if has[k] {
			out = append(out, k)
		}
	}
	return out
}

// kindKeys are the settings that give a step its kind.
var kindKeys = []string{"set", "rename", "remove", "keep", "filter", "if", "switch", "for_each", "join", "sort",
	"dedupe", "group", "limit", "split", "call", "stop", "respond", "fail", "log", "http", "action", "connection", "with"}

// hasKindKey reports whether a step, as written, has a kind setting.
func hasKindKey(raw any) bool {
	m, _ := raw.(map[string]any)
	for _, k := range kindKeys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func (v *checker) checkID(id, path string) {
	if id == "" || !idPattern.MatchString(id) {
		return // the schema has reported it
	}
	if first, dup := v.ids[id]; dup {
		line := v.doc.Position(first).Line
		v.errorf(path+".id", fmt.Sprintf("ids must be unique in the whole flow; the first is on line %d", line),
			"there are two steps with the id '%s'", id)
		return
	}
	v.ids[id] = path + ".id"
}
