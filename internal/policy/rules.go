package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// apply checks a destination against every rule that applies in the
// workspace.
func (r *run) apply(f *frame, d Destination, path string) {
	for _, rule := range r.set.Rules {
		if !rule.appliesIn(r.env.Workspace) {
			continue
		}
		switch {
		case rule.Deny != nil:
			r.deny(f, rule, d, path)
		case rule.Only != nil:
			r.only(f, rule, d)
		case rule.Hosts != nil:
			r.hosts(f, rule, d, path)
		}
	}
}

func (r *run) deny(f *frame, rule Rule, d Destination, path string) {
	match, later := r.denies(rule.Deny.To, d)
	for _, class := range rule.Deny.Classes {
		found := reachesOf(d, class)
		switch {
		case len(found) == 0:
		case match:
			r.violate(f, rule, d, class, found, fmt.Sprintf("%s sends %s to %s; rule '%s' forbids it",
				stepName(d), r.what(class, found), d.Target, rule.title()))
		case later:
			r.warn(f, d.Step, path, fmt.Sprintf("%s sends %s to %s; rule '%s' is checked against the host before each request",
				stepName(d), r.what(class, found), d.Target, rule.title()))
		}
	}
}

// denies reports whether a destination is one of the targets, or may be
// one once its host is known at run time.
func (r *run) denies(t Targets, d Destination) (match, later bool) {
	switch {
	case slices.Contains(t.Kinds, d.Kind),
		d.Connector != "" && slices.Contains(t.Connectors, d.Connector),
		d.Connection != "" && slices.Contains(t.Connections, d.Connection):
		return true, false
	}
	for _, g := range t.Groups {
		if grp, ok := r.set.Group(g); ok && d.Connector != "" && slices.Contains(grp.Connectors, d.Connector) {
			return true, false
		}
	}
	for _, h := range d.Hosts {
		if _, ok := matchAny(t.Hosts, h); ok {
			return true, false
		}
	}
	return false, len(t.Hosts) > 0 && d.RunTime
}

func (r *run) only(f *frame, rule Rule, d Destination) {
	if d.Kind == KindCall {
		return // the called flow's own destinations are checked
	}
	if _, ok := hasLabel(d.Labels, rule.Only.Labels); ok && d.Connection != "" {
		return
	}
	for _, class := range rule.Only.Classes {
		if found := reachesOf(d, class); len(found) > 0 {
			r.violate(f, rule, d, class, found, fmt.Sprintf("%s sends %s to %s; rule '%s' allows %s only to connections labelled %s",
				stepName(d), r.what(class, found), d.Target, rule.title(), r.set.ClassName(class), orList(rule.Only.Labels)))
		}
	}
}

func (r *run) hosts(f *frame, rule Rule, d Destination, path string) {
	if d.Connector == "" || !slices.Contains(cmpList(rule.Hosts.Connectors, []string{"http"}), d.Connector) {
		return
	}
	if d.RunTime {
		r.warn(f, d.Step, path, fmt.Sprintf("%s calls %s; rule '%s' is checked against the host before each request",
			stepName(d), d.Target, rule.title()))
		return
	}
	for _, h := range d.Hosts {
		if _, ok := matchAny(rule.Hosts.Allow, h); !ok {
			v := Violation{Rule: rule.ID, RuleName: rule.title(), Step: d.Step, Flow: d.Flow, Location: d.Location,
				Message: fmt.Sprintf("%s calls %s; rule '%s' allows only %s", stepName(d), h, rule.title(), hostList(rule.Hosts.Allow))}
			r.rep.Violations = append(r.rep.Violations, v)
		}
	}
}

func (r *run) violate(f *frame, rule Rule, d Destination, class string, found []Reach, msg string) {
	r.rep.Violations = append(r.rep.Violations, Violation{Rule: rule.ID, RuleName: rule.title(), Step: d.Step, Flow: f.name,
		Class: class, Message: msg, Path: found[0].Path, Location: d.Location})
}

// schedule checks the schedule rules against the flow's schedule.
func (r *run) schedule(f *frame) {
	sch := f.doc.Flow.Trigger.Schedule
	if sch == nil {
		return
	}
	every, how, path, ok := scheduleInterval(sch)
	if !ok {
		return // the validator reports a schedule that does not parse
	}
	for _, rule := range r.set.Rules {
		if rule.Schedule == nil || !rule.appliesIn(r.env.Workspace) {
			continue
		}
		limit, err := time.ParseDuration(rule.Schedule.MinInterval)
		if err != nil || every >= limit {
			continue
		}
		where := ""
		if len(rule.Workspaces) > 0 {
			where = " in workspace " + r.env.Workspace
		}
		r.rep.Violations = append(r.rep.Violations, Violation{Rule: rule.ID, RuleName: rule.title(), Location: r.location(f, path),
			Message: fmt.Sprintf("The schedule %s; rule '%s' allows no schedule more often than every %s%s",
				how, rule.title(), duration(limit), where)})
	}
}

// reachesOf lists the reaches of a class.
func reachesOf(d Destination, class string) []Reach {
	var out []Reach
	for _, re := range d.Reaches {
		if re.Class == class {
			out = append(out, re)
		}
	}
	return out
}

// what says which data, in plain words: "personal data (field email,
// from connection hr-db)".
func (r *run) what(class string, found []Reach) string {
	var parts []string
	var order []string
	fields := map[string][]string{}
	for _, re := range found {
		if _, ok := fields[re.Source]; !ok {
			order = append(order, re.Source)
			fields[re.Source] = nil
		}
		if re.Field != "" {
			fields[re.Source] = appendNew(fields[re.Source], re.Field)
		}
	}
	for _, src := range order {
		switch fs := fields[src]; len(fs) {
		case 0:
			parts = append(parts, "from "+src)
		case 1:
			parts = append(parts, "field "+fs[0]+", from "+src)
		default:
			parts = append(parts, "fields "+andList(fs)+", from "+src)
		}
	}
	return r.set.ClassName(class) + " (" + strings.Join(parts, "; ") + ")"
}

// stepName names a destination's step at the start of a sentence.
func stepName(d Destination) string {
	if d.Flow == "" {
		return "Step '" + d.Step + "'"
	}
	return fmt.Sprintf("Step '%s' of the flow '%s' (called by step '%s')", d.Step, d.Flow, strings.Join(d.CalledBy, "' → '"))
}

func andList(items []string) string { return joinList(items, "and") }

func orList(items []string) string { return joinList(items, "or") }

func joinList(items []string, word string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + word + " " + items[len(items)-1]
}

// hostList says which hosts a hosts rule allows.
func hostList(patterns []string) string {
	if slices.Contains(patterns, "*") {
		return "every host"
	}
	return "hosts matching " + orList(patterns)
}

// duration writes a duration the way people do: 5m, 1h30m, 45s.
func duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
