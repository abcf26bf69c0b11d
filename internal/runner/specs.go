package runner

import (
	"strings"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/flow"
)

// The connectors' specs, as flow validation asks for them: everything
// comes from Config.Connectors, so a server checks flows against exactly
// the connectors it can open.

func (r *Runner) spec(id string) (connector.Spec, string, bool) {
	name, part, ok := strings.Cut(id, ".")
	if !ok {
		return connector.Spec{}, "", false
	}
	c, ok := r.cfg.Connectors(name)
	if !ok {
		return connector.Spec{}, "", false
	}
	return c.Spec(), part, true
}

// action returns the action a flow names as "connector.action".
func (r *Runner) action(id string) (connector.Action, bool) {
	s, name, ok := r.spec(id)
	if !ok || s.BuiltIn {
		return connector.Action{}, false
	}
	return s.Action(name)
}

// source returns the trigger an event trigger names as "connector.trigger".
func (r *Runner) source(id string) (connector.Trigger, bool) {
	s, name, ok := r.spec(id)
	if !ok {
		return connector.Trigger{}, false
	}
	return s.Trigger(name)
}

// specOptions fill in what flow validation asks of the connectors.
func (r *Runner) specOptions(o flow.Options) flow.Options {
	o.Actions = func(id string) bool { _, ok := r.action(id); return ok }
	o.ActionInput = func(id string, with map[string]any) []connector.FieldError {
		a, ok := r.action(id)
		if !ok {
			return nil
		}
		return a.ValidateInput(with)
	}
	o.Sources = r.source
	return o
}
