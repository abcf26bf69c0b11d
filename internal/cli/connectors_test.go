package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/connectors"
)

func TestConnectorsCommand(t *testing.T) {
	t.Parallel()
	http, _ := connectors.Lookup("http")
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // parts stdout must contain
		stderr   string
		exactOut string
	}{
		{name: "list", args: []string{"connectors", "list"}, stdout: []string{"NAME  ", "CATEGORY", "http  ", "http.request", "Call any web API"}},
		{name: "list json", args: []string{"connectors", "list", "--format", "json"}, stdout: []string{`"id": "http.request"`, `"input_schema"`, `"writeOnly": true`}},
		{name: "show", args: []string{"connectors", "show", "http"}, exactOut: http.Markdown()},
		{name: "show json", args: []string{"connectors", "show", "http", "--format", "json"}, stdout: []string{`"config_schema"`, `"name": "http"`}},
		{name: "show unknown", args: []string{"connectors", "show", "nope"}, code: exitUsage, stderr: "there is no connector named 'nope'"},
		{name: "show needs a name", args: []string{"connectors", "show"}, code: exitUsage, stderr: "accepts 1 arg"},
		{name: "bad format", args: []string{"connectors", "list", "--format", "xml"}, code: exitUsage, stderr: "--format must be text or json, not 'xml'"},
		{name: "list help", args: []string{"connectors", "list", "--help"}, stdout: []string{"Examples:", "bistro connectors list --format json"}},
		{name: "show help", args: []string{"connectors", "show", "--help"}, stdout: []string{"Examples:", "bistro connectors show http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", nil, tt.args...)
			if r.code != tt.code {
				t.Fatalf("code = %d, want %d; stderr: %s", r.code, tt.code, r.stderr)
			}
			for _, part := range tt.stdout {
				if !strings.Contains(r.stdout, part) {
					t.Errorf("stdout lacks %q:\n%s", part, r.stdout)
				}
			}
			if tt.exactOut != "" && r.stdout != tt.exactOut {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.exactOut)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.stderr)
			}
		})
	}
}

func TestConnectorsListJSONIsValid(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", nil, "connectors", "list", "--format", "json")
	var got []connectorJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(got) != len(connectors.All()) {
		t.Fatalf("%d connectors listed, want %d", len(got), len(connectors.All()))
	}
	for i, c := range got {
		if c.Name != connectors.All()[i].Name || c.ConfigSchema == nil || len(c.Actions)+len(connectors.All()[i].Triggers) == 0 {
			t.Errorf("connector %d: %s with %d actions and schema %v", i, c.Name, len(c.Actions), c.ConfigSchema != nil)
		}
	}
}

func TestValidateKnowsConnectorActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action string
		code   int
	}{
		{"http.request", exitFailed}, // built in: flows use the http step
		{"crm.upsert", exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, "f.yaml", "bistro: 1\nname: t\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    action: "+tt.action+"\n    with: { url: https://example.com }\n")
			r := runCLI(t, "", nil, "validate", path)
			if r.code != tt.code {
				t.Errorf("code = %d, want %d; stdout: %s stderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
		})
	}
}
