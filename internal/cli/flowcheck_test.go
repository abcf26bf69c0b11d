package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/policy"
)

const hrDigest = `bistro: 1
name: New hires to the team channel
trigger:
  schedule: { every: 1m }
steps:
  - id: new_hires
    action: postgres.query
    connection: hr-db
    with: { sql: "select name, email, department from staff" }
  - id: tidy
    set:
      email: "{{ lower(record.email) }}"
    keep: [email, department]
  - id: notify
    action: chat.send
    connection: team-chat
    with: { text: "Welcome <{{ record.email }}>" }
  - id: audit
    http:
      method: POST
      url: "{{ env.AUDIT_URL }}"
      json: { key: "{{ sha256(record.email) }}" }
`

const checkConns = `hr-db:
  connector: postgres
  config: { host: db.internal, password: "{{ env.PG_PASSWORD }}" }
  labels: [personal]
team-chat:
  connector: chat
  config: { service: slack, webhook_url: "https://hooks.slack.com/services/T/B/X" }
`

const checkPolicy = `rules:
  - id: no-personal-to-external-messaging
    name: no personal data to external messaging
    deny: { classes: [personal], to: { groups: [external messaging] } }
  - id: example-hosts
    name: HTTP only to example.com
    hosts: { allow: ["*.example.com"] }
  - id: sales-schedules
    name: Sales schedules at most every 5 minutes
    workspaces: [sales]
    schedule: { min_interval: 5m }
declassify:
  hash: { allow: true }
`

func TestFlowCheck(t *testing.T) {
	t.Parallel()
	flowFile := writeFile(t, "hr-digest.yaml", hrDigest)
	conns := writeFile(t, "connections.yaml", checkConns)
	pol := writeFile(t, "policy.yaml", checkPolicy)
	clean := writeFile(t, "clean.yaml", strings.Replace(hrDigest, `Welcome <{{ record.email }}>`, `Someone new starts today`, 1))
	base := []string{"flow", "check", "--allow-env", "AUDIT_URL", "--policy", pol}
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{"violation", append(base, "--connections", conns, flowFile), 1, []string{
			flowFile + ": flow 'New hires to the team channel'",
			"  step 'notify' → Slack webhook team-chat (chat.send)\n      personal data in field email, from connection hr-db: new_hires → tidy → notify",
			"  step 'audit' → an address computed at run time ({{ env.AUDIT_URL }}) (http; its host is checked when the flow runs)\n      no classified data",
			"declassified: step 'audit' hashes personal data from connection hr-db",
			flowFile + ":14:5: Step 'notify' sends personal data (field email, from connection hr-db) to Slack webhook team-chat; rule 'no personal data to external messaging' forbids it\n    path: new_hires → tidy → notify",
			flowFile + ":18:5: warning: Step 'audit' calls an address computed at run time",
		}, []string{"1 flow checked: 1 violation"}},
		{"workspace rules", append(base, "--connections", conns, "--workspace", "sales", flowFile), 1,
			[]string{flowFile + ":4:22: The schedule starts a run every 1m; rule 'Sales schedules at most every 5 minutes' allows no schedule more often than every 5m in workspace sales"},
			[]string{"1 flow checked: 2 violations"}},
		{"labels on the command line", append(base, "--label", "hr-db=personal", flowFile), 1,
			[]string{"to team chat webhook team-chat; rule 'no personal data to external messaging' forbids it"}, nil},
		{"no labels, no violation", append(base, flowFile), 0, []string{"  step 'notify' → team chat webhook team-chat (chat.send)\n      no classified data"},
			[]string{"1 flow checked: no violations"}},
		{"clean", append(base, "--connections", conns, clean), 0, nil, []string{"1 flow checked: no violations"}},
		{"two files", append(base, "--connections", conns, clean, flowFile), 1, nil, []string{"2 flows checked: 1 violation"}},
		{"default policy", []string{"flow", "check", "--allow-env", "AUDIT_URL", "--label", "hr-db=pii", flowFile}, 1,
			[]string{"rule 'no personal data to external messaging' forbids it"}, nil},
		{"invalid flow", append(base, writeFile(t, "bad.yaml", strings.Replace(hrDigest, "record.email }}>", "recrod.email }}>", 1))), 1,
			nil, []string{"bad.yaml:17:", "recrod", "not all could be checked"}},
		{"env not allowed", []string{"flow", "check", flowFile}, 1, nil, []string{"env.AUDIT_URL"}},
		{"unknown connection", append(base, "--connections", conns, writeFile(t, "other.yaml", strings.Replace(hrDigest, "connection: team-chat", "connection: nowhere", 1))), 1,
			nil, []string{"there is no connection called 'nowhere'"}},
		{"bad label", append(base, "--label", "hr-db", flowFile), 2, nil, []string{"--label hr-db: write NAME=LABEL"}},
		{"bad format", append(base, "--format", "xml", flowFile), 2, nil, []string{"--format must be text or json"}},
		{"no files", []string{"flow", "check"}, 2, nil, []string{"requires at least 1 arg"}},
		{"missing policy", []string{"flow", "check", "--policy", filepath.Join(t.TempDir(), "nope.yaml"), flowFile}, 1, nil, []string{"nope.yaml: no such file"}},
		{"bad policy", []string{"flow", "check", "--policy", writeFile(t, "p.yaml", "rules:\n  - id: x\n    deny: { classes: [secret], to: { connectors: [chat] } }\n"), flowFile}, 1,
			nil, []string{"p.yaml:3:23: rules[0].deny.classes[0]: there is no class 'secret'"}},
		{"group of unknown connectors", []string{"flow", "check", "--policy", writeFile(t, "g.yaml", "groups:\n  - { name: chats, connectors: [chatt] }\n"), flowFile}, 1,
			nil, []string{"the group 'chats' names the connector 'chatt', which does not exist"}},
		{"bad connections file", append(base, "--connections", writeFile(t, "c.yaml", "hr-db:\n  connector: postgres\n  lables: [personal]\n"), flowFile), 2,
			nil, []string{"is not a connections file", "lables"}},
		{"unknown connector", append(base, "--connections", writeFile(t, "c.yaml", "hr-db:\n  connector: oracle\n"), flowFile), 2,
			nil, []string{"the connection 'hr-db' has no known connector ('oracle')"}},
		{"help", []string{"flow", "check", "--help"}, 0, []string{"Examples:", "bistro flow check flows/hr-digest.yaml"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", nil, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout:\n%s\nwant it to contain:\n%s", r.stdout, want)
				}
			}
			for _, want := range tc.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr:\n%s\nwant it to contain:\n%s", r.stderr, want)
				}
			}
		})
	}
}

