package policy

import (
	"strings"

	"github.com/bistro-dev/bistro/internal/flow"
)

// respond: the reply to the webhook's caller carries what its body and
// headers read. Only the checked flow answers a caller; a called flow's
// reply goes back to the flow that called it.
func (r *run) respond(f *frame, s *flow.Step, path string, at place) {
	if f.name != "" {
		return
	}
	u := used{}
	reads := r.read(f, at, valueRefs(s.Respond.Body), u)
	for _, k := range sortedKeys(s.Respond.Headers) {
		reads = append(reads, r.read(f, at, templateRefs(s.Respond.Headers[k]), u)...)
	}
	r.destination(f, s.ID, path, Destination{Kind: KindRespond, Target: "the webhook's caller"}, reads, u)
}

// http: the request carries what its address, headers, query, body and
// credentials read; the response becomes records (or the into field).
// A response may echo what was sent, so it carries that too, and the
// classes of the connection it came from.
func (r *run) http(f *frame, s *flow.Step, path string, at place) *state {
	h := s.HTTP
	u := used{}
	var reads []sent
	for _, v := range []any{h.URL, stringsAny(h.Headers), h.Query, h.JSON, stringsAny(h.Form), textAny(h.Body), authAny(h.Auth)} {
		reads = append(reads, r.read(f, at, valueRefs(v), u)...)
	}
	d := Destination{Kind: KindHTTP, Connector: "http", Connection: h.Connection}
	resp := r.union(reads)
	if h.Connection != "" {
		c, _ := r.connection(f, h.Connection, path+".http.connection", s.ID)
		d.Labels, d.Hosts = c.Labels, c.Hosts
		d.RunTime = len(c.Hosts) == 0
		d.Target = cmpOr(c.Title, "HTTP connection") + " " + h.Connection
		resp = resp.union(r.labelled(r.source(h.Connection, s.ID, f.name), c.Labels, nil).through(s.ID, f.name).all())
	} else if host, ok := templateHost(h.URL); ok {
		d.Hosts = []string{host}
		d.Target = "the HTTP API at " + host
	} else {
		d.RunTime = true
		d.Target = "an address computed at run time (" + strings.TrimSpace(h.URL) + ")"
	}
	r.destination(f, s.ID, path, d, reads, u)
	rat := at
	rat.resp = resp
	if h.Records != "" {
		resp = resp.union(r.union(r.read(f, rat, exprRefs(h.Records), nil)))
	}
	if h.Into == "" {
		return wholeState(resp)
	}
	out := at.rec.clone()
	out.set(h.Into, resp)
	return out
}

// settingsOnly are the actions that write only what their settings say,
// not the record: a message is its text. Every other action that writes
// may write the whole record (an insert without values, a publish without
// data). passThrough are the actions that pass the incoming record on
// unchanged. A connector spec does not say either yet; when
// connector.Action does, these lists go.
var (
	settingsOnly = map[string]bool{"chat.send": true, "email.send": true}
	passThrough  = map[string]bool{"chat.send": true}
)

// action: an action that writes gets the whole record and its settings;
// one that only reads gets its settings, and is a destination only when
// they carry a class. What it passes on is tracked per record (the fields
// an action emits are the connector's, not the flow's), except for the
// fields its connection's labels name.
func (r *run) action(f *frame, s *flow.Step, path string, at place) *state {
	name, act, _ := strings.Cut(s.Action, ".")
	writes, title, contacts := true, name, false
	if spec, ok := r.spec(name); ok {
		title = ConnectionTitle(spec, nil)
		if a, ok := spec.Action(act); ok {
			writes = a.SideEffects
		}
		for _, e := range spec.Endpoints {
			contacts = contacts || e.Action == ""
		}
	}
	u := used{}
	reads := r.read(f, at, valueRefs(map[string]any(s.With)), u)
	if writes && !settingsOnly[s.Action] {
		reads = append(readState(at.rec, nil, ""), reads...)
	}
	d := Destination{Kind: KindAction, Action: s.Action, Writes: writes, Connector: name, Connection: s.Connection, Target: title}
	var conn *state
	if s.Connection != "" {
		c, ok := r.connection(f, s.Connection, path+".connection", s.ID)
		d.Labels, d.Hosts = c.Labels, c.Hosts
		d.RunTime = ok && contacts && len(c.Hosts) == 0 // known when it opens
		if ok && c.Title != "" {
			title = c.Title
		}
		d.Target = title + " " + s.Connection
		conn = r.labelled(r.source(s.Connection, s.ID, f.name), c.Labels, nil).through(s.ID, f.name)
	}
	if writes || len(reads) > 0 {
		r.destination(f, s.ID, path, d, reads, u)
	}
	given := r.union(reads)
	switch into, _ := s.With["into"].(string); {
	case passThrough[s.Action]:
		return at.rec
	case into != "" && !strings.Contains(into, "{{"):
		// The connectors' convention: with into, the incoming record with
		// the result in that field.
		out := at.rec.clone()
		out.set(into, given.union(conn.all()))
		return out
	}
	return actionOutput(at.rec, conn, given)
}

