package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/fault"
)

func TestOnError(t *testing.T) {
	t.Parallel()
	in := []Record{{"x": 1}, {"x": "a"}, {"x": 3}}
	step := func(policy string) string {
		return "steps:\n  - id: calc\n    on_error: " + policy + "\n    set: {y: \"{{ record.x * 2 }}\"}\n"
	}
	runCases(t, []stepCase{
		{name: "fail", flow: step("fail"), input: in, status: StatusFailed, errHas: "step 'calc' failed on record 2"},
		{name: "skip drops", flow: step("skip"), input: in, want: []Record{{"x": 1, "y": 2}, {"x": 3, "y": 6}}},
		{name: "continue passes unchanged", flow: step("continue"), input: in,
			want: []Record{{"x": 1, "y": 2}, {"x": "a"}, {"x": 3, "y": 6}}},
	})

	t.Run("error branch does not rejoin", func(t *testing.T) {
		t.Parallel()
		p, _ := setup(t, `
steps:
  - id: calc
    set: {y: "{{ record.x * 2 }}"}
    on_error:
      steps:
        - {id: note, log: "{{ error.step }} failed on {{ record.x }}"}
        - {id: fix, set: {y: 0}}
`, Options{})
		out, res, err := runAll(p, nil, in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]Record{{"x": 1, "y": 2}, {"x": 3, "y": 6}}, out); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
		if len(res.Logs) != 1 || res.Logs[0].Message != "calc failed on a" || res.Logs[0].Index != 2 {
			t.Errorf("logs = %+v, want one line from the error branch", res.Logs)
		}
		want := []StepStats{{Step: "calc", In: 3, Out: 2, Failed: 1}, {Step: "note", In: 1, Out: 1}, {Step: "fix", In: 1, Out: 1}}
		if diff := cmp.Diff(want, res.Steps); diff != "" {
			t.Errorf("stats (-want +got):\n%s", diff)
		}
	})
}

// flakyLoader fails to load the first n times with err.
func flakyLoader(n int, err error) *loader {
	l := &loader{flows: map[string]string{"child": childFlow}}
	l.fail = func(string) error {
		if l.calls <= n {
			return err
		}
		return nil
	}
	return l
}

const childFlow = "bistro: 1\nname: child\ntrigger: {manual: {}}\nsteps:\n  - id: double\n    set: {doubled: \"{{ record.n * 2 }}\"}\n"

func TestRetry(t *testing.T) {
	t.Parallel()
	busy := fault.Transient(errors.New("the server is busy"), 0)
	cases := []struct {
		name       string
		retry      string
		failures   int
		err        error
		wantSleeps []time.Duration
		wantStatus Status
	}{
		{"transient retried with exponential backoff", "{attempts: 4, backoff: 1s}", 3, busy,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, StatusSucceeded},
		{"capped by max_backoff", "{attempts: 4, backoff: 10s, max_backoff: 15s}", 3, busy,
			[]time.Duration{10 * time.Second, 15 * time.Second, 15 * time.Second}, StatusSucceeded},
		{"retry-after honoured", "{attempts: 2, backoff: 1s}", 1, fault.Transient(errors.New("slow down"), time.Minute),
			[]time.Duration{time.Minute}, StatusSucceeded},
		{"attempts run out", "{attempts: 2, backoff: 1s}", 5, busy, []time.Duration{time.Second}, StatusFailed},
		{"permanent not retried", "{attempts: 5}", 1, errors.New("no such flow"), nil, StatusFailed},
		{"permanent retried with on any", "{attempts: 5, on: any, backoff: 2s}", 1, errors.New("no such flow"),
			[]time.Duration{2 * time.Second}, StatusSucceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, fake := setup(t, "steps:\n  - id: c\n    call: {flow: child}\n    retry: "+tc.retry+"\n",
				Options{Flows: flakyLoader(tc.failures, tc.err)})
			out, res, err := runAll(p, nil, []Record{{"n": 2}})
			if res.Status != tc.wantStatus {
				t.Fatalf("status = %s (%v), want %s", res.Status, err, tc.wantStatus)
			}
			if diff := cmp.Diff(tc.wantSleeps, fake.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if tc.wantStatus == StatusSucceeded && (len(out) != 1 || out[0]["doubled"] != 4) {
				t.Errorf("output = %v, want the child's record", out)
			}
			if tc.wantStatus == StatusFailed && res.Error.Attempts != len(tc.wantSleeps)+1 {
				t.Errorf("attempts = %d, want %d", res.Error.Attempts, len(tc.wantSleeps)+1)
			}
		})
	}
}

