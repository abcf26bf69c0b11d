package cli

import (
	"strings"
	"testing"
)

const leadsFlow = `bistro: 1
name: Post leads
trigger:
  webhook: { method: POST }
steps:
  - id: tidy
    set: { email: "{{ lower(record.email) }}" }
  - id: post
    http:
      method: POST
      url: "https://crm.example.com/leads"
      json: { email: "{{ record.email }}" }
`

// TestServeConnectorCatalogue blocks a connector on a running server: the
// flow that uses it is paused, cannot be turned on or saved again, and
// works again once IT allows the connector in its workspace.
func TestServeConnectorCatalogue(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, _, stop := startServe(t, data, nil)
	t.Cleanup(func() { _ = stop() })
	vars := map[string]string{"BISTRO_URL": "http://" + addr, "BISTRO_DATA": data}
	file := writeFile(t, "leads.yaml", leadsFlow)
	if r := runCLI(t, "", vars, "flow", "apply", file); r.code != 0 {
		t.Fatalf("apply: %s%s", r.stdout, r.stderr)
	}

	r := runCLI(t, "", vars, "catalogue", "set", "http", "blocked")
	if r.code != 0 || !strings.Contains(r.stdout, "Paused the flow 'Post leads' in workspace 'default': IT blocked the connector 'http' it uses") {
		t.Fatalf("block http: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "flow", "list"); !strings.Contains(r.stdout, "Post leads") || !strings.Contains(r.stdout, "webhook  no") {
		t.Errorf("the flow after blocking:\n%s%s", r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "flow", "enable", "Post leads")
	if r.code != 1 || !strings.Contains(r.stderr, "IT has blocked the connector 'http' in workspace 'default'") {
		t.Errorf("enable while blocked: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	changed := writeFile(t, "leads.yaml", strings.Replace(leadsFlow, "lower(", "upper(", 1))
	r = runCLI(t, "", vars, "flow", "apply", changed)
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "leads.yaml:10:7: step 'post'") || !strings.Contains(r.stdout+r.stderr, "IT has blocked the connector 'http'") ||
		!strings.Contains(r.stdout+r.stderr, "bistro connectors request http") {
		t.Errorf("apply while blocked: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "catalogue", "show")
	if !strings.Contains(r.stdout, "http") || !strings.Contains(r.stdout, "blocked") {
		t.Errorf("catalogue show:\n%s%s", r.stdout, r.stderr)
	}

	if r := runCLI(t, "", vars, "catalogue", "set", "http", "approved", "--workspace", "default"); r.code != 0 {
		t.Fatalf("approve for default: %s%s", r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "flow", "enable", "Post leads"); r.code != 0 {
		t.Errorf("enable once allowed: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "flow", "apply", changed); r.code != 0 {
		t.Errorf("apply once allowed: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "catalogue", "set", "nope", "blocked")
	if r.code != 1 || !strings.Contains(r.stderr, "there is no connector 'nope'") {
		t.Errorf("an unknown connector: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
