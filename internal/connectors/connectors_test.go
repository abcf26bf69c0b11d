package connectors_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/flow"
)

var update = flag.Bool("update", false, "rewrite docs/connectors from the specs")

const docsDir = "../../docs/connectors"

func TestConformance(t *testing.T) {
	t.Parallel()
	var names []string
	for _, s := range connectors.All() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			connectortest.CheckSpec(t, s)
		})
		names = append(names, s.Name)
	}
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("connector names must be sorted and unique: %v", names)
	}
}

func TestHasAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"http.request", false}, // built in: runs as the http step
		{"http.get", false},
		{"postgres.upsert", true},
		{"http", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			if got := connectors.HasAction(tt.id); got != tt.want {
				t.Errorf("HasAction(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

// TestFlowValidation checks the registry plugged into flow validation.
func TestFlowValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action  string
		wantErr bool
	}{
		{"http.request", true},
		{"crm.upsert", true},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			t.Parallel()
			src := "bistro: 1\nname: t\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    action: " + tt.action + "\n    with: { url: https://example.com }\n"
			_, diags := flow.Load("t.yaml", []byte(src), flow.Options{Actions: connectors.HasAction})
			if got := strings.Contains(diags.Error(), "unknown action"); got != tt.wantErr {
				t.Errorf("unknown action reported = %v, want %v; diagnostics:\n%s", got, tt.wantErr, diags.Error())
			}
		})
	}
}

// TestDocsUpToDate fails when docs/connectors differs from the specs; run
// go test ./internal/connectors -update to regenerate it.
func TestDocsUpToDate(t *testing.T) {
	t.Parallel()
	want := map[string]string{"README.md": connectors.Index(connectors.All())}
	for _, s := range connectors.All() {
		want[s.Name+".md"] = s.Markdown()
	}
	if *update {
		writeDocs(t, want)
	}
	files, err := filepath.Glob(filepath.Join(docsDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := want[filepath.Base(f)]; !ok {
			t.Errorf("%s belongs to no connector; remove it or run go test -update", f)
		}
	}
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(docsDir, name))
		if err != nil || string(got) != content {
			t.Errorf("docs/connectors/%s is out of date; run go test ./internal/connectors -update", name)
		}
	}
}

func writeDocs(t *testing.T, files map[string]string) {
	t.Helper()
	old, _ := filepath.Glob(filepath.Join(docsDir, "*.md"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(docsDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
