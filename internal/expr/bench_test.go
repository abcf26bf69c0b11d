package expr

import "testing"

func benchEval(b *testing.B, src string) {
	p, err := Compile(src, []string{VarRecord})
	if err != nil {
		b.Fatal(err)
	}
	vars := fixedVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Eval(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalSimple(b *testing.B) { benchEval(b, `lower(trim(record.email))`) }

func BenchmarkEvalCondition(b *testing.B) {
	benchEval(b, `record.amount > 100 and record.country == "DE"`)
}

func BenchmarkTemplate(b *testing.B) {
	t, err := ParseTemplate("Hello {{ record.customer.email }}, you owe {{ record.amount }}", []string{VarRecord})
	if err != nil {
		b.Fatal(err)
	}
	vars := fixedVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.String(vars); err != nil {
			b.Fatal(err)
		}
	}
}
