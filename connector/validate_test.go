package connector_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s is out of date (run go test -update):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestValidateConfigMessages(t *testing.T) {
	t.Parallel()
	spec := connector.Spec{Name: "demo", Config: []connector.Field{
		{Name: "host", Type: connector.String, Required: true, Help: "The server's host name."},
		{Name: "port", Type: connector.Int, Help: "The port."},
		{Name: "ratio", Type: connector.Number, Help: "A ratio."},
		{Name: "tls", Type: connector.Bool, Help: "Use TLS."},
		{Name: "timeout", Type: connector.Duration, Help: "Time limit."},
		{Name: "mode", Type: connector.Enum, Enum: []string{"fast", "safe"}, Help: "The mode."},
		{Name: "tags", Type: connector.List, Items: &connector.Field{Type: connector.String, Help: "A tag."}, Help: "Tags."},
		{Name: "labels", Type: connector.Object, Items: &connector.Field{Type: connector.Int, Help: "A count."}, Help: "Labels."},
		{Name: "auth", Type: connector.Object, Help: "Login.", Fields: []connector.Field{
			{Name: "user", Type: connector.String, Required: true, Help: "The user name."},
			{Name: "password", Type: connector.String, Secret: true, Help: "The password."},
		}},
		{Name: "extra", Type: connector.Any, Help: "Anything."},
	}}
	cases := []struct {
		name   string
		config map[string]any
	}{
		{"valid", map[string]any{"host": "db", "port": 5432, "ratio": int64(2), "tls": true, "timeout": "1m30s", "mode": "safe",
			"tags": []any{"a"}, "labels": map[string]any{"x": 1.0}, "auth": map[string]any{"user": "ann"}, "extra": []any{1}}},
		{"empty", map[string]any{}},
		{"nil value counts as missing", map[string]any{"host": nil}},
		{"wrong kinds", map[string]any{"host": 5, "port": 1.5, "ratio": "x", "tls": "yes", "timeout": 30, "mode": "slow"}},
		{"templates are not accepted in settings", map[string]any{"host": "db", "port": "{{ env.PORT }}"}},
		{"nested", map[string]any{"host": "db", "tags": []any{"a", 2}, "labels": map[string]any{"x": "one"}, "auth": map[string]any{"pass": "x"}}},
		{"not a list or object", map[string]any{"host": "db", "tags": "a,b", "auth": "ann"}},
		{"unknown", map[string]any{"host": "db", "hots": "x"}},
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "== %s\n", c.name)
		for _, e := range spec.ValidateConfig(c.config) {
			fmt.Fprintf(&b, "%s\t%s\t%s\n", e.Field, e.Code, e.Message)
		}
	}
	golden(t, "validate_config.golden", b.String())
}

func TestValidateInputAcceptsTemplates(t *testing.T) {
	t.Parallel()
	action := connector.Action{Input: []connector.Field{
		{Name: "port", Type: connector.Int, Help: "The port."},
		{Name: "when", Type: connector.Duration, Help: "Delay."},
	}}
	tests := []struct {
		name  string
		input map[string]any
		codes []string
	}{
		{"template for a number", map[string]any{"port": "{{ record.port }}"}, nil},
		{"template for a duration", map[string]any{"when": "{{ record.delay }}"}, nil},
		{"plain text for a number", map[string]any{"port": "80"}, []string{connector.CodeType}},
		{"unknown", map[string]any{"prot": 1}, []string{connector.CodeUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var codes []string
			for _, e := range action.ValidateInput(tt.input) {
				codes = append(codes, e.Code)
			}
			if fmt.Sprint(codes) != fmt.Sprint(tt.codes) {
				t.Errorf("codes = %v, want %v", codes, tt.codes)
			}
		})
	}
}
