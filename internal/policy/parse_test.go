package policy

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/connectors"
)

const fullPolicy = `# The data policy of the example company.
classes:
  - { id: public, name: public data }
  - { id: personal, name: personal data, labels: [pii] }
  - { id: financial, name: financial data }
groups:
  - name: external messaging
    connectors: [chat, email]
rules:
  - id: no-pii-chat
    name: no personal data to external messaging
    deny:
      classes: [personal]
      to: { groups: [external messaging] }
  - id: finance-approved
    only: { classes: [financial], labels: [finance-approved] }
  - id: example-hosts
    hosts: { allow: ["*.example.com"] }
  - id: sales-schedules
    workspaces: [sales]
    schedule: { min_interval: 5m }
declassify:
  hash: { allow: true, classes: [personal] }
`

func TestParse(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte(fullPolicy), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Classes) != 3 || len(s.Rules) != 4 || s.Rules[0].Deny == nil || s.Rules[3].Schedule.MinInterval != "5m" {
		t.Errorf("parsed %+v", s)
	}
	// A declassify section replaces the default one: drop is not allowed
	// unless it says so.
	want := Declassify{Hash: Declassifier{Allow: true, Classes: []string{Personal}}}
	if diff := cmp.Diff(want, s.Declassify); diff != "" {
		t.Errorf("declassify (-want +got):\n%s", diff)
	}
	if c, ok := s.ClassOfLabel("PII"); !ok || c != Personal {
		t.Errorf("the label PII is %q, %v", c, ok)
	}
}

func TestParseKeepsDefaults(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte("rules: []\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if diff := cmp.Diff(d.Classes, s.Classes); diff != "" {
		t.Errorf("classes (-default +got):\n%s", diff)
	}
	if diff := cmp.Diff(d.Groups, s.Groups); diff != "" {
		t.Errorf("groups (-default +got):\n%s", diff)
	}
	if len(s.Rules) != 0 || !cmp.Equal(s.Declassify, d.Declassify) {
		t.Errorf("rules %v, declassify %+v", s.Rules, s.Declassify)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string // each error as file:line:column: field: message, in part
	}{
		{"empty", "  \n", []string{"p.yaml:1:1: the policy file is empty"}},
		{"not yaml", "rules: [\n", []string{"p.yaml:1:"}},
		{"unknown setting", "rules:\n  - id: x\n    deny: { classes: [personal], too: {} }\n", []string{"p.yaml:3:34:", "unknown setting \"too\""}},
		{"wrong type", "rules:\n  - id: x\n    workspaces: sales\n", []string{"p.yaml:3:17:"}},
		{"unknown class", "rules:\n  - id: x\n    deny:\n      classes: [personal, secrets]\n      to: { connectors: [chat] }\n",
			[]string{"p.yaml:4:27: rules[0].deny.classes[1]: there is no class 'secrets'; the classes are public, internal"}},
		{"no kind", "rules:\n  - id: x\n    name: nothing\n", []string{"p.yaml:2:5: rules[0]: the rule 'x' says nothing"}},
		{"two kinds", "rules:\n  - id: x\n    only: { classes: [financial], labels: [ok] }\n    hosts: { allow: [a.com] }\n",
			[]string{"p.yaml:2:5: rules[0]: the rule 'x' has both 'only' and 'hosts'"}},
		{"duplicate ids", "rules:\n  - { id: x, hosts: { allow: [a.com] } }\n  - { id: x, hosts: { allow: [b.com] } }\n",
			[]string{"p.yaml:3:11: rules[1].id: there are two rules with the id 'x' (the first is rule 1)"}},
		{"missing id", "rules:\n  - hosts: { allow: [a.com] }\n", []string{"p.yaml:2:5: rules[0].id: every rule needs an id"}},
		{"bad interval", "rules:\n  - id: s\n    schedule: { min_interval: often }\n",
			[]string{"p.yaml:3:31: rules[0].schedule.min_interval: 'often' is not a duration"}},
		{"bad host pattern", "rules:\n  - id: h\n    hosts: { allow: [\"https://a.com/x\", \"a.*.com\"] }\n",
			[]string{"rules[0].hosts.allow[0]: 'https://a.com/x' is not a host pattern", "rules[0].hosts.allow[1]: 'a.*.com' is not a host pattern"}},
		{"unknown group", "rules:\n  - id: g\n    deny: { classes: [personal], to: { groups: [chatty] } }\n",
			[]string{"rules[0].deny.to.groups[0]: there is no group 'chatty'"}},
		{"no targets", "rules:\n  - id: g\n    deny: { classes: [personal], to: {} }\n", []string{"rules[0].deny.to: say where"}},
		{"bad kind", "rules:\n  - id: g\n    deny: { classes: [personal], to: { kinds: [email] } }\n",
			[]string{"rules[0].deny.to.kinds[0]: 'email' is not a kind of destination"}},
		{"only without labels", "rules:\n  - id: o\n    only: { classes: [financial] }\n", []string{"rules[0].only.labels: say which label"}},
		{"class ids", "classes:\n  - { id: Personal Data, name: x }\n  - { id: a, labels: [b] }\n  - { id: b }\n",
			[]string{"classes[0].id: 'Personal Data' is not a usable class id", "p.yaml:4:11: classes[2].id: 'b' already means the class 'a'"}},
		{"group without connectors", "groups:\n  - { name: empty }\n", []string{"groups[0].connectors: the group 'empty' lists no connectors"}},
		{"declassify class", "declassify:\n  hash: { allow: true, classes: [nope] }\n", []string{"p.yaml:2:34: declassify.hash.classes[0]: there is no class 'nope'"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.src), "p.yaml")
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %v (%T), want Errors", err, err)
			}
			got := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("errors:\n%s\nwant one to contain %q", got, w)
				}
			}
		})
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range d.Classes {
		ids = append(ids, c.ID)
	}
	if want := []string{Public, Internal, Confidential, Personal, Financial, Health}; !slices.Equal(ids, want) {
		t.Errorf("classes %v, want %v", ids, want)
	}
	// The group's connectors exist and are the messaging connectors that
	// reach people rather than systems.
	g, ok := d.Group(ExternalMessaging)
	if !ok {
		t.Fatal("no external messaging group")
	}
	for _, id := range g.Connectors {
		spec, ok := connectors.Lookup(id)
		if !ok || spec.Category != "messaging" {
			t.Errorf("%s: %v, category %q", id, ok, spec.Category)
		}
	}
}

func TestSetRoundTrips(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte(fullPolicy), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, "p.json")
	if err != nil {
		t.Fatalf("the JSON does not parse back: %v\n%s", err, data)
	}
	if diff := cmp.Diff(s, back); diff != "" {
		t.Errorf("round trip (-yaml +json):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(fullPolicy))
	f.Add([]byte("rules:\n  - id: x\n    deny: {classes: [personal], to: {groups: [external messaging]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "f.yaml")
		if err == nil {
			if verr := s.Validate(); verr != nil {
				t.Fatalf("Parse accepted what Validate refuses: %v", verr)
			}
		}
	})
}

func TestParseRefusesAliasesAndTags(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"x: &a [personal]\nrules:\n  - id: r\n    deny: { classes: *a, to: { connectors: [chat] } }\n",
		"rules:\n  - id: A\n    deny: {classes: [personal], to: {groups: !00000000 00}} ",
		"rules:\n  - <<: {id: x}\n    hosts: {allow: [a.com]}\n",
	} {
		_, err := Parse([]byte(src), "p.yaml")
		if err == nil || !strings.Contains(err.Error(), "are not supported in a policy") {
			t.Errorf("%q: %v", src, err)
		}
	}
}
