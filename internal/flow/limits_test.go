package flow

import (
	"fmt"
	"strings"
	"testing"
)

// pathological returns inputs that once made parsing slow, each with the
// message it must now be refused with. The suite finishing quickly is the
// check that they are cheap; the assertions check that they are refused for
// the right reason.
func pathological() []struct{ name, src, want string } {
	head := "bistro: 1\nname: x\ntrigger: { manual: {} }\nsteps:\n  - id: a\n"
	var keys, dups strings.Builder
	for i := range maxBlockKeys + 1 {
		fmt.Fprintf(&keys, "      k%d: 1\n", i)
		dups.WriteString("      k: 1\n")
	}
	return []struct{ name, src, want string }{
		{"too large", head + "    log: \"" + strings.Repeat("x", MaxSize) + "\"\n", "this flow is larger than 1 MB"},
		{"deep flow list", head + "    set: { x: " + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + " }\n", "nested more than 100 levels"},
		{"deep flow map", strings.Repeat("{a: ", 10_000) + "1" + strings.Repeat("}", 10_000), "nested more than 100 levels"},
		{"deep dashes", head + "    set: { x: 1 }\n    with:\n" + strings.Repeat("- ", 2000) + "x\n", "nested more than 100 levels"},
		{"deep just over", head + "    set: { x: " + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + " }\n", "nested more than 100 levels"},
		{"many keys", head + "    set:\n" + keys.String(), "more than 10000 settings at the same indentation"},
		{"duplicate keys", head + "    set:\n" + dups.String(), "more than 10000 settings at the same indentation"},
		{"alias bomb", aliasBomb(), "the aliases (*name) in this document expand to more than 10000 values"},
		{"self alias", "a: &a [*a, *a]\n", "nested more than 100 levels"},
		{"long template", head + "    log: \"" + strings.Repeat("{{ record.x }}", 10_000) + "\"\n", "longer than 64 KB"},
	}
}

// aliasBomb is a few lines that expand to a billion values.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	return b.String()
}

func TestLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range pathological() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, diags := Load("big.yaml", []byte(tt.src), testOptions)
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("want a problem saying %q, got:\n%s", tt.want, short(diags.Error()))
			}
		})
	}
}

func TestLimitsLeaveRealFlowsAlone(t *testing.T) {
	t.Parallel()
	head := "bistro: 1\nname: x\ntrigger: { manual: {} }\nsteps:\n  - id: a\n"
	var long strings.Builder
	for range maxBlockKeys + 10 {
		long.WriteString("      - x\n")
	}
	tests := map[string]string{
		"long list":        head + "    set:\n      x:\n" + long.String(),
		"nested data":      head + "    set: { x: " + strings.Repeat("[", MaxDepth-10) + strings.Repeat("]", MaxDepth-10) + " }\n",
		"brackets in text": head + "    log: \"" + strings.Repeat("[", 500) + "\"\n",
		"one alias":        "bistro: 1\nname: x\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    http: { url: \"https://x.example\", headers: &h { A: b } }\n  - id: b\n    http: { url: \"https://y.example\", headers: *h }\n",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, diags := Load("ok.yaml", []byte(src), testOptions); len(diags) > 0 {
				t.Errorf("expected no problems, got:\n%s", short(diags.Error()))
			}
		})
	}
}

func TestSuggestIgnoresLongWords(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100_000)
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"fliter", []string{"filter", "log"}, "filter"},
		{long, []string{long + "y", "filter"}, ""},
		{"filter", []string{long}, ""},
		{"ab", []string{"abcdefgh"}, ""},
	}
	for _, tt := range tests {
		t.Run(short(tt.word), func(t *testing.T) {
			t.Parallel()
			if got := closest(tt.word, tt.candidates); got != tt.want {
				t.Errorf("closest = %q, want %q", short(got), tt.want)
			}
		})
	}
}

func short(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
