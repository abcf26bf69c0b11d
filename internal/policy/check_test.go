package policy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/flow"
)

// shape is one flow shape: what must reach which destination, and which
// violations the test set finds (each a part of one message, in order).
type shape struct {
	name       string
	flow       string
	set        func(*Set)
	env        func(*Env)
	reach      map[string][]string // destinations and what reaches them; unlisted ones are not looked at
	violations []string
	warns      []string // parts of the warnings' text
	declass    []string // "step class by"
}

func runShapes(t *testing.T, cases []shape) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := testSet()
			if tc.set != nil {
				tc.set(&s)
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("the test's policy is invalid: %v", err)
			}
			env := checkEnv()
			if tc.env != nil {
				tc.env(&env)
			}
			rep := s.Check(parseFlow(t, "flow.yaml", tc.flow), env)
			got := reached(rep)
			for step, want := range tc.reach {
				have, ok := got[step]
				if !ok {
					t.Errorf("%s is not a destination; the destinations are %v", step, got)
					continue
				}
				if want == nil {
					want = []string{}
				}
				if diff := cmp.Diff(want, have); diff != "" {
					t.Errorf("what reaches %s (-want +got):\n%s", step, diff)
				}
			}
			msgs := messages(rep)
			if len(msgs) != len(tc.violations) {
				t.Errorf("%d violations, want %d:\n%s", len(msgs), len(tc.violations), strings.Join(msgs, "\n"))
			} else {
				for i, want := range tc.violations {
					if !strings.Contains(msgs[i], want) {
						t.Errorf("violation %d:\n%s\nwant it to contain:\n%s", i+1, msgs[i], want)
					}
				}
			}
			w := warnings(rep)
			for _, want := range tc.warns {
				if !strings.Contains(w, want) {
					t.Errorf("warnings:\n%s\nwant one to contain %q", w, want)
				}
			}
			if tc.warns == nil && w != "" {
				t.Errorf("unexpected warnings:\n%s", w)
			}
			var decl []string
			for _, d := range rep.Declassified {
				decl = append(decl, d.Step+" "+d.Class+" "+d.By)
			}
			if tc.declass != nil {
				if diff := cmp.Diff(tc.declass, decl); diff != "" {
					t.Errorf("declassified (-want +got):\n%s", diff)
				}
			}
		})
	}
}

const readHR = `  - id: staff
    action: postgres.query
    connection: hr-db
    with: { sql: "select * from staff" }
`

const readHRFields = `  - id: staff
    action: postgres.query
    connection: hr-fields
    with: { sql: "select * from staff" }
`

func notify(text string) string {
	return "  - id: notify\n    action: chat.send\n    connection: team-chat\n    with: { text: \"" + text + "\" }\n"
}

const manual = "manual: {}"

