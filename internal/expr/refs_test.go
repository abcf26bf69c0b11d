package expr

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRefs(t *testing.T) {
	t.Parallel()
	all := []string{VarRecord, VarSteps, VarVars}
	tests := []struct {
		src  string
		want []Ref
	}{
		{`record.customer.email`, []Ref{{Var: "record", Path: []string{"customer", "email"}, Column: 1}}},
		{`record["a b"]`, []Ref{{Var: "record", Path: []string{"a b"}, Column: 1}}},
		{`record.items[0].name`, []Ref{{Var: "record", Path: []string{"items"}, Column: 1}}},
		{`record[vars.key].x`, []Ref{{Var: "record", Column: 1}, {Var: "vars", Path: []string{"key"}, Column: 8}}},
		{`steps.lookup.records`, []Ref{{Var: "steps", Path: []string{"lookup", "records"}, Column: 1}}},
		{`record?.a?.b`, []Ref{{Var: "record", Path: []string{"a", "b"}, Column: 1}}},
		{`let x = record.a; map(x, #.y)`, []Ref{{Var: "record", Path: []string{"a"}, Column: 9}}},
		{`lower(trim(record.email))`, []Ref{{Var: "record", Path: []string{"email"}, Column: 12}}},
		{`len(record)`, []Ref{{Var: "record", Column: 5}}},
		{`1 + 2`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, all)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.Refs()); diff != "" {
				t.Errorf("refs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTemplateRefsShiftColumns(t *testing.T) {
	t.Parallel()
	tm, err := ParseTemplate("Hé {{ record.name }}", []string{VarRecord})
	if err != nil {
		t.Fatal(err)
	}
	want := []Ref{{Var: "record", Path: []string{"name"}, Column: 7}}
	if diff := cmp.Diff(want, tm.Refs()); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
}
