package flow

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// kind checks the settings of the step's kind and returns the place after
// the step.
func (v *checker) kind(s *Step, k, path, name string, at place) place {
	switch k {
	case "set":
		return v.setStep(s, path, name, at)
	case "filter":
		v.condition(path+".filter", *s.Filter, name, at)
	case "if":
		v.condition(path+".if.condition", s.If.Condition, name, at)
		a := v.steps(s.If.Then, path+".if.then", at)
		b := v.steps(s.If.Else, path+".if.else", at)
		at.fields = merge(a.fields, b.fields)
	case "switch":
		branches := []*fields{}
		for i, c := range s.Switch.Cases {
			cp := fmt.Sprintf("%s.switch.cases[%d]", path, i)
			v.condition(cp+".when", c.When, name, at)
			branches = append(branches, v.steps(c.Steps, cp+".steps", at).fields)
		}
		if s.Switch.Default != nil {
			branches = append(branches, v.steps(s.Switch.Default, path+".switch.default", at).fields)
		} else {
			branches = append(branches, at.fields)
		}
		at.fields = merge(branches...)
	case "for_each":
		return v.forEach(s.ForEach, path+".for_each", name, at)
	case "join":
		return v.join(s.Join, path+".join", name, at)
	case "sort":
		v.keys(path+".sort.by", s.Sort.By, name, at)
	case "dedupe":
		v.keys(path+".dedupe.by", s.Dedupe.By, name, at)
	case "group":
		return v.group(s, path+".group", name, at)
	case "split":
		v.expression(path+".split.items", s.Split.Items, name, at)
		at.fields = unknownFields()
		if s.Split.As != "" {
			v.fieldName(path+".split.as", s.Split.As)
			at.fields = at.fields.clone()
		}
	case "call":
		v.call(s.Call, path+".call", name, at)
		at.fields = intoField(at.fields, s.Call.Into)
	case "stop":
		v.template(path+".stop", *s.Stop, name, at)
	case "fail":
		v.template(path+".fail", *s.Fail, name, at)
	case "log":
		v.template(path+".log", *s.Log, name, at)
	case "respond":
		v.value(path+".respond.headers", stringMap(s.Respond.Headers), name, at)
		v.value(path+".respond.body", s.Respond.Body, name, at)
	case "http":
		v.http(s.HTTP, path+".http", name, at)
		at.fields = intoField(at.fields, s.HTTP.Into)
	case "action":
		v.action(s, path, name, at)
		at.fields = unknownFields()
	}
	return at
}

// intoField is the record's fields after a step that puts its result into
// a field, or replaces the record when into is empty.
func intoField(f *fields, into string) *fields {
	if into == "" {
		return unknownFields()
	}
	f = f.clone()
	f.add(into)
	return f
}

func (v *checker) setStep(s *Step, path, name string, at place) place {
	out := at.fields.clone()
	for _, k := range sortedKeys(s.Set) {
		v.value(joinPath(path+".set", k), s.Set[k], name, at)
		out.add(k)
	}
	for _, old := range sortedStrings(s.Rename) {
		v.fieldName(joinPath(path+".rename", old), s.Rename[old])
		out.remove(old, s.ID)
		out.add(s.Rename[old])
	}
	for _, f := range s.Remove {
		out.remove(f, s.ID)
	}
	if s.Keep != nil {
		kept := knownFields()
		for _, f := range s.Keep {
			if out.has(f) {
				kept.add(f)
			}
		}
		for f, by := range out.removed {
			kept.removed[f] = by
		}
		out = kept
	}
	at.fields = out
	return at
}

func (v *checker) forEach(fe *ForEach, path, name string, at place) place {
	v.expression(path+".items", fe.Items, name, at)
	inner := at
	inner.scope.Loop = true
	inner.fields = unknownFields()
	res := v.steps(fe.Steps, path+".steps", inner)
	if fe.Into != "" {
		v.fieldName(path+".into", fe.Into)
		at.fields = intoField(at.fields, fe.Into)
		return at
	}
	at.fields = res.fields
	return at
}

func (v *checker) join(j *Join, path, name string, at place) place {
	other := v.steps(j.Steps, path+".steps", place{scope: at.scope, fields: unknownFields()})
	v.expression(path+".on.left", j.On.Left, name, at)
	right := other
	right.scope = at.scope
	v.expression(path+".on.right", j.On.Right, name, right)
	if j.Into != "" {
		v.fieldName(path+".into", j.Into)
		at.fields = intoField(at.fields, j.Into)
		return at
	}
	if !other.fields.known {
		at.fields = unknownFields()
		return at
	}
	at.fields = merge(at.fields, other.fields)
	return at
}