func TestLinear(t *testing.T) {
	t.Parallel()
	runShapes(t, []shape{
		{name: "the issue's example", flow: steps(manual, readHR+notify("New: {{ record.email }}")),
			reach: map[string][]string{"notify": {"personal email<hr-db"}},
			violations: []string{"Step 'notify' sends personal data (field email, from connection hr-db) to Slack webhook team-chat; " +
				"rule 'no personal data to external messaging' forbids it"}},
		{name: "nothing classified", flow: steps(manual, `  - id: staff
    action: postgres.query
    connection: crm-db
    with: { sql: "select 1" }
`+notify("{{ record.name }}")),
			reach: map[string][]string{"notify": nil}},
		{name: "a message with no data", flow: steps(manual, readHR+notify("Someone joined")),
			reach: map[string][]string{"notify": nil}},
		{name: "two sources", flow: steps("webhook: {}", `  - id: seen
    action: redis.get
    connection: events
    with: { key: last }
`+notify("{{ record.value }} {{ trigger.body.phone }}")),
			env:        func(e *Env) { e.Input = []string{"personal:phone"} },
			violations: []string{"personal data (field value, from connection events; field trigger.body.phone, from the trigger's input)"}},
		{name: "what a write is given may come back", flow: steps("webhook: {}", readHR+notify("{{ record.email }}")),
			env:        func(e *Env) { e.Input = []string{"personal:phone"} },
			violations: []string{"personal data (field email, from the trigger's input; field email, from connection hr-db)"}},
		{name: "path through every step", flow: steps(manual, readHR+`  - id: tidy
    set: { email: "{{ lower(record.email) }}" }
  - id: real
    filter: record.email != ""
  - id: first
    limit: 10
`+notify("{{ record.email }}")),
			reach: map[string][]string{"notify": {"personal email<hr-db"}}, violations: []string{"forbids it"}},
		{name: "deny by connection and kind", flow: steps("webhook: {mode: sync}", readHR+`  - id: save
    action: postgres.insert
    connection: crm-db
    with: { table: people }
  - id: reply
    respond: { body: { email: "{{ record.email }}", n: 1 } }
`),
			set: func(s *Set) {
				s.Rules = append(s.Rules, Rule{ID: "no-crm", Deny: &DenyRule{Classes: []string{Personal}, To: Targets{Connections: []string{"crm-db"}}}},
					Rule{ID: "no-replies", Deny: &DenyRule{Classes: []string{Personal}, To: Targets{Kinds: []string{KindRespond}}}})
			},
			reach: map[string][]string{"save": {"personal *<hr-db"}, "reply": {"personal email<hr-db"}},
			violations: []string{"Step 'save' sends personal data (from connection hr-db) to PostgreSQL connection crm-db; rule 'no-crm' forbids it",
				"Step 'reply' sends personal data (field email, from connection hr-db) to the webhook's caller; rule 'no-replies' forbids it"}},
		{name: "rule of another workspace", flow: steps(manual, readHR+notify("{{ record.email }}")),
			set:   func(s *Set) { s.Rules[0].Workspaces = []string{"hr"} },
			env:   func(e *Env) { e.Workspace = "sales" },
			reach: map[string][]string{"notify": {"personal email<hr-db"}}},
		{name: "label alias", flow: steps(manual, `  - id: seen
    action: redis.get
    connection: events
    with: { key: last }
`+notify("{{ record.value }}")),
			violations: []string{"personal data (field value, from connection events)"}},
		{name: "unknown connection", flow: steps(manual, `  - id: seen
    action: postgres.query
    connection: nowhere
    with: { sql: "select 1" }
`),
			warns: []string{"the connection 'nowhere' is not known here"}},
	})
}

