package engine

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSortSpills sorts more records than a chunk holds and checks the
// result against an in-memory sort, and that no temporary file remains.
func TestSortSpills(t *testing.T) {
	t.Parallel()
	var in []Record
	for i := range 50 {
		var k any = (i * 7) % 13
		switch i % 5 {
		case 0:
			k = nil
		case 1:
			k = "t" + string(rune('a'+i%26))
		}
		in = append(in, Record{"k": k, "i": i, "nested": map[string]any{"l": []any{i, nil, "x"}, "when": time.Unix(int64(i), 0).UTC()}})
	}
	for _, order := range []string{"asc", "desc"} {
		t.Run(order, func(t *testing.T) {
			t.Parallel()
			flow := "steps:\n  - id: s\n    sort: {by: [record.k], order: " + order + "}\n  - id: n\n    set: {seen: \"{{ steps.s.i }}\"}\n"
			memory, _ := setup(t, flow, Options{BatchSize: 4})
			want, _, err := runAll(memory, nil, in)
			if err != nil {
				t.Fatal(err)
			}
			spilling, _ := setup(t, flow, Options{BatchSize: 4})
			spilling.sortChunk, spilling.tempDir = 6, t.TempDir()
			got, res, err := runAll(spilling, nil, in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("spilled sort differs from the in-memory sort (-memory +spilled):\n%s", diff)
			}
			if res.Steps[0].Out != len(in) {
				t.Errorf("sort passed on %d records, want %d", res.Steps[0].Out, len(in))
			}
			if left, _ := os.ReadDir(spilling.tempDir); len(left) != 0 {
				t.Errorf("%d temporary files left behind", len(left))
			}
		})
	}
}

func TestHoldLimits(t *testing.T) {
	t.Parallel()
	cases := []struct{ flow, want string }{
		{"steps:\n  - id: g\n    group: {by: {k: record.i}, fields: {n: count()}}\n", "step 'g' failed on record 4: group holds at most 3 groups"},
		{"steps:\n  - id: d\n    dedupe: {by: record.i}\n", "step 'd' failed on record 4: dedupe remembers at most 3 keys"},
		{"steps:\n  - id: g\n    group: {by: {k: \"1\"}, fields: {all: collect(record.i)}}\n", "collect holds at most 3 values"},
		{"steps:\n  - id: e\n    for_each: {items: \"1..5\", into: x, steps: [{id: s, set: {a: 1}}]}\n", "for_each collects at most 3 records into 'x'"},
		{"steps:\n  - id: j\n    join: {on: {left: record.i, right: record.value}, steps: [{id: sp, split: {items: \"1..5\"}}]}\n",
			"join holds at most 3 records from its other branch"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			p, _ := setup(t, tc.flow, Options{})
			p.holdLimit = 3
			_, res, err := runAll(p, nil, []Record{{"i": 1}, {"i": 2}, {"i": 3}, {"i": 4}})
			if res.Status != StatusFailed || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("status %s, error %v; want failed with %q", res.Status, err, tc.want)
			}
		})
	}
}
