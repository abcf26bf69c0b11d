package flow

import "slices"

// Children are the step lists nested in a step: the branches of if and
// switch, the steps of for_each and join, and the error branch.
func (s *Step) Children() [][]Step {
	var out [][]Step
	if s.If != nil {
		out = append(out, s.If.Then, s.If.Else)
	}
	if s.Switch != nil {
		for _, c := range s.Switch.Cases {
			out = append(out, c.Steps)
		}
		out = append(out, s.Switch.Default)
	}
	if s.ForEach != nil {
		out = append(out, s.ForEach.Steps)
	}
	if s.Join != nil {
		out = append(out, s.Join.Steps)
	}
	if s.OnError != nil {
		out = append(out, s.OnError.Steps)
	}
	return out
}

// Walk calls fn for every step, nested ones included, parents first.
func Walk(steps []Step, fn func(*Step)) {
	for i := range steps {
		fn(&steps[i])
		for _, c := range steps[i].Children() {
			Walk(c, fn)
		}
	}
}

// Connectors lists the connectors a flow uses, sorted: the event
// trigger's source, every action's connector, and "http" for http steps.
// They are what IT's connector catalogue allows or blocks.
func (f *Flow) Connectors() []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if f.Trigger.Event != nil {
		add(ConnectorOf(f.Trigger.Event.Source))
	}
	Walk(f.Steps, func(s *Step) {
		if s.Action != "" {
			add(ConnectorOf(s.Action))
		}
		if s.HTTP != nil {
			add("http")
		}
	})
	slices.Sort(out)
	return out
}
