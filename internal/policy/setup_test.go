package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/flow"
)

// testConnections are the connections the flows of the tests use.
func testConnections() map[string]Connection {
	return map[string]Connection{
		"hr-db":      {Connector: "postgres", Labels: []string{"personal"}},
		"hr-fields":  {Connector: "postgres", Labels: []string{"personal:email", "personal:phone"}},
		"erp":        {Connector: "postgres", Labels: []string{"financial", "finance-approved"}},
		"crm-db":     {Connector: "postgres"},
		"ledger":     {Connector: "postgres", Labels: []string{"finance-approved"}},
		"team-chat":  {Connector: "chat", Title: "Slack webhook", Hosts: []string{"hooks.slack.com"}},
		"mailer":     {Connector: "email", Title: "email server", Hosts: []string{"smtp.example.com"}},
		"cache":      {Connector: "redis"},
		"events":     {Connector: "redis", Labels: []string{"pii"}},
		"crm-api":    {Connector: "http", Title: "HTTP connection", Hosts: []string{"crm.example.com"}},
		"secret-api": {Connector: "http", Title: "HTTP connection"},
	}
}

// checkEnv is an Env with testConnections and the real connectors.
func checkEnv() Env {
	return Env{Connections: testConnections(), Connectors: connectors.Lookup}
}

// testSet is Default with rules for every kind, so that each test shows
// which of them a flow breaks.
func testSet() Set {
	s := Default()
	s.Rules = append(s.Rules,
		Rule{ID: "finance-approved", Name: "financial data only to approved connections",
			Only: &OnlyRule{Classes: []string{Financial}, Labels: []string{"finance-approved"}}},
		Rule{ID: "example-hosts", Name: "HTTP only to example.com", Hosts: &HostsRule{Allow: []string{"*.example.com"}}},
		Rule{ID: "sales-schedules", Name: "no busy schedules in Sales", Workspaces: []string{"sales"},
			Schedule: &ScheduleRule{MinInterval: "5m"}},
	)
	return s
}

// parseFlow parses a flow document, failing the test on a schema error.
func parseFlow(t testing.TB, file, src string) *flow.Document {
	t.Helper()
	doc, diags := flow.Parse(file, []byte(src))
	if diags.HasErrors() {
		t.Fatalf("%s does not parse:\n%s", file, diags.Format(false))
	}
	return doc
}

// steps builds a flow of the given trigger and steps (YAML, indented by
// two spaces under "steps:").
func steps(trigger, body string) string {
	return "bistro: 1\nname: test\ntrigger:\n  " + trigger + "\nsteps:\n" + body
}

// reached summarises what reaches each destination: "class field<source"
// per reach, sorted, by step. A reach without a field is written "*".
func reached(rep Report) map[string][]string {
	out := map[string][]string{}
	for _, d := range rep.Destinations {
		name := d.Step
		if d.Flow != "" {
			name = d.Flow + "/" + d.Step
		}
		list := []string{}
		for _, r := range d.Reaches {
			src := r.Connection
			if src == "" {
				src = "trigger"
			}
			list = append(list, fmt.Sprintf("%s %s<%s", r.Class, cmpOr(r.Field, "*"), src))
		}
		slices.Sort(list)
		out[name] = slices.Compact(list)
	}
	return out
}

// messages lists the violations' messages.
func messages(rep Report) []string {
	out := []string{}
	for _, v := range rep.Violations {
		out = append(out, v.Message)
	}
	return out
}

func warnings(rep Report) string {
	var out []string
	for _, w := range rep.Warnings {
		out = append(out, w.Message)
	}
	return strings.Join(out, "\n")
}