func TestFields(t *testing.T) {
	t.Parallel()
	runShapes(t, []shape{
		{name: "keep only what is clean", flow: steps(manual, readHRFields+`  - id: pick
    keep: [department]
`+notify("{{ record.department }} {{ record.email }}")),
			reach: map[string][]string{"notify": nil}, declass: []string{"pick personal drop", "pick personal drop"}},
		{name: "record-level data stays in every kept field", flow: steps(manual, readHR+`  - id: pick
    keep: [department]
`+notify("{{ record.department }}")),
			reach: map[string][]string{"notify": {"personal department<hr-db"}}, violations: []string{"field department"}},
		{name: "set computes from what it reads", flow: steps(manual, readHRFields+`  - id: label
    set:
      contact: "{{ record.email }}"
      team: "{{ upper(record.department) }}"
`+notify("{{ record.contact }} / {{ record.team }}")),
			reach: map[string][]string{"notify": {"personal contact<hr-fields"}}, violations: []string{"field contact"}},
		{name: "rename moves the class", flow: steps(manual, readHRFields+`  - id: tidy
    rename: { email: mail }
`+notify("{{ record.email }} {{ record.mail }}")),
			reach: map[string][]string{"notify": {"personal mail<hr-fields"}}, violations: []string{"field mail"}},
		{name: "remove drops the class", flow: steps(manual, readHRFields+`  - id: strip
    remove: [email, phone]
`+notify("{{ to_json(record) }}")),
			reach: map[string][]string{"notify": nil}, declass: []string{"strip personal drop", "strip personal drop"}},
		{name: "a drop may not declassify", flow: steps(manual, readHRFields+`  - id: strip
    remove: [email]
`+notify("{{ record.name }}")),
			set:   func(s *Set) { s.Declassify.Drop.Allow = false },
			reach: map[string][]string{"notify": {"personal name<hr-fields"}}, violations: []string{"field name"}},
		{name: "overwriting with a literal drops", flow: steps(manual, readHRFields+`  - id: hide
    set: { email: hidden, phone: "" }
`+notify("{{ record.email }} {{ record.phone }}")),
			reach: map[string][]string{"notify": nil}, declass: []string{"hide personal drop", "hide personal drop"}},
		{name: "the whole record carries every field", flow: steps(manual, readHRFields+`  - id: save
    action: postgres.insert
    connection: crm-db
    with: { table: people }
`),
			reach: map[string][]string{"save": {"personal email<hr-fields", "personal phone<hr-fields"}}},
		{name: "steps.ID reads the record before the drop", flow: steps(manual, readHRFields+`  - id: strip
    keep: [department]
  - id: again
    set: { who: "{{ steps.staff.email }}" }
`+notify("{{ record.who }}")),
			reach: map[string][]string{"notify": {"personal who<hr-fields"}}, violations: []string{"field who"},
			declass: []string{"strip personal drop", "strip personal drop"}},
		{name: "vars read the trigger", flow: "bistro: 1\nname: v\ntrigger: {webhook: {}}\nvars:\n  who: \"{{ trigger.body.email }}\"\nsteps:\n" +
			notify("{{ vars.who }}"),
			env: func(e *Env) { e.Input = []string{"personal:email"} }, reach: map[string][]string{"notify": {"personal vars.who<trigger"}},
			violations: []string{"field vars.who, from the trigger's input"}},
		{name: "a read with into keeps the record", flow: steps(manual, readHRFields+`  - id: seen
    action: redis.get
    connection: events
    with: { key: last, into: seen }
`+notify("{{ record.department }}")+`  - id: tell
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.seen }}" }
`),
			reach: map[string][]string{"notify": nil, "tell": {"personal seen<events"}}, violations: []string{"Step 'tell' sends personal data (field seen, from connection events)"}},
		{name: "a message passes the record on unchanged", flow: steps(manual, readHRFields+notify("hello")+`  - id: tell
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.department }}" }
`),
			reach: map[string][]string{"notify": nil, "tell": nil}},
		{name: "a write gives back a record of its own", flow: steps(manual, readHRFields+`  - id: save
    action: postgres.insert
    connection: crm-db
    with: { table: people }
`+notify("{{ record.department }}")),
			reach: map[string][]string{"notify": {"personal department<hr-fields"}}, violations: []string{"field department"}},
		{name: "webhook input has no class unless labelled", flow: steps("webhook: {}", notify("{{ record.email }}")),
			reach: map[string][]string{"notify": nil}},
		{name: "event trigger's connection", flow: steps("event: {source: redis.stream, connection: events, with: {stream: s}}", notify("{{ record.note }}")),
			violations: []string{"(field note, from connection events)"}},
	})
}

