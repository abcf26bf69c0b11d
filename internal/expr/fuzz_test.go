package expr

import "testing"

// FuzzCompileEval compiles and evaluates arbitrary text against a fixed
// record: it must never panic or hang.
func FuzzCompileEval(f *testing.F) {
	for _, s := range []string{`lower(trim(record.email))`, `record.amount > 100 and record.country == "DE"`,
		`map(record.items, # * 2)`, `let a = "x"; a + a`, `format_date(now(), "YYYY")`, `record?.a ?? 1`,
		`filter(1..10, # % 2 == 0)`, `match_re(record.email, "^a")`, `to_json(record)`, `{"a": [1, 2]}["a"][1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Compile(src, []string{VarRecord, VarVars})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("compile error of type %T: %v", err, err)
			}
			return
		}
		_, _ = p.Eval(fixedVars())
		_ = p.Refs()
	})
}
