package policy

import (
	"fmt"
	"slices"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/flow"
)

// maxCallDepth is how deep the check follows flows that call flows.
const maxCallDepth = 8

// Check reads the flow as a graph and works out, for every destination,
// which classes of data can reach it and along which path, and which
// rules of the set the flow breaks. doc is a parsed flow (flow.Parse or
// flow.Load); a document too broken to decode gives an empty report.
//
// Classes are tracked per field where the flow makes fields explicit
// (set, rename, remove, keep, group, mappings into a call) and per record
// otherwise, so the result is never less safe than tracking per record.
// Conditions (filter, if, when) are not data flows: a record dropped by
// a filter on personal data carries no personal data.
func (s Set) Check(doc *flow.Document, env Env) Report {
	rep := Report{Workspace: env.Workspace, Destinations: []Destination{}, Violations: []Violation{}}
	if doc == nil || doc.Flow == nil {
		return rep
	}
	rep.Flow, rep.File = doc.Flow.Name, doc.File
	r := &run{set: s, env: env, rep: &rep, sources: map[source]*source{}, specs: map[string]specFound{}}
	f := r.frame(doc, "", nil)
	f.input = r.triggerInput(f)
	r.vars(f)
	r.steps(f, doc.Flow.Steps, "steps", place{rec: f.input})
	r.schedule(f)
	rep.Suggestions = exampleSuggestions(doc.Flow.Trigger)
	return rep
}

// run is one check.
type run struct {
	set     Set
	env     Env
	rep     *Report
	events  []event // declassifications so far, in order
	stack   []string
	sources map[source]*source
	specs   map[string]specFound // Env.Connectors, asked once per connector
}

type specFound struct {
	spec connector.Spec
	ok   bool
}

// spec returns a connector's spec through Env.Connectors.
func (r *run) spec(name string) (connector.Spec, bool) {
	if r.env.Connectors == nil {
		return connector.Spec{}, false
	}
	if f, ok := r.specs[name]; ok {
		return f.spec, f.ok
	}
	s, ok := r.env.Connectors(name)
	r.specs[name] = specFound{s, ok}
	return s, ok
}

// event is a declassification with the taint it took off.
type event struct{ key key }

// frame is one flow being walked: the checked flow or a called one.
type frame struct {
	doc      *flow.Document
	name     string   // "" for the checked flow
	calledBy []string // the call steps that lead here
	input    *state
	vars     map[string]taints
	steps    map[string]*state // what each step passed on, for steps.ID
}

func (r *run) frame(doc *flow.Document, name string, calledBy []string) *frame {
	return &frame{doc: doc, name: name, calledBy: calledBy, vars: map[string]taints{}, steps: map[string]*state{}}
}

// place is where a step stands: the record it gets and what else its
// expressions can read.
type place struct {
	rec    *state
	parent *state // loop.parent inside a for_each
	errs   *state // error inside an on_error branch
	resp   taints // response inside an HTTP step
}

// source returns the one source for a connection read by a step.
func (r *run) source(connection, step, flowName string) *source {
	k := source{connection: connection, step: step, flow: flowName}
	if s, ok := r.sources[k]; ok {
		return s
	}
	s := &k
	r.sources[k] = s
	return s
}

// labelled is the state of records read from a source with labels.
func (r *run) labelled(src *source, labels []string, at *hop) *state {
	l := r.set.readLabels(labels)
	st := &state{}
	for _, c := range l.whole {
		st.other = append(st.other, taint{class: c, src: src, path: at})
	}
	for _, name := range sortedKeys(l.fields) {
		var ts taints
		for _, c := range l.fields[name] {
			ts = append(ts, taint{class: c, src: src, field: name, path: at})
		}
		st.set(name, ts)
	}
	return st
}

// triggerInput is what the trigger gives the first step: the input as
// Env.Input labels it, and the data of an event trigger's connection. A
// schedule gives one empty record.
func (r *run) triggerInput(f *frame) *state {
	if f.doc.Flow.Trigger.Schedule != nil {
		return emptyState()
	}
	start := &hop{step: "trigger"}
	in := r.labelled(r.source("", "", ""), r.env.Input, start)
	if ev := f.doc.Flow.Trigger.Event; ev != nil && ev.Connection != "" {
		c, ok := r.connection(f, ev.Connection, "trigger.event.connection", "")
		if ok {
			in = merge(in, r.labelled(r.source(ev.Connection, "", ""), c.Labels, start))
		}
		in.known = false
	}
	return in
}

