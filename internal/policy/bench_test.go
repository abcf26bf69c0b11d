package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/flow"
)

// fiftySteps generates a flow of 50 steps (nested ones counted) of every
// kind the check treats differently: reads of labelled connections,
// field mappings, branches, a loop, a join, a group, hashes, HTTP calls
// with static and computed addresses, chat messages and a reply.
func fiftySteps() string {
	var b strings.Builder
	b.WriteString("bistro: 1\nname: fifty\ntrigger:\n  webhook: { mode: sync }\nsteps:\n")
	for i := range 4 { // 12 steps each, and two more: 50
		fmt.Fprintf(&b, `  - id: read_%[1]d
    action: postgres.query
    connection: hr-fields
    with: { sql: "select * from staff where team = $1", args: ["{{ record.team }}"] }
  - id: map_%[1]d
    set:
      contact: "{{ lower(record.email) }}"
      key: "{{ sha256(record.phone) }}"
      team: "{{ upper(record.department) }}"
      note: "{{ record.name }} ({{ record.title }})"
    remove: [phone]
  - id: check_%[1]d
    if:
      condition: record.vip
      then:
        - id: vip_%[1]d
          set: { level: gold, badge: "{{ record.contact }}" }
      else:
        - id: plain_%[1]d
          set: { level: none }
  - id: lines_%[1]d
    for_each:
      items: record.lines
      into: posted
      steps:
        - id: post_line_%[1]d
          http: { method: POST, url: "https://api.example.com/lines/{{ record.id }}", json: { who: "{{ loop.parent.contact }}", n: "{{ record.qty }}" } }
  - id: with_team_%[1]d
    join:
      on: { left: record.team, right: record.name }
      into: team_info
      steps:
        - id: teams_%[1]d
          action: redis.get
          connection: events
          with: { key: teams }
  - id: only_real_%[1]d
    filter: record.contact != ""
  - id: tell_%[1]d
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.note }} is {{ record.level }}" }
  - id: hook_%[1]d
    http: { method: POST, url: "{{ env.HOOK_URL }}", json: { key: "{{ record.key }}", team: "{{ record.team_info.value }}" } }
`, i)
	}
	b.WriteString(`  - id: per_team
    group:
      by: { team: record.team }
      fields: { people: count(), contacts: collect(record.contact) }
  - id: reply
    respond: { body: { teams: "{{ record.team }}", people: "{{ record.people }}" } }
`)
	return b.String()
}

func countSteps(list []flow.Step) int {
	n := 0
	for _, s := range list {
		n++
		if s.If != nil {
			n += countSteps(s.If.Then) + countSteps(s.If.Else)
		}
		if s.ForEach != nil {
			n += countSteps(s.ForEach.Steps)
		}
		if s.Join != nil {
			n += countSteps(s.Join.Steps)
		}
	}
	return n
}

func TestFiftySteps(t *testing.T) {
	t.Parallel()
	doc := parseFlow(t, "fifty.yaml", fiftySteps())
	if n := countSteps(doc.Flow.Steps); n != 50 {
		t.Fatalf("the generated flow has %d steps, not 50", n)
	}
	rep := testSet().Check(doc, checkEnv())
	if len(rep.Destinations) != 17 || len(rep.Violations) == 0 {
		for _, v := range rep.Violations {
			t.Log(v.Message)
		}
		t.Errorf("%d destinations, %d violations", len(rep.Destinations), len(rep.Violations))
	}
}

// BenchmarkCheck50Steps measures one check of a 50-step flow, from the
// parsed document to the report, with every kind of rule. The floor is
// 10 ms per check.
func BenchmarkCheck50Steps(b *testing.B) {
	doc := parseFlow(b, "fifty.yaml", fiftySteps())
	s := testSet()
	s.Declassify.Hash.Allow = true
	env := checkEnv()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep := s.Check(doc, env)
		if len(rep.Destinations) == 0 {
			b.Fatal("no destinations")
		}
	}
}
