package engine

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParallelMatchesSerial runs flows whose leading steps go to workers
// and checks output, stats, logs and errors against a serial run.
func TestParallelMatchesSerial(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		flow  string
		input iter.Seq2[Record, error]
	}{
		{"set filter split group", `
steps:
  - id: s
    set: {half: "{{ record.i / 2 }}", tags: "{{ [record.key, 'x'] }}"}
  - id: f
    when: record.i > 10
    filter: record.i % 3 != 0
  - id: sp
    split: {items: record.tags, as: tag}
  - id: g
    group: {by: {tag: record.tag}, fields: {n: count(), total: sum(record.amount)}}
`, generate(5000, nil)},
		{"output order kept", "steps:\n  - id: s\n    set: {j: \"{{ record.i * 2 }}\"}\n  - id: l\n    limit: 1234\n", generate(5000, nil)},
		{"first error in input order wins", "steps:\n  - id: s\n    set: {j: \"{{ record.i < 3000 ? record.i : record.key * 2 }}\"}\n  - id: f\n    filter: \"true\"\n", generate(5000, nil)},
		{"input error", "steps:\n  - id: s\n    set: {a: 1}\n", failingInput(1000)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := func(serial bool) ([]Record, *Result, string) {
				p, _ := setup(t, tc.flow, Options{BatchSize: 7})
				p.serial = serial
				var out []Record
				res, err := p.Run(context.Background(), Input{Records: tc.input}, func(r Record) error {
					out = append(out, r)
					return nil
				})
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				return out, res, msg
			}
			wantOut, wantRes, wantErr := run(true)
			gotOut, gotRes, gotErr := run(false)
			if diff := cmp.Diff(wantOut, gotOut); diff != "" {
				t.Errorf("output differs from a serial run (-serial +parallel):\n%s", diff)
			}
			if diff := cmp.Diff(wantRes, gotRes, cmp.Comparer(sameError)); diff != "" {
				t.Errorf("result differs (-serial +parallel):\n%s", diff)
			}
			if wantErr != gotErr {
				t.Errorf("error %q, serial run %q", gotErr, wantErr)
			}
		})
	}
}

func failingInput(after int) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for i := range after {
			if !yield(Record{"i": i}, nil) {
				return
			}
		}
		yield(nil, errors.New("the line is not JSON"))
	}
}

func sameError(a, b *StepError) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error() && cmp.Equal(a.Record, b.Record) && a.Attempts == b.Attempts
}

// TestConcurrentRuns runs one plan from several goroutines at once: a Plan
// holds no run state.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	p, err := Compile(parseFlow(t, `
steps:
  - id: s
    set: {twice: "{{ record.i * 2 }}"}
  - id: g
    group: {by: {key: record.key}, fields: {n: count()}}
  - id: o
    sort: {by: record.key}
  - id: d
    dedupe: {by: record.n}
`), Options{BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan []Record, 4)
	for range 4 {
		go func() {
			var out []Record
			_, err := p.Run(context.Background(), Input{Records: generate(3000, nil)}, func(r Record) error {
				out = append(out, r)
				return nil
			})
			if err != nil {
				out = nil
			}
			results <- out
		}()
	}
	for range 4 {
		got := <-results
		if len(got) != 1 || got[0]["key"] != "k0" || got[0]["n"] != 30 {
			t.Errorf("run gave %v, want one record for k0 with n 30", got)
		}
	}
}
