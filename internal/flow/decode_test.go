package flow

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeKeepsTheRest checks that a setting of the wrong type is left out
// of the decoded flow without losing the settings after it.
func TestDecodeKeepsTheRest(t *testing.T) {
	t.Parallel()
	head := "bistro: 1\nname: x\ntrigger: { manual: {} }\nsteps:\n"
	tests := []struct {
		name, steps string
		want        []Step
	}{
		{"on_error number", "  - { id: a, on_error: 5, log: x }\n  - { id: b, log: y }\n",
			[]Step{{ID: "a", Log: ptr("x")}, {ID: "b", Log: ptr("y")}}},
		{"list item number", "  - { id: a, sort: { by: [1, record.x] } }\n",
			[]Step{{ID: "a", Sort: &Sort{By: StringList{"", "record.x"}}}}},
		{"text for a number", "  - { id: a, limit: ten }\n  - { id: b, limit: 2 }\n",
			[]Step{{ID: "a"}, {ID: "b", Limit: ptr(2)}}},
		{"step not a map", "  - 5\n  - { id: b, log: y }\n",
			[]Step{{}, {ID: "b", Log: ptr("y")}}},
		{"infinity in a value", "  - { id: a, set: { x: .inf, y: 1 } }\n",
			[]Step{{ID: "a", Set: map[string]any{"x": nil, "y": float64(1)}}}},
		{"whole float", "  - { id: a, limit: 1000.0 }\n",
			[]Step{{ID: "a", Limit: ptr(1000)}}},
		{"huge number", "  - { id: a, limit: 1e300 }\n",
			[]Step{{ID: "a"}}},
		{"map value of wrong type", "  - { id: a, rename: { a: [1], b: c } }\n",
			[]Step{{ID: "a", Rename: map[string]string{"a": "", "b": "c"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, _ := Parse("x.yaml", []byte(head+tt.steps))
			if doc.Flow == nil {
				t.Fatal("the flow did not decode")
			}
			if diff := cmp.Diff(tt.want, doc.Flow.Steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