// connection returns what Env says of a connection, warning when it says
// nothing.
func (r *run) connection(f *frame, name, path, step string) (Connection, bool) {
	c, ok := r.env.Connections[name]
	if !ok {
		r.warn(f, step, path, fmt.Sprintf("the connection '%s' is not known here, so neither its labels nor its hosts are", name))
	}
	return c, ok
}

// vars computes the classes of the flow's variables, which read the
// trigger.
func (r *run) vars(f *frame) {
	for _, name := range sortedKeys(f.doc.Flow.Vars) {
		var ts taints
		for _, s := range r.read(f, place{}, valueRefs(f.doc.Flow.Vars[name]), nil) {
			ts = ts.union(s.ts)
		}
		f.vars[name] = ts
	}
}

func (r *run) steps(f *frame, list []flow.Step, path string, at place) *state {
	for i := range list {
		at.rec = r.step(f, &list[i], fmt.Sprintf("%s[%d]", path, i), at)
	}
	return at.rec
}

// step works out what a step passes on.
func (r *run) step(f *frame, s *flow.Step, path string, at place) *state {
	in := at.rec.through(s.ID, f.name)
	at.rec = in
	n := len(r.events)
	out, consumed := r.kind(f, s, path, at)
	if s.When != "" {
		out = merge(out, in) // records the condition does not hold for pass unchanged
	}
	if oe := s.OnError; oe != nil && len(oe.Steps) > 0 {
		eat := at
		eat.errs = in // an error message may quote the record
		r.steps(f, oe.Steps, path+".on_error.steps", eat)
	} else if oe != nil && oe.Action == "continue" {
		out = merge(out, in)
	}
	out = r.settle(f, s.ID, path, in, out, consumed, r.events[n:])
	f.steps[s.ID] = out
	return out
}

// settle handles what a step took off the record: a taint that went in
// and does not come out was hashed or masked (consumed), declassified
// inside (a nested step), or dropped. A drop the policy does not let
// declassify leaves the class with the record as a whole.
func (r *run) settle(f *frame, step, path string, in, out *state, consumed used, inner []event) *state {
	outKeys := out.keys()
	handled := map[key]bool{}
	for _, e := range inner {
		handled[e.key] = true
	}
	for _, k := range sortedUsed(consumed) {
		r.declassified(f, step, path, consumed[k].t, consumed[k].by)
	}
	var kept taints
	for _, t := range in.all() {
		k := t.key()
		if _, stays := outKeys[k]; stays || handled[k] {
			continue
		}
		switch _, ok := consumed[k]; {
		case ok:
		case r.set.Declassify.Drop.allows(t.class):
			r.declassified(f, step, path, t, byDrop)
		default:
			kept = kept.add(t)
		}
	}
	if len(kept) > 0 {
		out = out.clone()
		out.whole = out.whole.union(kept)
	}
	return out
}

func (r *run) declassified(f *frame, step, path string, t taint, by string) {
	r.events = append(r.events, event{key: t.key()})
	d := Declassification{Step: step, Flow: f.name, Class: t.class, Source: t.src.describe(), Field: t.field,
		By: by, Location: r.location(f, path)}
	if !slices.Contains(r.rep.Declassified, d) {
		r.rep.Declassified = append(r.rep.Declassified, d)
	}
}

func (r *run) warn(f *frame, step, path, msg string) {
	w := Warning{Step: step, Flow: f.name, Message: msg, Location: r.location(f, path)}
	for _, have := range r.rep.Warnings {
		if have.Message == w.Message && have.Flow == w.Flow {
			return
		}
	}
	r.rep.Warnings = append(r.rep.Warnings, w)
}

// location is where the value at path is in the flow's file.
func (r *run) location(f *frame, path string) Location {
	pos := f.doc.Position(path)
	return Location{File: f.doc.File, Line: pos.Line, Column: pos.Column, Path: path}
}

// pathOf turns a taint's hops into a path from its source.
func pathOf(h *hop) []PathStep {
	var out []PathStep
	for ; h != nil; h = h.prev {
		out = append(out, PathStep{Step: h.step, Flow: h.flow})
	}
	slices.Reverse(out)
	return out
}