func TestRetryJitter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		random float64
		want   time.Duration
	}{{0, 2 * time.Second}, {0.5, 3 * time.Second}, {1, 4 * time.Second}}
	for _, tc := range cases {
		p := &retryPolicy{attempts: 3, backoff: 4 * time.Second, max: time.Minute}
		got, ok := p.wait(1, true, 0, tc.random)
		if !ok || got != tc.want {
			t.Errorf("wait with random %v = %v, %v; want %v (equal jitter)", tc.random, got, ok, tc.want)
		}
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	flows := map[string]string{
		"child": childFlow,
		"loop":  "bistro: 1\nname: loop\ntrigger: {manual: {}}\nsteps:\n  - id: again\n    call: {flow: loop}\n",
		"split": "bistro: 1\nname: split\ntrigger: {manual: {}}\nsteps:\n  - id: s\n    split: {items: trigger.input.list}\n",
	}
	cases := []stepCase{
		{name: "replace", flow: "steps:\n  - id: c\n    call: {flow: child}\n", input: []Record{{"n": 1}, {"n": 2}},
			want: []Record{{"n": 1, "doubled": 2}, {"n": 2, "doubled": 4}}},
		{name: "into with a list input", flow: "steps:\n  - id: c\n    call: {flow: child, input: \"{{ record.items }}\", into: got}\n",
			input:  []Record{{"items": []any{map[string]any{"n": 1}, 5}}},
			want:   []Record{{"items": []any{map[string]any{"n": 1}, 5}, "got": []any{Record{"n": 1, "doubled": 2}, Record{"value": 5, "doubled": nil}}}},
			status: StatusFailed, errHas: "the called flow 'child' failed: step 'double' failed on record 2"},
		{name: "trigger input", flow: "steps:\n  - id: c\n    call: {flow: split, into: parts}\n",
			input: []Record{{"list": []any{"a", "b"}}},
			want:  []Record{{"list": []any{"a", "b"}, "parts": []any{Record{"value": "a"}, Record{"value": "b"}}}}},
		{name: "recursion limit", flow: "steps:\n  - id: c\n    call: {flow: loop}\n", status: StatusFailed,
			errHas: "step 'c' failed on record 1: flows call each other more than 10 levels deep"},
		{name: "unknown flow", flow: "steps:\n  - id: c\n    call: {flow: nope}\n", status: StatusFailed,
			errHas: "the flow 'nope' could not be loaded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, _ := setup(t, tc.flow, Options{Flows: &loader{flows: flows}})
			got, res, err := runAll(p, nil, tc.input)
			want := cmpOr(string(tc.status), string(StatusSucceeded))
			if string(res.Status) != want || (tc.errHas != "" && !strings.Contains(err.Error(), tc.errHas)) {
				t.Fatalf("status %s, error %v; want %s with %q", res.Status, err, want, tc.errHas)
			}
			if diff := cmp.Diff(tc.want, got); err == nil && diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no loader", func(t *testing.T) {
		t.Parallel()
		p, _ := setup(t, "steps:\n  - id: c\n    call: {flow: child}\n", Options{})
		if _, _, err := runAll(p, nil, nil); err == nil || !strings.Contains(err.Error(), "there is no way to find other flows") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPanicBecomesStepError(t *testing.T) {
	t.Parallel()
	l := &loader{fail: func(string) error { panic("loader exploded") }}
	p, _ := setup(t, "steps:\n  - id: c\n    call: {flow: child}\n", Options{Flows: l})
	_, res, err := runAll(p, nil, []Record{{"n": 1}})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "c" || se.Index != 1 || !strings.Contains(se.Error(), "loader exploded") {
		t.Fatalf("err = %v, want a StepError of step c on record 1", err)
	}
	if res.Status != StatusFailed {
		t.Errorf("status = %s", res.Status)
	}
}

func TestHTTPWithoutClient(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, "steps:\n  - id: h\n    http: {url: \"https://example.com\"}\n", Options{})
	_, _, err := runAll(p, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "step 'h' failed on record 1: HTTP steps cannot run here") {
		t.Fatalf("err = %v", err)
	}
}

func TestLimitStopsReading(t *testing.T) {
	t.Parallel()
	cases := []struct {
		flow    string
		maxRead int
	}{
		{"steps:\n  - id: l\n    limit: 10\n", 256},
		{"steps:\n  - id: s\n    set: {a: 1}\n  - id: l\n    limit: 300\n  - id: t\n    sort: {by: record.i, order: desc}\n", 10 * 256},
	}
	for _, tc := range cases {
		t.Run(tc.flow, func(t *testing.T) {
			t.Parallel()
			p, _ := setup(t, tc.flow, Options{})
			pulled, n := 0, 0
			_, err := p.Run(context.Background(), Input{Records: generate(1_000_000, &pulled)}, func(Record) error { n++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if pulled > tc.maxRead || n > tc.maxRead {
				t.Errorf("pulled %d records and output %d, want at most %d", pulled, n, tc.maxRead)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, "steps:\n  - id: s\n    set: {a: 1}\n", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	_, err := p.Run(ctx, Input{Records: generate(1_000_000, nil)}, func(Record) error {
		if n++; n == 1000 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 2000 {
		t.Fatalf("err = %v after %d records, want context.Canceled soon after 1000", err, n)
	}
}

func TestOutputError(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, "steps:\n  - id: s\n    set: {a: 1}\n", Options{})
	full := errors.New("disk full")
	_, err := p.Run(context.Background(), Input{Records: generate(10, nil)}, func(Record) error { return full })
	if !errors.Is(err, full) {
		t.Fatalf("err = %v, want the output's error", err)
	}
}

func TestLineage(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, `
steps:
  - id: a
    set: {v: 1}
  - id: b
    set: {v: 2}
  - id: c
    set: {from_a: "{{ steps.a.v }}", from_b: "{{ steps.b.v }}"}
`, Options{})
	out, _, err := runAll(p, nil, []Record{{"v": 0}, {"v": 0}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{"v": 2.0, "from_a": 1.0, "from_b": 2.0}, {"v": 2.0, "from_a": 1.0, "from_b": 2.0}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	for i, want := range []bool{true, true, false} {
		if p.steps[i].keep != want {
			t.Errorf("step %s keeps lineage: %v, want %v (only steps read as steps.X)", p.steps[i].id, p.steps[i].keep, want)
		}
	}
	plain, _ := setup(t, "steps:\n  - id: a\n    set: {v: 1}\n", Options{})
	if plain.steps[0].keep {
		t.Errorf("a flow that never reads steps keeps lineage")
	}
	computed, _ := setup(t, "steps:\n  - id: a\n    set: {v: 1}\n  - id: b\n    set: {w: \"{{ steps[record.which].v }}\"}\n", Options{})
	if !computed.steps[0].keep || !computed.steps[1].keep {
		t.Errorf("steps read through a computed name must keep every step's record")
	}
}

func TestInputNotChanged(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, "steps:\n  - id: s\n    set: {a: 1, n.x: 2}\n", Options{})
	in := []Record{{"a": 0, "n": map[string]any{"x": 0}}}
	if _, _, err := runAll(p, nil, in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Record{{"a": 0, "n": map[string]any{"x": 0}}}, in); diff != "" {
		t.Errorf("the input record changed (-want +got):\n%s", diff)
	}
}

func TestNestedStats(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, `
steps:
  - id: each
    for_each:
      items: record.items
      steps:
        - id: odd
          if:
            condition: record.value % 2 == 1
            then: [{id: mark, set: {odd: true}}]
  - id: answer
    respond: {body: "{{ record.value }}"}
`, Options{})
	_, res, err := runAll(p, nil, []Record{{"items": []any{1, 2, 3}}, {"items": []any{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []StepStats{
		{Step: "each", In: 2, Out: 3}, {Step: "odd", In: 3, Out: 3}, {Step: "mark", In: 2, Out: 2}, {Step: "answer", In: 3, Out: 3}}
	if diff := cmp.Diff(want, res.Steps); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&Response{Status: 200, Body: 1}, res.Response); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}
