package sqldbtest

import (
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

// testErrors checks that the database's refusals come out plain, naming
// the table and column, and marked permanent.
func testErrors(t *testing.T, target Target) {
	f := setup(t, target)
	f.insert(map[string]any{"email": "taken"})
	missing := uniqueName("missing_")
	tests := []struct {
		name  string
		req   connector.Request
		words []string
	}{
		{"unknown table", connector.Request{Action: "insert", Input: map[string]any{"table": missing}, Record: map[string]any{"email": "a"}}, []string{missing}},
		{"unknown column", f.write("insert", nil, map[string]any{"email": "a", "totl": 1}), []string{f.table, "totl"}},
		{"type mismatch", f.write("insert", nil, map[string]any{"email": "a", "qty": "many"}), []string{f.table, "qty"}},
		{"type mismatch in update", f.write("update", map[string]any{"values": map[string]any{"qty": "many"}, "where": map[string]any{"email": "taken"}}, nil), []string{f.table, "qty"}},
		{"unique", f.write("insert", nil, map[string]any{"email": "taken"}), []string{f.table, "already exists"}},
		{"not null", f.write("insert", nil, map[string]any{"qty": 1}), []string{f.table, "email"}},
		{"syntax", query("SELEC 1"), []string{"SELEC"}},
	}
	t.Cleanup(func() { // after the parallel subtests
		if rows := f.rows(); len(rows) != 1 {
			t.Errorf("rows %v: nothing may be written", rows)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.do(tt.req)
			permanent(t, err, tt.words...)
		})
	}
}
