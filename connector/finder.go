package connector

import "strings"

// Finder finds a connector by name. Its methods answer what a flow names
// as "connector.part": the lookups every place that checks or runs flows
// needs, written once.
type Finder func(name string) (Connector, bool)

// Action returns the action a step names as "connector.action", e.g.
// "postgres.upsert". Built-in connectors are described by specs (for
// docs, forms and policy) but run as their own step kinds (the http step):
// their actions are not steps' actions, so they are not found here.
func (f Finder) Action(id string) (Action, bool) {
	s, part, ok := f.spec(id)
	if !ok || s.BuiltIn {
		return Action{}, false
	}
	return s.Action(part)
}

// Trigger returns the trigger an event trigger names as
// "connector.trigger", e.g. "redis.stream".
func (f Finder) Trigger(id string) (Trigger, bool) {
	s, part, ok := f.spec(id)
	if !ok {
		return Trigger{}, false
	}
	return s.Trigger(part)
}

func (f Finder) spec(id string) (Spec, string, bool) {
	name, part, ok := strings.Cut(id, ".")
	if !ok || f == nil {
		return Spec{}, "", false
	}
	c, ok := f(name)
	if !ok {
		return Spec{}, "", false
	}
	return c.Spec(), part, true
}
