package policy

import "slices"

// source is where data of a class enters a flow: a connection a step
// reads, an event trigger's connection, or the trigger's input.
type source struct {
	connection string // "" for the trigger's input
	step       string // the step that read it; "" for the trigger
	flow       string // the called flow it is in; "" for the checked flow
}

// describe names the source for messages: "connection hr-db".
func (s *source) describe() string {
	if s.connection == "" {
		return "the trigger's input"
	}
	return "connection " + s.connection
}

// hop is one step data went through, newest first; hops are shared, so
// appending one costs one allocation whatever the path's length.
type hop struct {
	step string
	flow string
	prev *hop
}

// taint is data of one class somewhere in a record: which class, where it
// came from, and the steps it went through.
type taint struct {
	class string
	src   *source
	field string // the field its source labelled; "" for all its data
	path  *hop
}

// key identifies a taint whatever its path: class, source and field.
type key struct {
	class string
	src   *source
	field string
}

func (t taint) key() key { return key{t.class, t.src, t.field} }

// taints is a small set of taints, one per key; the first path seen for
// a key is kept.
type taints []taint

func (ts taints) has(k key) bool {
	for _, t := range ts {
		if t.key() == k {
			return true
		}
	}
	return false
}

// add returns ts with t, unless a taint of its key is there.
func (ts taints) add(t taint) taints {
	if ts.has(t.key()) {
		return ts
	}
	return append(ts, t)
}

// union returns ts with every taint of more. It never changes ts in place
// when more adds something, so states can share their lists.
func (ts taints) union(more ...taints) taints {
	out := ts
	shared := true
	for _, m := range more {
		for _, t := range m {
			if out.has(t.key()) {
				continue
			}
			if shared {
				out = append(taints(nil), out...)
				shared = false
			}
			out = append(out, t)
		}
	}
	return out
}

// state is what is known of the records at one point of a flow. Fields
// holds the taints of the fields the flow names explicitly (a field
// listed with no taints is known to be clean, or gone); other holds those
// of every field not listed, which is all a record read from a
// connection has; whole holds taints that stay with every field of the
// record whatever steps do to it (a drop the policy does not let
// declassify). When known is set, the listed fields are all a record can
// have and other is empty.
type state struct {
	known  bool
	fields map[string]taints
	other  taints
	whole  taints
}

// emptyState is a record known to have no fields.
func emptyState() *state { return &state{known: true} }

// wholeState is a record of unknown fields, all of which carry ts.
func wholeState(ts taints) *state { return &state{other: ts} }

func (s *state) clone() *state {
	c := &state{known: s.known, other: s.other, whole: s.whole}
	if len(s.fields) > 0 {
		c.fields = make(map[string]taints, len(s.fields))
		for k, v := range s.fields {
			c.fields[k] = v
		}
	}
	return c
}

// own returns what a field carries, leaving out the taints of the whole
// record.
func (s *state) own(name string) taints {
	if ts, listed := s.fields[name]; listed {
		return ts
	}
	if s.known {
		return nil
	}
	return s.other
}

// field returns the taints a field can carry.
func (s *state) field(name string) taints {
	if s == nil {
		return nil
	}
	return s.own(name).union(s.whole)
}

// contents returns the taints of the fields, without those of the
// record as a whole.
func (s *state) contents() taints {
	var out taints
	for _, name := range sortedKeys(s.fields) {
		out = out.union(s.fields[name])
	}
	return out.union(s.other)
}

// all returns the taints anywhere in the record.
func (s *state) all() taints {
	if s == nil {
		return nil
	}
	return s.contents().union(s.whole)
}

// set gives a field exactly these taints (and those of the whole record).
func (s *state) set(name string, ts taints) {
	if s.fields == nil {
		s.fields = map[string]taints{}
	}
	s.fields[name] = ts
}

// remove drops a field: it is listed, carrying nothing.
func (s *state) remove(name string) { s.set(name, nil) }

// merge is the state after branches rejoin: a field may carry what it
// carries in any branch.
func merge(branches ...*state) *state {
	out := &state{known: true}
	var names []string
	for _, b := range branches {
		if b == nil {
			continue
		}
		out.known = out.known && b.known
		for name := range b.fields {
			names = appendNew(names, name)
		}
		out.other = out.other.union(b.other)
		out.whole = out.whole.union(b.whole)
	}
	slices.Sort(names)
	for _, name := range names {
		var ts taints
		for _, b := range branches {
			if b != nil {
				ts = ts.union(b.own(name))
			}
		}
		out.set(name, ts)
	}
	return out
}

// advancer appends a step to the path of taints, sharing the new hop
// between taints whose paths were the same.
type advancer struct {
	step, flow string
	memo       map[*hop]*hop
}

func (a *advancer) hop(prev *hop) *hop {
	if h, ok := a.memo[prev]; ok {
		return h
	}
	h := &hop{step: a.step, flow: a.flow, prev: prev}
	a.memo[prev] = h
	return h
}

func (a *advancer) taints(ts taints) taints {
	if len(ts) == 0 {
		return ts
	}
	out := make(taints, len(ts))
	for i, t := range ts {
		t.path = a.hop(t.path)
		out[i] = t
	}
	return out
}

// through returns the state as records enter a step: every taint's path
// now ends with the step.
func (s *state) through(step, flow string) *state {
	a := &advancer{step: step, flow: flow, memo: map[*hop]*hop{}}
	out := &state{known: s.known, other: a.taints(s.other), whole: a.taints(s.whole)}
	if len(s.fields) > 0 {
		out.fields = make(map[string]taints, len(s.fields))
		for k, v := range s.fields {
			out.fields[k] = a.taints(v)
		}
	}
	return out
}

// keys lists the keys of every taint in the record.
func (s *state) keys() map[key]bool {
	out := map[key]bool{}
	for _, t := range s.all() {
		out[t.key()] = true
	}
	return out
}

// sortedKeys returns a map's keys in order, so that results do not
// depend on map order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