func TestDeclassify(t *testing.T) {
	t.Parallel()
	hashed := steps(manual, readHRFields+`  - id: pseudo
    set: { email: "{{ sha256(lower(record.email)) }}" }
`+notify("{{ record.email }}"))
	masked := steps(manual, `  - id: cards
    action: postgres.query
    connection: erp
    with: { sql: "select card from payments" }
  - id: mask
    set: { card: "**** {{ substring(record.card, -4) }}" }
`+notify("{{ record.card }}"))
	allowHash := func(s *Set) { s.Declassify.Hash = Declassifier{Allow: true, Classes: []string{Personal}} }
	allowMask := func(s *Set) { s.Declassify.Mask = Declassifier{Allow: true} }
	runShapes(t, []shape{
		{name: "hash not allowed", flow: hashed, reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "hash allowed", flow: hashed, set: allowHash, reach: map[string][]string{"notify": nil}, declass: []string{"pseudo personal hash"}},
		{name: "hash allowed for another class", flow: hashed,
			set:   func(s *Set) { s.Declassify.Hash = Declassifier{Allow: true, Classes: []string{Financial}} },
			reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "hash kept beside the original", flow: steps(manual, readHRFields+`  - id: pseudo
    set: { key: "{{ sha256(record.email) }}" }
`+notify("{{ record.key }} {{ record.email }}")),
			set: allowHash, reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "hash with the value beside it", flow: steps(manual, readHRFields+`  - id: pseudo
    set: { email: "{{ sha256(record.email) }} {{ record.email }}" }
`+notify("{{ record.email }}")),
			set: allowHash, reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "hash only where the condition holds", flow: steps(manual, readHRFields+`  - id: pseudo
    when: record.internal
    set: { email: "{{ sha256(record.email) }}" }
`+notify("{{ record.email }}")),
			set: allowHash, reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "hash in the message itself", flow: steps(manual, readHRFields+notify("{{ sha256(record.email) }}")),
			set: allowHash, reach: map[string][]string{"notify": nil}, declass: []string{"notify personal hash"}},
		{name: "mask not allowed", flow: masked,
			reach: map[string][]string{"notify": {"financial card<erp"}}, violations: []string{"Step 'notify' sends financial data (field card, from connection erp)"}},
		{name: "mask allowed", flow: masked, set: allowMask,
			reach: map[string][]string{"notify": nil}, declass: []string{"mask financial mask"}},
		{name: "a long substring is no mask", flow: strings.Replace(masked, "substring(record.card, -4)", "substring(record.card, 2)", 1),
			set: allowMask, reach: map[string][]string{"notify": {"financial card<erp"}}, violations: []string{"field card"}},
		{name: "a mask of a range", flow: strings.Replace(masked, "substring(record.card, -4)", "substring(record.card, 0, 4)", 1),
			set: allowMask, reach: map[string][]string{"notify": nil}, declass: []string{"mask financial mask"}},
		{name: "group counts without the names", flow: steps(manual, readHRFields+`  - id: per_team
    group:
      by: { team: record.department }
      fields: { people: count(), emails: collect(record.email) }
  - id: digest
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.team }}: {{ record.people }}" }
`+notify("{{ join(record.emails, ', ') }}")),
			reach:      map[string][]string{"digest": nil, "notify": {"personal emails<hr-fields"}},
			violations: []string{"Step 'notify' sends personal data (field emails"}, declass: []string{"per_team personal drop"}},
		{name: "a group drops what it leaves out", flow: steps(manual, readHRFields+`  - id: per_team
    group:
      by: { team: record.department }
      fields: { people: count() }
`+notify("{{ record.team }}: {{ record.people }}")),
			reach: map[string][]string{"notify": nil}, declass: []string{"per_team personal drop", "per_team personal drop"}},
		{name: "a group that may not drop", flow: steps(manual, readHRFields+`  - id: per_team
    group:
      by: { team: record.department }
      fields: { people: count() }
`+notify("{{ record.team }}: {{ record.people }}")),
			set:   func(s *Set) { s.Declassify.Drop.Allow = false },
			reach: map[string][]string{"notify": {"personal people<hr-fields", "personal team<hr-fields"}}, violations: []string{"forbids it"}},
	})
}