// actionOutput is what an action passes on: records of its connection,
// whose labelled fields keep their classes, each of whose fields may also
// hold anything the action was given: what it writes may come back (an
// insert returns the row).
func actionOutput(in, conn *state, given taints) *state {
	out := &state{whole: in.whole}
	carried := given
	if conn != nil {
		for _, name := range sortedKeys(conn.fields) {
			out.set(name, conn.fields[name].union(carried))
		}
		carried = carried.union(conn.other)
	}
	out.other = carried
	return out
}

// call: the called flow gets the call's input (the record by default) as
// its trigger's input; when it can be found, its steps are followed with
// that input, so their destinations are checked with the classes the
// caller gives them, and what it passes back carries what it produced.
func (r *run) call(f *frame, s *flow.Step, path string, at place) *state {
	c := s.Call
	u := used{}
	input := at.rec
	var reads []sent
	if c.Input != nil {
		input, reads = r.callInput(f, at, c.Input, u)
	} else {
		reads = readState(at.rec, nil, "")
	}
	d := Destination{Kind: KindCall, Target: "the flow '" + c.Flow + "'"}
	r.destination(f, s.ID, path, d, reads, u)
	result := r.follow(f, s, path, input)
	if c.Into == "" {
		return result
	}
	out := at.rec.clone()
	out.set(c.Into, result.all())
	return out
}

// callInput is the called flow's input: a mapping of names to values
// gives a record with those fields; anything else a record of unknown
// fields.
func (r *run) callInput(f *frame, at place, v any, u used) (*state, []sent) {
	m, ok := v.(map[string]any)
	if !ok {
		reads := r.read(f, at, valueRefs(v), u)
		return wholeState(r.union(reads)), reads
	}
	in := &state{known: true, whole: at.rec.whole}
	var reads []sent
	for _, k := range sortedKeys(m) {
		rs := r.read(f, at, valueRefs(m[k]), u)
		in.set(k, r.union(rs))
		reads = append(reads, rs...)
	}
	return in, reads
}

// follow walks the called flow, or warns that it cannot, and returns
// what it passes back: without the flow, what it was given.
func (r *run) follow(f *frame, s *flow.Step, path string, input *state) *state {
	name := s.Call.Flow
	why := ""
	var doc *flow.Document
	switch {
	case r.env.Flows == nil:
		why = "called flows are not followed here"
	case len(r.stack) >= maxCallDepth:
		why = "flows call each other too deep"
	default:
		var err error
		if doc, err = r.env.Flows(f.doc, name); err != nil {
			why = err.Error()
		} else if doc == nil || doc.Flow == nil {
			why = "it cannot be read"
		}
	}
	if doc != nil && doc.Flow != nil && r.calling(doc.Flow.Name) {
		why, doc = "it is already being called (a loop of calls)", nil
	}
	if why != "" {
		r.warn(f, s.ID, path+".call.flow", "the flow '"+name+"' was not followed ("+why+"): where it sends the data it is given is not checked")
		return wholeState(input.all())
	}
	r.stack = append(r.stack, doc.Flow.Name)
	defer func() { r.stack = r.stack[:len(r.stack)-1] }()
	child := r.frame(doc, doc.Flow.Name, append(append([]string(nil), f.calledBy...), s.ID))
	child.input = input
	r.vars(child)
	return r.steps(child, doc.Flow.Steps, "steps", place{rec: input})
}

func (r *run) calling(name string) bool {
	for _, n := range r.stack {
		if n == name {
			return true
		}
	}
	return name == r.rep.Flow
}

// destination records a destination with what reaches it and checks it
// against the rules.
func (r *run) destination(f *frame, step, path string, d Destination, reads []sent, u used) {
	d.Step, d.Flow, d.CalledBy, d.Location = step, f.name, f.calledBy, r.location(f, path)
	d.Reaches = reaches(reads)
	here := PathStep{Step: step, Flow: f.name}
	for i, re := range d.Reaches {
		// What a step reads from elsewhere (loop.parent, steps.ID, vars)
		// did not pass through it on the record: the path still ends here.
		if n := len(re.Path); n == 0 || re.Path[n-1] != here {
			d.Reaches[i].Path = append(re.Path, here)
		}
	}
	for _, k := range sortedUsed(u) {
		r.declassified(f, step, path, u[k].t, u[k].by)
	}
	r.rep.Destinations = append(r.rep.Destinations, d)
	r.apply(f, d, path)
}

// reaches lists the classes reads carry, one per class, source and field.
func reaches(reads []sent) []Reach {
	out := []Reach{}
	seen := map[[2]any]bool{}
	for _, s := range reads {
		for _, t := range s.ts {
			id := [2]any{t.key(), s.field}
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, Reach{Class: t.class, Field: s.field, Source: t.src.describe(), Connection: t.src.connection,
				SourceField: t.field, Path: pathOf(t.path)})
		}
	}
	return out
}

func sortedUsed(u used) []key {
	keys := make([]key, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func less(a, b key) bool {
	if a.class != b.class {
		return a.class < b.class
	}
	if a.src.connection != b.src.connection {
		return a.src.connection < b.src.connection
	}
	return a.field < b.field
}

func stringsAny(m map[string]string) any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func authAny(a *flow.HTTPAuth) any {
	if a == nil {
		return nil
	}
	out := []any{a.Bearer}
	if a.Basic != nil {
		out = append(out, a.Basic.Username, a.Basic.Password)
	}
	if a.APIKey != nil {
		out = append(out, a.APIKey.Value)
	}
	return out
}

func textAny(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