func (v *checker) group(s *Step, path, name string, at place) place {
	g := s.Group
	out := knownFields()
	for _, k := range sortedStrings(g.By) {
		v.expression(joinPath(path+".by", k), g.By[k], name, at)
		out.add(k)
	}
	for _, k := range sortedStrings(g.Fields) {
		p := joinPath(path+".fields", k)
		fn, arg, err := ParseAggregate(g.Fields[k])
		switch {
		case errors.Is(err, ErrNotAggregate):
			v.errorf(p, "use one of "+AggregateHint, "'%s' in %s is not an aggregate", strings.TrimSpace(g.Fields[k]), name)
		case err != nil:
			v.errorf(p, "", "'%s' in %s: %v", strings.TrimSpace(g.Fields[k]), name, err)
		case fn != "count":
			col := len(fn) + 2 + indexNonSpace(g.Fields[k])
			v.expressionAt(p, arg, name, at, col)
		}
		out.add(k)
	}
	// After a group each record stands for many: the steps before it no
	// longer describe one record.
	return place{scope: at.scope, fields: out}
}

func (v *checker) keys(path string, by StringList, name string, at place) {
	if len(by) == 1 {
		if _, isList := rawAt(v.doc.Raw, path).([]any); !isList {
			v.expression(path, by[0], name, at)
			return
		}
	}
	for i, e := range by {
		v.expression(indexPath(path, i), e, name, at)
	}
}

func (v *checker) call(c *Call, path, name string, at place) {
	if c.Flow == "" {
		v.errorf(path+".flow", "give the path of the flow file to run, e.g. flows/notify.yaml", "%s does not say which flow to call", name)
	} else if v.opts.ResolveFlow != nil {
		if err := v.opts.ResolveFlow(v.doc, c.Flow); err != nil {
			v.errorf(path+".flow", "", "%s calls the flow '%s', which cannot be found: %v", name, c.Flow, err)
		}
	}
	if c.Input != nil {
		v.value(path+".input", c.Input, name, at)
	}
	if c.Into != "" {
		v.fieldName(path+".into", c.Into)
	}
}

func (v *checker) action(s *Step, path, name string, at place) {
	if s.Action == "" {
		v.errorf(path, "add 'action: connector.action', e.g. postgres.upsert", "%s has a connection or settings but no 'action'", name)
	} else if v.opts.Actions == nil || !v.opts.Actions(s.Action) {
		v.errorf(path+".action", "run 'bistro connectors list' to see the actions there are", "unknown action '%s' in %s", s.Action, name)
	} else {
		v.allowed(path+".action", ConnectorOf(s.Action), name)
		if v.opts.ActionInput != nil {
			for _, fe := range v.opts.ActionInput(s.Action, s.With) {
				v.errorf(withPath(path, fe.Field), "run 'bistro connectors show "+ConnectorOf(s.Action)+"' to see the settings", "%s: %s", name, fe.Message)
			}
		}
		if v.opts.Connection != nil && s.Connection != "" {
			if err := v.opts.Connection(s.Connection, ConnectorOf(s.Action)); err != nil {
				v.errorf(path+".connection", "run 'bistro connection list' to see the connections there are", "%s: %v", name, err)
			}
		}
	}
	if s.With != nil {
		v.value(path+".with", s.With, name, at)
	}
}

// allowed reports a connector the workspace may not use, at path.
func (v *checker) allowed(path, id, name string) {
	if v.opts.Connector == nil {
		return
	}
	if err := v.opts.Connector(id); err != nil {
		v.errorf(path, "ask for access on the Connectors page, or with 'bistro connectors request "+id+" --reason ...'", "%s: %v", name, err)
	}
}

// withPath is where a problem with the setting field of a step's "with" is.
func withPath(step, field string) string {
	if field == "" {
		return step + ".with"
	}
	return step + ".with." + field
}

// ConnectorOf is the connector part of an action's or event source's
// name: "postgres" of "postgres.upsert".
func ConnectorOf(action string) string {
	name, _, _ := strings.Cut(action, ".")
	return name
}

func sortedStrings(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func stringMap(m map[string]string) any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, s := range m {
		out[k] = s
	}
	return out
}

func indexNonSpace(s string) int {
	for i, r := range s {
		if r != ' ' && r != '\t' {
			return i
		}
	}
	return 0
}
