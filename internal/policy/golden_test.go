package policy

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden checks every flow in testdata with the test set and
// compares the explanation with testdata/NAME.golden: what reaches each
// destination and along which path, the violations, the warnings and
// what was declassified. go test -run Golden -update rewrites them.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no flows in testdata (%v)", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s := testSet()
			s.Declassify.Mask = Declassifier{Allow: true, Classes: []string{Financial}}
			env := checkEnv()
			env.Workspace = "sales"
			env.Input = []string{"personal:email", "financial:card", "personal:name"}
			got := explain(s, s.Check(parseFlow(t, file, string(src)), env))
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s (go test -run Golden -update rewrites it); got:\n%s", file, golden, got)
			}
		})
	}
}

// explain writes a report as plain text, one fact a line.
func explain(s Set, rep Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow %q\n", rep.Flow)
	for _, d := range rep.Destinations {
		fmt.Fprintf(&b, "\ndestination %s (%s) at line %d: %s\n", stepName(d), firstNonEmpty(d.Action, d.Kind), d.Location.Line, d.Target)
		if d.RunTime {
			b.WriteString("  host known only at run time\n")
		}
		for _, r := range d.Reaches {
			fmt.Fprintf(&b, "  %s, field %q, from %s (field %q): %s\n", s.ClassName(r.Class), r.Field, r.Source, r.SourceField, PathString(r.Path))
		}
	}
	for _, v := range rep.Violations {
		fmt.Fprintf(&b, "\nviolation at line %d of rule %s:\n  %s\n", v.Location.Line, v.Rule, v.Message)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(&b, "\nwarning at line %d:\n  %s\n", w.Location.Line, w.Message)
	}
	for _, d := range rep.Declassified {
		fmt.Fprintf(&b, "\ndeclassified by %s at step %s: %s (field %q) from %s\n", d.By, d.Step, d.Class, d.Field, d.Source)
	}
	for _, sg := range rep.Suggestions {
		fmt.Fprintf(&b, "\nsuggestion: %s is %s (%s, %d of %d)\n", sg.Field, sg.Class, sg.Detector, sg.Matches, sg.Samples)
	}
	return b.String()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestDiagnostics(t *testing.T) {
	t.Parallel()
	doc := parseFlow(t, "flows/hr.yaml", steps(manual, readHR+notify("{{ record.email }}")))
	rep := testSet().Check(doc, checkEnv())
	ds := rep.Diagnostics(doc, flow.SeverityWarning)
	if len(ds) != 1 || ds.HasErrors() {
		t.Fatalf("diagnostics %v", ds)
	}
	got := ds[0].Format(false)
	want := "flows/hr.yaml:10:5: warning: Step 'notify' sends personal data (field email, from connection hr-db) to Slack webhook team-chat; " +
		"rule 'no personal data to external messaging' forbids it\n   10 |   - id: notify\n      |     ^\n  hint: see rule 'no-personal-to-external-messaging' of the data policy"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if !rep.Diagnostics(doc, flow.SeverityError).HasErrors() {
		t.Error("violations as errors are no errors")
	}
}
