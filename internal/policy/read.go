package policy

import (
	"strings"

	iexpr "github.com/bistro-dev/bistro/internal/expr"
)

// sent is what one read carries, and from which field.
type sent struct {
	ts    taints
	field string // the record's field, or e.g. "trigger.body.email"; "" for the record as a whole
}

// read resolves what expressions read to the taints they carry. Taints
// read only through a hash or a mask that the policy lets declassify are
// left out and noted in u.
func (r *run) read(f *frame, at place, refs []ref, u used) []sent {
	var out []sent
	for _, rf := range refs {
		for _, s := range r.resolve(f, at, rf) {
			if rf.by != "" {
				s.ts = r.guard(s.ts, rf.by, u)
			}
			if len(s.ts) > 0 {
				out = append(out, s)
			}
		}
	}
	return out
}

// guard takes off the taints a hash or a mask declassifies.
func (r *run) guard(ts taints, by string, u used) taints {
	d := r.set.Declassify.Hash
	if by == byMask {
		d = r.set.Declassify.Mask
	}
	var out taints
	for _, t := range ts {
		if !d.allows(t.class) {
			out = append(out, t)
			continue
		}
		if _, seen := u[t.key()]; !seen && u != nil {
			u[t.key()] = usedBy{by: by, t: t}
		}
	}
	return out
}

// resolve is what one variable path carries.
func (r *run) resolve(f *frame, at place, rf ref) []sent {
	switch rf.v {
	case iexpr.VarRecord:
		return readState(at.rec, rf.path, "")
	case iexpr.VarTrigger:
		if len(rf.path) >= 2 && (rf.path[0] == "body" || rf.path[0] == "input") {
			return []sent{{ts: f.input.field(rf.path[1]), field: "trigger." + rf.path[0] + "." + rf.path[1]}}
		}
		return []sent{{ts: f.input.all(), field: "trigger"}}
	case iexpr.VarVars:
		if len(rf.path) > 0 {
			return []sent{{ts: f.vars[rf.path[0]], field: "vars." + rf.path[0]}}
		}
		var ts taints
		for _, name := range sortedKeys(f.vars) {
			ts = ts.union(f.vars[name])
		}
		return []sent{{ts: ts, field: "vars"}}
	case iexpr.VarSteps:
		return r.readSteps(f, rf.path)
	case iexpr.VarLoop:
		if len(rf.path) == 0 || rf.path[0] == "parent" {
			return readState(at.parent, tail(rf.path), "loop.parent.")
		}
	case iexpr.VarError:
		return []sent{{ts: at.errs.all(), field: "error"}}
	case iexpr.VarResponse:
		return []sent{{ts: at.resp, field: "response"}}
	}
	return nil // env, run, loop.index: no data of the flow's
}

func (r *run) readSteps(f *frame, path []string) []sent {
	if len(path) == 0 {
		var ts taints
		for _, id := range sortedKeys(f.steps) {
			ts = ts.union(f.steps[id].all())
		}
		return []sent{{ts: ts, field: "steps"}}
	}
	st, ok := f.steps[path[0]]
	if !ok {
		return nil // a later step, or none: the validator reports it
	}
	return readState(st, path[1:], "steps."+path[0]+".")
}

// readState is what reading a record (path empty) or one of its fields
// carries. A whole record is read field by field, so a message can say
// which field carries what.
func readState(s *state, path []string, prefix string) []sent {
	if s == nil {
		return nil
	}
	if len(path) > 0 {
		return []sent{{ts: s.field(path[0]), field: prefix + path[0]}}
	}
	var out []sent
	for _, name := range sortedKeys(s.fields) {
		if ts := s.fields[name]; len(ts) > 0 {
			out = append(out, sent{ts: ts, field: prefix + name})
		}
	}
	whole := strings.TrimSuffix(prefix, ".")
	if ts := s.other.union(s.whole); len(ts) > 0 {
		out = append(out, sent{ts: ts, field: whole})
	}
	return out
}

func tail(p []string) []string {
	if len(p) == 0 {
		return nil
	}
	return p[1:]
}
