package expr

import (
	"flag"
	"os"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
)

var update = flag.Bool("update", false, "rewrite generated docs and golden files")

// fixedClock is the clock every test evaluation reads now() from.
func fixedVars() Vars {
	return Vars{
		VarRecord: map[string]any{"email": "  Ada@Example.com ", "amount": 150.0, "country": "DE",
			"customer": map[string]any{"email": "c@x.io"}, "items": []any{1.0, 2.0}},
		VarClock: clocktest.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
	}
}

func TestCatalogueExamples(t *testing.T) {
	t.Parallel()
	for _, f := range Functions() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(f.Example, []string{VarRecord})
			if err != nil {
				t.Fatalf("compile %s: %v", f.Example, err)
			}
			v, err := p.Eval(fixedVars())
			if err != nil {
				t.Fatalf("eval %s: %v", f.Example, err)
			}
			got, err := toJSON(v)
			if err != nil {
				t.Fatal(err)
			}
			if got != f.Result {
				t.Errorf("%s = %s, documented as %s", f.Example, got, f.Result)
			}
		})
	}
}

func TestDocsUpToDate(t *testing.T) {
	t.Parallel()
	const path = "../../docs/expressions.md"
	want := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/expressions.md is stale; run: go test ./internal/expr -run TestDocsUpToDate -update")
	}
}
