package flow

import "sort"

// fields is what the validator knows about a record's fields at one point
// of the flow. Where the flow makes them explicit (a keep, a group), known
// is true and names lists every field the record can have; elsewhere any
// field may exist. removed remembers which step dropped a field, for the
// message when a later step still reads it.
type fields struct {
	known   bool
	names   map[string]bool
	removed map[string]string
}

func unknownFields() *fields { return &fields{removed: map[string]string{}} }

func knownFields(names ...string) *fields {
	f := &fields{known: true, names: map[string]bool{}, removed: map[string]string{}}
	for _, n := range names {
		f.names[n] = true
	}
	return f
}

func (f *fields) clone() *fields {
	c := &fields{known: f.known, names: map[string]bool{}, removed: map[string]string{}}
	for n := range f.names {
		c.names[n] = true
	}
	for n, s := range f.removed {
		c.removed[n] = s
	}
	return c
}

// add makes a field exist, e.g. after set or into.
func (f *fields) add(name string) {
	delete(f.removed, name)
	if f.known {
		f.names[name] = true
	}
}

// remove drops a field; by names the step, for messages.
func (f *fields) remove(name, by string) {
	delete(f.names, name)
	f.removed[name] = by
}

// has reports whether a record can have the field here.
func (f *fields) has(name string) bool {
	if _, gone := f.removed[name]; gone {
		return false
	}
	return !f.known || f.names[name]
}

// list returns the known field names, sorted.
func (f *fields) list() []string {
	out := make([]string, 0, len(f.names))
	for n := range f.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// merge joins the fields of branches that rejoin: a field may exist after
// them if it may exist after any branch.
func merge(branches ...*fields) *fields {
	out := knownFields()
	for i, b := range branches {
		if !b.known {
			out.known = false
		}
		for n := range b.names {
			out.names[n] = true
		}
		for n, s := range b.removed {
			if i == 0 || out.removed[n] != "" {
				out.removed[n] = s
			}
		}
		if i > 0 {
			for n := range out.removed {
				if _, ok := b.removed[n]; !ok {
					delete(out.removed, n)
				}
			}
		}
	}
	if !out.known {
		out.names = map[string]bool{}
	}
	return out
}
