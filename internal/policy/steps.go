package policy

import (
	"fmt"

	"github.com/bistro-dev/bistro/internal/flow"
)

// used are the taints a step read only through a hash or a mask that the
// policy lets declassify.
type used map[key]usedBy

type usedBy struct {
	by string
	t  taint
}

// kind works out what a step of each kind passes on.
func (r *run) kind(f *frame, s *flow.Step, path string, at place) (*state, used) {
	in := at.rec
	u := used{}
	switch {
	case s.Set != nil || s.Rename != nil || s.Remove != nil || s.Keep != nil:
		return r.setStep(f, s, at, u), u
	case s.If != nil:
		a := r.steps(f, s.If.Then, path+".if.then", at)
		b := r.steps(f, s.If.Else, path+".if.else", at)
		return merge(a, b), nil
	case s.Switch != nil:
		return r.switchStep(f, s.Switch, path, at), nil
	case s.ForEach != nil:
		return r.forEach(f, s.ForEach, path, at, u), u
	case s.Join != nil:
		return r.join(f, s, path, at), nil
	case s.Group != nil:
		return r.group(f, s.Group, at, u), u
	case s.Split != nil:
		ts := r.union(r.read(f, at, exprRefs(s.Split.Items), u))
		if s.Split.As == "" {
			return wholeState(ts), u
		}
		out := in.clone()
		out.set(s.Split.As, ts)
		return out, u
	case s.Call != nil:
		return r.call(f, s, path, at), nil
	case s.Respond != nil:
		r.respond(f, s, path, at)
	case s.HTTP != nil:
		return r.http(f, s, path, at), nil
	case s.Action != "":
		return r.action(f, s, path, at), nil
	}
	// filter, sort, dedupe, limit, stop, fail, log: the record passes on
	// as it is (a condition says which records, not what is in them).
	return in, nil
}

// setStep: set computes fields from the record as it came in, then
// rename, remove and keep apply, in that order.
func (r *run) setStep(f *frame, s *flow.Step, at place, u used) *state {
	in := at.rec
	out := in.clone()
	for _, k := range sortedKeys(s.Set) {
		out.set(k, r.union(r.read(f, at, valueRefs(s.Set[k]), u)))
	}
	for _, old := range sortedKeys(s.Rename) {
		ts := out.own(old)
		out.remove(old)
		out.set(s.Rename[old], ts)
	}
	for _, name := range s.Remove {
		out.remove(name)
	}
	if s.Keep != nil {
		kept := &state{known: true, whole: out.whole}
		for _, name := range s.Keep {
			if out.known {
				if _, ok := out.fields[name]; !ok {
					continue
				}
			}
			kept.set(name, out.own(name))
		}
		out = kept
	}
	return out
}

func (r *run) switchStep(f *frame, sw *flow.Switch, path string, at place) *state {
	var branches []*state
	for i, c := range sw.Cases {
		branches = append(branches, r.steps(f, c.Steps, fmt.Sprintf("%s.switch.cases[%d].steps", path, i), at))
	}
	if sw.Default != nil {
		branches = append(branches, r.steps(f, sw.Default, path+".switch.default", at))
	} else {
		branches = append(branches, at.rec) // no case, no default: unchanged
	}
	return merge(branches...)
}

// forEach: inside, the record is an item of the list and loop.parent the
// record the list came from.
func (r *run) forEach(f *frame, fe *flow.ForEach, path string, at place, u used) *state {
	items := r.union(r.read(f, at, exprRefs(fe.Items), u))
	inner := place{rec: wholeState(items), parent: at.rec, errs: at.errs}
	res := r.steps(f, fe.Steps, path+".for_each.steps", inner)
	if fe.Into == "" {
		return res
	}
	out := at.rec.clone()
	out.set(fe.Into, res.all())
	return out
}

// join: the other branch starts from one empty record, once per run; its
// records join the flow at the join step.
func (r *run) join(f *frame, s *flow.Step, path string, at place) *state {
	j := s.Join
	other := r.steps(f, j.Steps, path+".join.steps", place{rec: emptyState()}).through(s.ID, f.name)
	out := at.rec.clone()
	if j.Into != "" {
		out.set(j.Into, other.all())
		return out
	}
	// The record's own fields win, but a field it lacks comes from the
	// match: every field may now carry what the match's field carries.
	for _, name := range sortedKeys(other.fields) {
		out.set(name, out.own(name).union(other.own(name)))
	}
	out.other = out.other.union(other.other)
	out.whole = out.whole.union(other.whole)
	out.known = out.known && other.known
	return out
}

// group: each output record has exactly the by and aggregate fields.
func (r *run) group(f *frame, g *flow.Group, at place, u used) *state {
	out := &state{known: true}
	for _, k := range sortedKeys(g.By) {
		out.set(k, r.union(r.read(f, at, exprRefs(g.By[k]), u)))
	}
	for _, k := range sortedKeys(g.Fields) {
		_, arg, err := flow.ParseAggregate(g.Fields[k])
		refs := whole[:1] // an aggregate that does not parse: the record
		if err == nil {
			refs = nil
			if arg != "" {
				refs = exprRefs(arg)
			}
		}
		out.set(k, r.union(r.read(f, at, refs, u)))
	}
	return out
}

// union is every taint the reads carry.
func (r *run) union(reads []sent) taints {
	var out taints
	for _, s := range reads {
		out = out.union(s.ts)
	}
	return out
}