func TestBranches(t *testing.T) {
	t.Parallel()
	runShapes(t, []shape{
		{name: "if: the branch that sends", flow: steps(manual, readHR+`  - id: check
    if:
      condition: record.vip
      then:
`+indent(notify("VIP {{ record.email }}"), 6)+`      else:
        - id: quiet
          log: "not a VIP"
`),
			reach: map[string][]string{"notify": {"personal email<hr-db"}}, violations: []string{"Step 'notify' sends personal data (field email"}},
		{name: "if: a field set in one branch", flow: steps(manual, readHRFields+`  - id: check
    if:
      condition: record.vip
      then:
        - id: mark
          set: { line: "{{ record.email }}" }
      else:
        - id: plain
          set: { line: "someone" }
`+notify("{{ record.line }}")),
			reach: map[string][]string{"notify": {"personal line<hr-fields"}}, violations: []string{"field line"}},
		{name: "if: dropped in one branch only", flow: steps(manual, readHRFields+`  - id: check
    if:
      condition: record.vip
      then:
        - id: strip
          remove: [email]
`+notify("{{ record.email }}")),
			reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "switch without default passes records on", flow: steps(manual, readHRFields+`  - id: route
    switch:
      cases:
        - when: record.a
          steps: [{id: hide_a, set: {email: "a"}}]
        - when: record.b
          steps: [{id: hide_b, set: {email: "b"}}]
`+notify("{{ record.email }}")),
			reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "switch with default covers every record", flow: steps(manual, readHRFields+`  - id: route
    switch:
      cases:
        - when: record.a
          steps: [{id: hide_a, set: {email: "a"}}]
      default:
        - {id: hide_rest, set: {email: "b"}}
`+notify("{{ record.email }}")),
			reach: map[string][]string{"notify": nil}, declass: []string{"hide_a personal drop", "hide_rest personal drop"}},
		{name: "switch: a destination in a case", flow: steps("webhook: {}", `  - id: route
    switch:
      cases:
        - when: record.kind == "card"
          steps:
            - id: pay
              http: { method: POST, url: "https://pay.other.net/charge", json: { card: "{{ record.card }}" } }
`),
			env:   func(e *Env) { e.Input = []string{"financial:card"} },
			reach: map[string][]string{"pay": {"financial card<trigger"}},
			violations: []string{"Step 'pay' sends financial data (field card, from the trigger's input) to the HTTP API at pay.other.net; rule 'financial data only to approved connections' allows financial data only to connections labelled finance-approved",
				"Step 'pay' calls pay.other.net; rule 'HTTP only to example.com' allows only hosts matching *.example.com"}},
	})
}

