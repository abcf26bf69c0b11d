package expr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAdversarial runs expressions that try to exhaust or escape the
// sandbox. Each must end in the expected typed error or a safe result.
func TestAdversarial(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 4000)
	tests := []struct {
		name    string
		src     string
		limit   string // expected KindLimit name; "" when the result is checked instead
		kind    Kind   // expected kind when not a limit; "" means no error
		compile bool   // the error comes at compile time
		want    string // Text of the result when no error
	}{
		{"huge source", strings.Repeat("1+", 3000) + "1", LimitSize, "", true, ""},
		{"deep parens", strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000), LimitSize, "", true, ""},
		{"many nodes", strings.Repeat("1+", 2000) + "1", LimitSize, "", true, ""},
		{"huge range", `len(1..1000000000)`, LimitMemory, "", false, ""},
		{"nested map over ranges", `map(1..900, map(1..900, map(1..900, #)))`, LimitMemory, "", false, ""},
		{"nested predicates over data", `all(record.big, all(record.big, all(record.big, true)))`, LimitCost, "", false, ""},
		{"repeat giant", `repeat("ab", 100000000)`, LimitMemory, "", false, ""},
		{"pad giant", `pad_left("", 100000000, "x")`, LimitString, "", false, ""},
		{"replace explosion", `replace(repeat("a", 500000), "a", "aaaa")`, LimitString, "", false, ""},
		{"let doubling", `let a = repeat("x", 400000); let b = a + a; let c = b + b; c + c`, LimitString, "", false, ""},
		{"text flood", `map(1..100, pad_left("", 1000000, "x"))`, LimitMemory, "", false, ""},
		{"regex blowup is linear", `match_re(repeat("a", 100000) + "!", "(a+)+$")`, "", "", false, "false"},
		{"matches operator linear", `(repeat("a", 100000) + "!") matches "(a+)+$"`, "", "", false, "false"},
		{"regex pattern too long", `match_re("a", repeat("a", 2000))`, LimitRegex, "", false, ""},
		{"missing field", `record.nope.deeper`, "", KindRuntime, false, ""},
		{"missing field optional", `record?.nope?.deeper ?? "none"`, "", "", false, "none"},
		{"modulo by zero", `1 % (record.zero)`, "", KindRuntime, false, ""},
		{"float divide by zero", `1 / 0`, "", "", false, "+Inf"},
		{"integer overflow", `record.maxint + record.one`, "", KindRuntime, false, ""},
		{"type confusion", `record.email + 1`, "", KindType, false, ""},
		{"type confusion in function", `round("abc")`, "", KindType, false, ""},
		{"long identifier", long, "", KindUnknown, true, ""},
		{"unicode", `upper("straße ünïcödé 🎉")`, "", "", false, "STRAßE ÜNÏCÖDÉ 🎉"},
		{"constructor trick", `record.constructor`, "", "", false, ""},
		{"prototype trick", `record["__proto__"]["constructor"]`, "", KindRuntime, false, ""},
		{"method call", `record.email.ToUpper()`, "", KindType, false, ""},
		{"env dump", `$env`, "", KindUnknown, true, ""},
		{"template injection stays text", `record.inject`, "", "", false, "{{ env.SECRET }}"},
		{"deep json", `parse_json(repeat("[", 100) + repeat("]", 100))`, LimitDepth, "", false, ""},
		{"to_json of cycle", `to_json(record.cycle)`, LimitDepth, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := evalAdversarial(tt.src)
			checkOutcome(t, got, err, tt.limit, tt.kind, tt.compile, tt.want)
		})
	}
}

type stage string

func evalAdversarial(src string) (any, error) {
	p, err := Compile(src, []string{VarRecord, VarEnv})
	if err != nil {
		return stage("compile"), err
	}
	big := make([]any, 200)
	cycle := map[string]any{}
	cycle["self"] = cycle
	vars := Vars{VarRecord: map[string]any{"big": big, "zero": 0, "one": 1, "maxint": 9223372036854775807, "email": "a@b.c",
		"inject": "{{ env.SECRET }}", "cycle": cycle}, VarEnv: map[string]any{"SECRET": "s3cr3t"}}
	return p.Eval(vars)
}

func checkOutcome(t *testing.T, got any, err error, limit string, kind Kind, compile bool, want string) {
	t.Helper()
	if limit == "" && kind == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		if Text(got) != want {
			t.Fatalf("got %q, want %q", Text(got), want)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%v), want an *Error", got, err)
	}
	if (got == stage("compile")) != compile {
		t.Errorf("error at compile=%v, want %v: %v", got == stage("compile"), compile, err)
	}
	if limit != "" && (e.Kind != KindLimit || e.Limit != limit) {
		t.Errorf("got %s/%s (%v), want limit %s", e.Kind, e.Limit, e, limit)
	}
	if kind != "" && e.Kind != kind {
		t.Errorf("got kind %s (%v), want %s", e.Kind, e, kind)
	}
}

func TestConcurrentEvalsKeepSeparateBudgets(t *testing.T) {
	t.Parallel()
	p, err := Compile(`len(map(record.items, # + 1))`, []string{VarRecord})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]any, 1000)
	for i := range items {
		items[i] = i
	}
	done := make(chan error)
	for range 8 {
		go func() {
			vars := Vars{VarRecord: map[string]any{"items": items}}
			for range 150 { // 1,200,000 steps in all: only a shared meter would trip
				if _, err := p.Eval(vars); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestCopy(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	src := map[string]any{"a": []any{1, map[string]any{"b": at}}, "r": []int{1, 2}}
	got, err := Copy(src)
	if err != nil {
		t.Fatal(err)
	}
	if Text(got) != `{"a":[1,{"b":"2026-01-02T03:04:05Z"}],"r":[1,2]}` {
		t.Errorf("copy = %s", Text(got))
	}
	got.(map[string]any)["a"].([]any)[0] = 9
	if src["a"].([]any)[0] != 1 {
		t.Error("copy shares its lists with the source")
	}
	cycle := map[string]any{}
	cycle["self"] = cycle
	_, err = Copy(cycle)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindLimit || e.Limit != LimitDepth {
		t.Errorf("copy of a cycle: %v", err)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""}, {3.0, "3"}, {0.1, "0.1"}, {1e21, "1e+21"}, {1e-7, "1e-7"}, {true, "true"},
		{map[string]any{"b": 1, "a": "x<y"}, `{"a":"x<y","b":1}`}, {[]any{1, nil, "a"}, `[1,null,"a"]`},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05Z"}, {[]int{1, 2}, "[1,2]"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTemplateKeepsTypeAndRendersText(t *testing.T) {
	t.Parallel()
	vars := fixedVars()
	one, err := ParseTemplate("{{ record.items }}", []string{VarRecord})
	if err != nil {
		t.Fatal(err)
	}
	v, err := one.Eval(vars)
	if _, ok := v.([]any); err != nil || !ok {
		t.Errorf("single template gave %#v, %v; want the list", v, err)
	}
	mixed, err := ParseTemplate("n={{ record.items }} c={{ record.customer }}", []string{VarRecord})
	if err != nil {
		t.Fatal(err)
	}
	s, err := mixed.String(vars)
	if err != nil || s != `n=[1,2] c={"email":"c@x.io"}` {
		t.Errorf("mixed template gave %q, %v", s, err)
	}
}

func TestNowUsesClock(t *testing.T) {
	t.Parallel()
	p, err := Compile(`now()`, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Eval(fixedVars())
	if err != nil || Text(v) != "2026-11-23T10:00:00Z" {
		t.Errorf("now() = %v, %v", v, err)
	}
}
