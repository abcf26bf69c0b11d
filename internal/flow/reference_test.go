package flow

import (
	"strings"
	"testing"
)

// wrapExample turns an example list of steps into a whole flow.
func wrapExample(example string) string {
	if strings.HasPrefix(example, "bistro:") {
		return example
	}
	var b strings.Builder
	b.WriteString("bistro: 1\nname: Example\ntrigger:\n  manual: {}\nvars:\n  since: \"2026-01-01\"\nsteps:\n")
	for _, line := range strings.SplitAfter(example, "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
	}
	return b.String()
}

func TestReferenceExamplesValidate(t *testing.T) {
	t.Parallel()
	examples := map[string]string{"document": documentExample, "retry": retryExample, "on_error": onErrorExample}
	for name, ex := range triggerExamples {
		examples["trigger "+name] = ex
	}
	for _, k := range stepDocs {
		examples[k.kind] = k.example
	}
	for name, ex := range examples {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := wrapExample(ex)
			doc, diags := Load(name+".yaml", []byte(src), testOptions)
			if len(diags) > 0 {
				t.Fatalf("the example does not validate:\n%s\n%s", src, diags.Format(false))
			}
			if doc.Flow == nil {
				t.Fatal("the example did not decode")
			}
		})
	}
}

func TestReferenceCoversEveryKind(t *testing.T) {
	t.Parallel()
	documented := map[string]bool{}
	for _, k := range stepDocs {
		documented[k.kind] = true
		doc, _ := Parse("x.yaml", []byte(wrapExample(k.example)))
		if doc.Flow == nil {
			t.Fatalf("%s: the example did not decode", k.kind)
		}
		steps := doc.Flow.Steps
		if got := stepKinds(&steps[len(steps)-1]); len(got) != 1 || got[0] != k.kind {
			t.Errorf("the example of %s shows a %v step", k.kind, got)
		}
	}
	for _, k := range kindNames {
		if !documented[k] {
			t.Errorf("step kind %s is not in the reference", k)
		}
	}
}

func TestReferenceUpToDate(t *testing.T) {
	t.Parallel()
	golden(t, "../../docs/flow-reference.md", []byte(Markdown()))
}

func TestSplitDefault(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, rest, def string }{
		{"The HTTP method. Default GET.", "The HTTP method.", "`GET`"},
		{"The value passed. Default: record.", "The value passed.", "`record`"},
		{"Timeout for one request, e.g. \"30s\". Default 30s.", "Timeout for one request, e.g. \"30s\".", "`30s`"},
		{"Is fail (the run fails). Default fail. More.", "Is fail (the run fails). More.", "`fail`"},
		{"No default here.", "No default here.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			rest, def := splitDefault(tt.in)
			if rest != tt.rest || def != tt.def {
				t.Errorf("splitDefault(%q) = %q, %q; want %q, %q", tt.in, rest, def, tt.rest, tt.def)
			}
		})
	}
}