func TestJoinsAndLoops(t *testing.T) {
	t.Parallel()
	runShapes(t, []shape{
		{name: "join into a field", flow: steps("webhook: {}", `  - id: with_person
    join:
      on: { left: record.person_id, right: record.id }
      into: person
      steps:
`+indent(readHR, 6)+notify("{{ record.ticket }}")+`  - id: tell
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.person.email }}" }
`),
			reach:      map[string][]string{"notify": nil, "tell": {"personal person<hr-db"}},
			violations: []string{"Step 'tell' sends personal data (field person, from connection hr-db)"}},
		{name: "join merging fields", flow: steps("webhook: {}", `  - id: with_person
    join:
      type: left
      on: { left: record.person_id, right: record.id }
      steps:
`+indent(readHRFields, 6)+notify("{{ record.ticket }} {{ record.email }}")),
			reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "for_each over lines", flow: steps(manual, `  - id: orders
    action: postgres.query
    connection: erp
    with: { sql: "select * from orders" }
  - id: each_line
    for_each:
      items: record.lines
      steps:
        - id: post_line
          http: { method: POST, url: "https://api.example.com/lines", json: { iban: "{{ record.iban }}", who: "{{ loop.parent.customer }}" } }
`),
			reach: map[string][]string{"post_line": {"financial iban<erp", "financial loop.parent.customer<erp"}},
			violations: []string{"Step 'post_line' sends financial data (fields iban and loop.parent.customer, from connection erp) to the HTTP API at api.example.com; " +
				"rule 'financial data only to approved connections' allows financial data only to connections labelled finance-approved"}},
		{name: "for_each into a field", flow: steps(manual, readHRFields+`  - id: each_email
    for_each:
      items: "[record.email]"
      into: lines
      steps:
        - {id: line, set: {text: "{{ record.value }}"}}
`+notify("{{ record.department }}")+`  - id: tell
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.lines }}" }
`),
			reach: map[string][]string{"notify": nil, "tell": {"personal lines<hr-fields"}}, violations: []string{"Step 'tell'"}},
		{name: "for_each replaces the record", flow: steps(manual, readHRFields+`  - id: each_tag
    for_each:
      items: record.tags
      steps:
        - {id: tag, set: {text: "{{ record.value }}"}}
`+notify("{{ record.text }} {{ record.email }}")),
			reach: map[string][]string{"notify": nil}, declass: []string{"each_tag personal drop", "each_tag personal drop"}},
		{name: "split as a field", flow: steps(manual, readHRFields+`  - id: one_per_phone
    split: { items: record.phones, as: phone_line }
`+notify("{{ record.phone_line }} {{ record.email }}")),
			reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
		{name: "error branch quotes the record", flow: steps(manual, readHR+`  - id: parse
    set: { n: "{{ number(record.salary) }}" }
    on_error:
      steps:
`+indent(notify("{{ error.step }}: {{ error.message }}"), 6)),
			reach: map[string][]string{"notify": {"personal error<hr-db"}}, violations: []string{"Step 'notify' sends personal data (field error"}},
		{name: "continue passes the record unchanged", flow: steps(manual, readHRFields+`  - id: hide
    set: { email: "{{ sha256(record.email) }}" }
    on_error: continue
`+notify("{{ record.email }}")),
			set:   func(s *Set) { s.Declassify.Hash.Allow = true },
			reach: map[string][]string{"notify": {"personal email<hr-fields"}}, violations: []string{"field email"}},
	})
}

func TestCalls(t *testing.T) {
	t.Parallel()
	child := parseFlow(t, "welcome.yaml", steps(manual, `  - id: write
    set: { to: "{{ record.email }}", subject: "Welcome {{ record.name }}" }
    keep: [to, subject]
  - id: post
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.to }}" }
`))
	child.Flow.Name = "Welcome"
	flows := func(e *Env) {
		e.Flows = func(_ *flow.Document, name string) (*flow.Document, error) {
			if name == "Welcome" {
				return child, nil
			}
			return nil, errNoFlow
		}
	}
	runShapes(t, []shape{
		{name: "the called flow's destinations", flow: steps(manual, readHRFields+`  - id: welcome
    call: { flow: Welcome, input: { email: "{{ record.email }}", name: "{{ record.department }}" }, into: sent }
`+notify("{{ record.sent }}")), env: flows,
			reach: map[string][]string{"welcome": {"personal email<hr-fields"}, "Welcome/post": {"personal to<hr-fields"}, "notify": {"personal sent<hr-fields"}},
			violations: []string{"Step 'post' of the flow 'Welcome' (called by step 'welcome') sends personal data (field to, from connection hr-fields) to Slack webhook team-chat",
				"Step 'notify' sends personal data (field sent"}},
		{name: "clean input, clean child", flow: steps(manual, readHRFields+`  - id: welcome
    call: { flow: Welcome, input: { name: "{{ record.department }}" } }
`), env: flows, reach: map[string][]string{"welcome": nil, "Welcome/post": nil}},
		{name: "not followed", flow: steps(manual, readHRFields+`  - id: welcome
    call: { flow: Elsewhere }
`), env: flows,
			reach: map[string][]string{"welcome": {"personal email<hr-fields", "personal phone<hr-fields"}},
			warns: []string{"the flow 'Elsewhere' was not followed (there is no such flow)"}},
		{name: "no way to find flows", flow: steps(manual, `  - id: welcome
    call: { flow: Welcome }
`), warns: []string{"called flows are not followed here"}},
		{name: "a loop of calls ends", flow: steps(manual, `  - id: again
    call: { flow: test }
`), env: func(e *Env) {
			e.Flows = func(from *flow.Document, _ string) (*flow.Document, error) { return from, nil }
		}, warns: []string{"a loop of calls"}},
	})
}

var errNoFlow = errorString("there is no such flow")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestHosts(t *testing.T) {
	t.Parallel()
	post := func(url string) string {
		return steps(manual, "  - id: post\n    http: { method: POST, url: \""+url+"\", json: { a: 1 } }\n")
	}
	runShapes(t, []shape{
		{name: "allowed host", flow: post("https://api.example.com/v1/{{ record.id }}"), reach: map[string][]string{"post": nil}},
		{name: "the domain itself is not below it", flow: post("https://example.com/x"),
			violations: []string{"Step 'post' calls example.com; rule 'HTTP only to example.com' allows only hosts matching *.example.com"}},
		{name: "look-alike host", flow: post("https://api.example.com.evil.net/x"), violations: []string{"calls api.example.com.evil.net"}},
		{name: "user info is not the host", flow: post("https://api.example.com@evil.net/x"), violations: []string{"calls evil.net"}},
		{name: "address from an expression", flow: post("{{ env.HOOK_URL }}"),
			warns: []string{"Step 'post' calls an address computed at run time ({{ env.HOOK_URL }}); rule 'HTTP only to example.com' is checked against the host before each request"}},
		{name: "host from an expression", flow: post("https://{{ record.tenant }}.example.com/x"), warns: []string{"computed at run time"}},
		{name: "connection's host", flow: steps(manual, "  - id: post\n    http: { connection: crm-api, url: /contacts }\n"),
			reach: map[string][]string{"post": nil}},
		{name: "connection without a known host", flow: steps(manual, "  - id: post\n    http: { connection: secret-api, url: /x }\n"),
			warns: []string{"Step 'post' calls HTTP connection secret-api; rule 'HTTP only to example.com' is checked"}},
		{name: "hosts rule for chat", flow: steps(manual, notify("hi")),
			set: func(s *Set) {
				s.Rules = append(s.Rules, Rule{ID: "chat-hosts", Hosts: &HostsRule{Allow: []string{"chat.example.com"}, Connectors: []string{"chat"}}})
			},
			violations: []string{"Step 'notify' calls hooks.slack.com; rule 'chat-hosts' allows only hosts matching chat.example.com"}},
		{name: "a chat connection whose host is known when it opens", flow: steps(manual, "  - id: tell\n    action: chat.send\n    connection: hidden-chat\n    with: { text: hi }\n"),
			set: func(s *Set) {
				s.Rules = append(s.Rules, Rule{ID: "chat-hosts", Hosts: &HostsRule{Allow: []string{"chat.example.com"}, Connectors: []string{"chat"}}})
			},
			env:   func(e *Env) { e.Connections["hidden-chat"] = Connection{Connector: "chat"} },
			warns: []string{"Step 'tell' calls team chat webhook hidden-chat; rule 'chat-hosts' is checked against the host before each request"}},
		{name: "deny to hosts, decided at run time", flow: steps("webhook: {}", "  - id: post\n    http: { url: \"{{ env.U }}\", json: { e: \"{{ record.email }}\" } }\n"),
			set: func(s *Set) {
				s.Rules = append(s.Rules, Rule{ID: "no-pii-abroad", Deny: &DenyRule{Classes: []string{Personal}, To: Targets{Hosts: []string{"*.abroad.net"}}}})
			},
			env:   func(e *Env) { e.Input = []string{"personal"} },
			warns: []string{"rule 'no-pii-abroad' is checked against the host before each request", "rule 'HTTP only to example.com' is checked"}},
	})
}

func TestOnlyLabelled(t *testing.T) {
	t.Parallel()
	read := `  - id: pay
    action: postgres.query
    connection: erp
    with: { sql: "select * from payments" }
`
	runShapes(t, []shape{
		{name: "to a connection without the label", flow: steps(manual, read+`  - id: copy
    action: postgres.insert
    connection: crm-db
    with: { table: payments }
`),
			violations: []string{"Step 'copy' sends financial data (from connection erp) to PostgreSQL connection crm-db; " +
				"rule 'financial data only to approved connections' allows financial data only to connections labelled finance-approved"}},
		{name: "to a labelled connection", flow: steps(manual, read+`  - id: copy
    action: postgres.insert
    connection: ledger
    with: { table: payments }
`), reach: map[string][]string{"copy": {"financial *<erp"}}},
		{name: "to the webhook's caller", flow: steps("webhook: {mode: sync}", read+`  - id: reply
    respond: { body: "{{ record.iban }}" }
`), violations: []string{"to the webhook's caller; rule 'financial data only to approved connections'"}},
		{name: "a read that is given data", flow: steps(manual, read+`  - id: look
    action: redis.get
    connection: cache
    with: { key: "{{ record.iban }}" }
`), reach: map[string][]string{"look": {"financial iban<erp"}}, violations: []string{"Redis connection cache"}},
	})
}

func TestReadsAreNoDestination(t *testing.T) {
	t.Parallel()
	rep := testSet().Check(parseFlow(t, "f.yaml", steps(manual, `  - id: look
    action: redis.get
    connection: cache
    with: { key: fixed }
`)), checkEnv())
	if len(rep.Destinations) != 0 {
		t.Errorf("a read given no data is a destination: %+v", rep.Destinations)
	}
}

func TestSchedules(t *testing.T) {
	t.Parallel()
	sales := func(e *Env) { e.Workspace = "Sales" }
	runShapes(t, []shape{
		{name: "too often", flow: steps("schedule: {every: 1m}", "  - {id: x, log: tick}\n"), env: sales,
			violations: []string{"The schedule starts a run every 1m; rule 'no busy schedules in Sales' allows no schedule more often than every 5m in workspace Sales"}},
		{name: "often enough", flow: steps("schedule: {every: 5m}", "  - {id: x, log: tick}\n"), env: sales},
		{name: "another workspace", flow: steps("schedule: {every: 1m}", "  - {id: x, log: tick}\n"), env: func(e *Env) { e.Workspace = "ops" }},
		{name: "cron too often", flow: steps("schedule: {cron: \"*/2 * * * *\"}", "  - {id: x, log: tick}\n"), env: sales,
			violations: []string{"The schedule '*/2 * * * *' starts runs as often as every 2m"}},
		{name: "cron twice an hour apart", flow: steps("schedule: {cron: \"0,3 9 * * MON-FRI\"}", "  - {id: x, log: tick}\n"), env: sales,
			violations: []string{"as often as every 3m"}},
		{name: "daily cron", flow: steps("schedule: {cron: \"0 9 * * *\", timezone: Europe/Berlin}", "  - {id: x, log: tick}\n"), env: sales},
	})
}

func TestLocations(t *testing.T) {
	t.Parallel()
	rep := testSet().Check(parseFlow(t, "flows/hr.yaml", steps(manual, readHR+notify("{{ record.email }}"))), checkEnv())
	if len(rep.Violations) != 1 {
		t.Fatalf("violations: %v", messages(rep))
	}
	v := rep.Violations[0]
	want := Location{File: "flows/hr.yaml", Line: 10, Column: 5, Path: "steps[1]"}
	if v.Location != want || v.Rule != "no-personal-to-external-messaging" || v.Step != "notify" || v.Class != Personal {
		t.Errorf("violation %+v, want at %+v", v, want)
	}
	if got := PathString(v.Path).String(); got != "staff → notify" {
		t.Errorf("path %q", got)
	}
}

func TestRunTimeHostCheck(t *testing.T) {
	t.Parallel()
	s := testSet()
	s.Rules = append(s.Rules, Rule{ID: "no-pii-abroad", Name: "no personal data abroad",
		Deny: &DenyRule{Classes: []string{Personal}, To: Targets{Hosts: []string{"*.abroad.net"}}}})
	env := checkEnv()
	env.Input = []string{"personal:email"}
	rep := s.Check(parseFlow(t, "f.yaml", steps("webhook: {}", `  - id: post
    http: { method: POST, url: "{{ record.callback }}", json: { e: "{{ record.email }}" } }
`)), env)
	d, ok := rep.Destination("post")
	if !ok || !d.RunTime || !slices.Equal(d.Classes(), []string{Personal}) {
		t.Fatalf("destination %+v", d)
	}
	tests := []struct {
		host string
		want string
	}{
		{"api.example.com", ""},
		{"evil.net", "the host evil.net is not allowed; rule 'HTTP only to example.com' allows only hosts matching *.example.com"},
		{"x.abroad.net", "personal data may not be sent to x.abroad.net (it matches *.abroad.net); rule 'no personal data abroad' forbids it"},
	}
	for _, tc := range tests {
		err := s.CheckHost(env.Workspace, tc.host, d.Classes()...)
		if other := s.CheckConnectorHost(env.Workspace, "chat", tc.host, d.Classes()...); (other == nil) != (tc.host != "x.abroad.net") {
			t.Errorf("%s for chat: %v", tc.host, other) // hosts rules are for http; deny rules for every connector
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.host, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.host, err, tc.want)
		}
	}
}

func TestEveryExampleChecks(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc := parseFlow(t, file, string(src))
		rep := Default().Check(doc, checkEnv())
		if rep.Flow == "" || rep.Destinations == nil {
			t.Errorf("%s: no report", file)
		}
	}
}

// indent indents YAML lines by n spaces.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n") + "\n"
}
