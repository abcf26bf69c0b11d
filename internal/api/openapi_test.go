package api_test

import (
	"encoding/json"
	"flag"
	"github.com/bistro-dev/bistro/internal/api"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/openapi.json from the operations")

const specFile = "../../docs/openapi.json"

// TestOpenAPIInSync keeps the committed OpenAPI document equal to the one
// the operations generate (go test ./internal/api -run OpenAPI -update).
func TestOpenAPIInSync(t *testing.T) {
	t.Parallel()
	got, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(specFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Fatalf("docs/openapi.json is stale: run go test ./internal/api -run OpenAPI -update")
	}
}

// TestGuideCoversEveryPath keeps docs/api.md in step with the operations.
func TestGuideCoversEveryPath(t *testing.T) {
	t.Parallel()
	spec, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	guide, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Paths) < 10 {
		t.Fatalf("only %d paths in the spec", len(doc.Paths))
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			entry := strings.ToUpper(method) + " " + path
			if !strings.Contains(string(guide), entry) {
				t.Errorf("docs/api.md does not mention %q", entry)
			}
		}
	}
}