func TestFlowCheckJSON(t *testing.T) {
	t.Parallel()
	flowFile := writeFile(t, "hr-digest.yaml", hrDigest)
	r := runCLI(t, "", nil, "flow", "check", "--format", "json", "--allow-env", "AUDIT_URL",
		"--connections", writeFile(t, "c.yaml", checkConns), flowFile)
	if r.code != 1 {
		t.Fatalf("exit code %d\n%s", r.code, r.stderr)
	}
	var reports []policy.Report
	if err := json.Unmarshal([]byte(r.stdout), &reports); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(reports) != 1 || len(reports[0].Violations) != 1 {
		t.Fatalf("reports: %+v", reports)
	}
	v := reports[0].Violations[0]
	if v.Rule != "no-personal-to-external-messaging" || v.Step != "notify" || v.Location.Line != 14 || len(v.Path) != 3 {
		t.Errorf("violation %+v", v)
	}
}

func TestFlowCheckFollowsCalls(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	parent := filepath.Join(dir, "onboard.yaml")
	child := filepath.Join(dir, "welcome.yaml")
	write := func(path, src string) {
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(parent, `bistro: 1
name: Onboard
trigger:
  webhook: { mode: sync }
steps:
  - id: welcome
    call: { flow: Welcome, input: { email: "{{ record.email }}" } }
  - id: reply
    respond: { body: { ok: true } }
`)
	write(child, `bistro: 1
name: Welcome
trigger:
  manual: {}
steps:
  - id: tell
    action: chat.send
    connection: team-chat
    with: { text: "{{ record.email }} starts today" }
`)
	r := runCLI(t, "", nil, "flow", "check", "--input-label", "personal:email", "--label", "team-chat=internal", parent)
	if r.code != 1 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"  step 'welcome' → the flow 'Welcome' (call)\n      personal data in field email, from the trigger's input: trigger → welcome",
		"  step 'tell' of the flow 'Welcome' → team chat webhook team-chat (chat.send)\n      personal data in field email, from the trigger's input: trigger → welcome → 'Welcome' tell",
		child + ":6:5: Step 'tell' of the flow 'Welcome' (called by step 'welcome') sends personal data (field email, from the trigger's input)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout:\n%s\nwant it to contain:\n%s", r.stdout, want)
		}
	}
}
