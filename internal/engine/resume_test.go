package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/record"
)

func TestResumable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps string
		want  bool
	}{
		{"per record", `
  - {id: a, set: {x: "{{ record.n * 2 }}"}}
  - {id: b, filter: "record.x > 2"}
  - {id: c, log: "{{ record.x }}"}
  - id: d
    if:
      condition: "record.x > 4"
      then: [{id: e, set: {big: true}}]
`, true},
		{"group", `
  - {id: a, group: {by: {n: record.n}, fields: {c: count()}}}
`, false},
		{"limit", `
  - {id: a, limit: 3}
`, false},
		{"sort inside a branch", `
  - id: a
    if:
      condition: "true"
      then: [{id: b, sort: {by: record.n}}]
`, false},
		{"dedupe in an error branch", `
  - id: a
    set: {x: 1}
    on_error:
      steps: [{id: b, dedupe: {by: record.n}}]
`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, _ := setup(t, "steps:"+tt.steps, Options{})
			if got := p.Resumable(); got != tt.want {
				t.Errorf("Resumable() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSkipAndProgress runs a flow, "crashes" after a progress report, and
// resumes after the reported record: together the two runs handle every
// record exactly once, in order.
func TestSkipAndProgress(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, `steps:
  - {id: double, set: {x: "{{ record.n * 2 }}"}}
  - {id: odd_out, filter: "record.n % 2 == 0"}
`, Options{BatchSize: 10})
	input := make([]any, 95)
	for i := range input {
		input[i] = map[string]any{"n": i + 1}
	}
	var first []int
	var reports []int
	crash := fmt.Errorf("the server stopped")
	ctx, cancel := context.WithCancelCause(context.Background())
	_, err := p.Run(ctx, Input{Records: record.Seq(input), Progress: func(done int) {
		reports = append(reports, done)
		if done == 40 {
			cancel(crash)
		}
	}}, func(r Record) error {
		first = append(first, int(r["n"].(int)))
		return nil
	})
	if err == nil {
		t.Fatal("the first run was not interrupted")
	}
	if !slices.Equal(reports, []int{10, 20, 30, 40}) {
		t.Fatalf("progress reports %v, want every batch of 10 up to 40", reports)
	}
	var rest []int
	reports = nil
	res, err := p.Run(context.Background(), Input{Records: record.Seq(input), Skip: 40, Progress: func(done int) {
		reports = append(reports, done)
	}}, func(r Record) error {
		rest = append(rest, int(r["n"].(int)))
		return nil
	})
	if err != nil || res.Status != StatusSucceeded {
		t.Fatalf("resumed run: %v %v", res.Status, err)
	}
	if !slices.Equal(reports, []int{50, 60, 70, 80, 90, 95}) {
		t.Errorf("resumed progress reports %v", reports)
	}
	all := append(first, rest...)
	var want []int
	for n := 2; n <= 95; n += 2 {
		want = append(want, n)
	}
	if !slices.Equal(all, want) {
		t.Errorf("records out across both runs: %v\nwant %v", all, want)
	}
	if res.Steps[0].In != 55 {
		t.Errorf("the resumed run's first step saw %d records, want 55", res.Steps[0].In)
	}
}

// TestFromStep runs a failed record again from its failed step (the steps
// before it do not run for it), then the records after it from the start.
func TestFromStep(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, `steps:
  - {id: tag, set: {x: "{{ record.n * 10 }}"}}
  - id: check
    if:
      condition: "record.n > 0"
      then: [{id: mark, set: {checked: true}}]
`, Options{})
	input := []any{map[string]any{"n": 1}, map[string]any{"n": 2}, map[string]any{"n": 3}, map[string]any{"n": 4}}
	var out []Record
	res, err := p.Run(context.Background(), Input{Records: record.Seq(input), Skip: 2,
		From: &From{Step: "mark", Record: Record{"n": 2, "x": "as it was"}, Index: 2}},
		func(r Record) error { out = append(out, r); return nil })
	if err != nil || res.Status != StatusSucceeded {
		t.Fatalf("run: %v %v", res.Status, err)
	}
	got := fmt.Sprint(out)
	want := "[map[checked:true n:2 x:as it was] map[checked:true n:3 x:30] map[checked:true n:4 x:40]]"
	if got != want {
		t.Errorf("out = %s\nwant  %s", got, want)
	}
	grouped, _ := setup(t, `steps:
  - {id: tag, set: {x: 1}}
  - {id: total, group: {by: {x: record.x}, fields: {n: count()}}}
`, Options{})
	_, err = grouped.Run(context.Background(), Input{Records: record.Seq(input),
		From: &From{Step: "total", Record: Record{"x": 1}, Index: 1}}, func(Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "only run again from the start") {
		t.Errorf("a flow with a group step started from a step: %v", err)
	}
}
