package engine

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stepCase is one flow run against its expected output.
type stepCase struct {
	name    string
	flow    string
	trigger map[string]any
	input   []Record // nil: one empty record
	env     map[string]string
	want    []Record
	status  Status // default succeeded
	errHas  string // a part of the run error, when it fails
}

func (tc stepCase) run(t *testing.T) *Result {
	t.Helper()
	p, _ := setup(t, tc.flow, Options{Env: tc.env, BatchSize: 2})
	got, res, err := runAll(p, tc.trigger, tc.input)
	want := tc.status
	if want == "" {
		want = StatusSucceeded
	}
	if res.Status != want {
		t.Fatalf("status = %s (err %v), want %s", res.Status, err, want)
	}
	if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
		t.Fatalf("error = %v, want it to contain %q", err, tc.errHas)
	}
	if tc.errHas == "" && err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if diff := cmp.Diff(tc.want, got); tc.want != nil && diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	return res
}

func runCases(t *testing.T, cases []stepCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	runCases(t, []stepCase{
		{name: "template and literal", flow: `
steps:
  - id: s
    set: {greeting: "hi {{ record.name }}", n: "{{ record.n * 2 }}", fixed: 3, obj: {a: "{{ record.n }}"}}
`, input: []Record{{"name": "Ann", "n": 2}},
			want: []Record{{"name": "Ann", "n": 4, "greeting": "hi Ann", "fixed": 3.0, "obj": map[string]any{"a": 2}}}},
		{name: "dotted key creates and copies objects", flow: `
steps:
  - id: s
    set: {customer.name: "{{ record.customer.first + ' ' + record.last }}", a.b.c: 1}
`, input: []Record{{"customer": map[string]any{"first": "Ann"}, "last": "Lee"}},
			want: []Record{{"customer": map[string]any{"first": "Ann", "name": "Ann Lee"}, "last": "Lee",
				"a": map[string]any{"b": map[string]any{"c": 1.0}}}}},
		{name: "rename then set then remove then keep", flow: `
steps:
  - id: s
    rename: {old: new}
    set: {copy: "{{ record.new }}", gone: 1}
    remove: [gone]
    keep: [new, copy]
`, input: []Record{{"old": "v", "other": 1}},
			want: []Record{{"new": "v", "copy": "v"}}},
		{name: "a record cannot contain itself", flow: `
steps:
  - id: a
    set: {me: "{{ record }}"}
  - id: b
    set: {me: "{{ record }}"}
`, input: []Record{{"x": 1}},
			want: []Record{{"x": 1, "me": map[string]any{"x": 1, "me": map[string]any{"x": 1}}}}},
		{name: "runtime error names step and record", flow: `
steps:
  - id: calc
    set: {y: "{{ record.x * 2 }}"}
`, input: []Record{{"x": 1}, {"x": "text"}}, status: StatusFailed,
			errHas: "step 'calc' failed on record 2: set 'y'"},
	})
}

func TestFilterWhenLimit(t *testing.T) {
	t.Parallel()
	in := []Record{{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}}
	runCases(t, []stepCase{
		{name: "filter", flow: "steps:\n  - id: f\n    filter: record.n % 2 == 1\n", input: in,
			want: []Record{{"n": 1}, {"n": 3}, {"n": 5}}},
		{name: "when false passes through", flow: `
steps:
  - id: s
    when: record.n > 3
    set: {big: true}
`, input: in, want: []Record{{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4, "big": true}, {"n": 5, "big": true}}},
		{name: "limit", flow: "steps:\n  - id: l\n    limit: 2\n", input: in, want: []Record{{"n": 1}, {"n": 2}}},
		{name: "limit zero", flow: "steps:\n  - id: l\n    limit: 0\n", input: in, want: []Record{}},
		{name: "condition not true or false", flow: "steps:\n  - id: f\n    filter: record.n\n", input: in,
			status: StatusFailed, errHas: "step 'f' failed on record 1: this condition must be true or false"},
	})
}

func TestBranches(t *testing.T) {
	t.Parallel()
	in := []Record{{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}}
	runCases(t, []stepCase{
		{name: "if else rejoin in order", flow: `
steps:
  - id: branch
    if:
      condition: record.n % 2 == 0
      then: [{id: even, set: {kind: even}}]
      else: [{id: odd, set: {kind: odd}}]
  - id: after
    set: {seen: true}
`, input: in, want: []Record{
			{"n": 1, "kind": "odd", "seen": true}, {"n": 2, "kind": "even", "seen": true},
			{"n": 3, "kind": "odd", "seen": true}, {"n": 4, "kind": "even", "seen": true}}},
		{name: "if without else passes through", flow: `
steps:
  - id: branch
    if: {condition: record.n > 2, then: [{id: drop, filter: "false"}]}
`, input: in, want: []Record{{"n": 1}, {"n": 2}}},
		{name: "switch first match, default", flow: `
steps:
  - id: sw
    switch:
      cases:
        - {when: record.n < 2, steps: [{id: small, set: {size: small}}]}
        - {when: record.n < 4, steps: [{id: mid, set: {size: mid}}]}
        - {when: record.n < 3, steps: [{id: never, set: {size: never}}]}
      default: [{id: big, set: {size: big}}]
`, input: in, want: []Record{{"n": 1, "size": "small"}, {"n": 2, "size": "mid"}, {"n": 3, "size": "mid"}, {"n": 4, "size": "big"}}},
		{name: "switch without default passes through", flow: `
steps:
  - id: sw
    switch:
      cases: [{when: record.n == 2, steps: [{id: two, set: {two: true}}]}]
`, input: in, want: []Record{{"n": 1}, {"n": 2, "two": true}, {"n": 3}, {"n": 4}}},
		{name: "sort inside a branch", flow: `
steps:
  - id: branch
    if:
      condition: record.n % 2 == 0
      then: [{id: s, sort: {by: record.n, order: desc}}]
`, input: in, want: []Record{{"n": 1}, {"n": 3}, {"n": 4}, {"n": 2}}},
	})
}

func TestForEachAndSplit(t *testing.T) {
	t.Parallel()
	order := Record{"id": 7, "items": []any{map[string]any{"sku": "a"}, map[string]any{"sku": "b"}, "c"}}
	runCases(t, []stepCase{
		{name: "for_each without into flows on", flow: `
steps:
  - id: each
    for_each:
      items: record.items
      steps: [{id: tag, set: {i: "{{ loop.index }}", order: "{{ loop.parent.id }}"}}]
`, input: []Record{order}, want: []Record{
			{"sku": "a", "i": 0, "order": 7}, {"sku": "b", "i": 1, "order": 7}, {"value": "c", "i": 2, "order": 7}}},
		{name: "for_each into collects", flow: `
steps:
  - id: each
    for_each:
      items: record.items
      into: tagged
      steps:
        - {id: only_objects, filter: "record.sku != nil"}
        - {id: tag, set: {n: "{{ loop.index }}"}}
`, input: []Record{{"items": []any{map[string]any{"sku": "a"}, 5}}},
			want: []Record{{"items": []any{map[string]any{"sku": "a"}, 5}, "tagged": []any{map[string]any{"sku": "a", "n": 0}}}}},
		{name: "nested for_each with stop inside", flow: `
steps:
  - id: outer
    for_each:
      items: record.rows
      steps:
        - id: inner
          for_each:
            items: record.cells
            steps:
              - {id: halt, when: "record.value == 'stop'", stop: "found stop in row {{ loop.parent.row }}"}
  - id: after
    set: {after: true}
`, input: []Record{
			{"rows": []any{map[string]any{"row": 1, "cells": []any{"a", "b"}}, map[string]any{"row": 2, "cells": []any{"c", "stop", "d"}}}},
			{"rows": []any{map[string]any{"row": 3, "cells": []any{"e"}}}}},
			status: StatusStopped,
			want:   []Record{{"value": "a", "after": true}, {"value": "b", "after": true}, {"value": "c", "after": true}}},
		{name: "items not a list", flow: "steps:\n  - id: each\n    for_each: {items: record.x, steps: [{id: s, set: {a: 1}}]}\n",
			input: []Record{{"x": 3}}, status: StatusFailed, errHas: "the items must be a list, but they are a number"},
		{name: "split", flow: "steps:\n  - id: sp\n    split: {items: record.items}\n", input: []Record{order},
			want: []Record{{"sku": "a"}, {"sku": "b"}, {"value": "c"}}},
		{name: "split a range", flow: "steps:\n  - id: sp\n    split: {items: 1..3}\n", input: []Record{{}},
			want: []Record{{"value": 1}, {"value": 2}, {"value": 3}}},
		{name: "split as keeps the parent", flow: "steps:\n  - id: sp\n    split: {items: record.tags, as: tag}\n",
			input: []Record{{"id": 1, "tags": []any{"x", "y"}}}, want: []Record{
				{"id": 1, "tags": []any{"x", "y"}, "tag": "x"}, {"id": 1, "tags": []any{"x", "y"}, "tag": "y"}}},
	})
}

func TestHeldSteps(t *testing.T) {
	t.Parallel()
	sales := []Record{
		{"who": "ann", "amount": 5, "at": 1}, {"who": "bob", "amount": 2.5, "at": 2},
		{"who": "ann", "amount": 1, "at": 3}, {"who": "cy", "amount": nil, "at": 4}}
	runCases(t, []stepCase{
		{name: "sort mixed types asc, nothing last", flow: "steps:\n  - id: s\n    sort: {by: record.v}\n",
			input: []Record{{"v": "b"}, {"v": nil}, {"v": 10}, {"v": 2.5}, {"v": "a"}, {"v": true}, {"v": 2}},
			want:  []Record{{"v": 2}, {"v": 2.5}, {"v": 10}, {"v": "a"}, {"v": "b"}, {"v": true}, {"v": nil}}},
		{name: "sort desc is stable, nothing still last", flow: "steps:\n  - id: s\n    sort: {by: [record.k], order: desc}\n",
			input: []Record{{"k": 1, "i": 1}, {"k": nil, "i": 2}, {"k": 2, "i": 3}, {"k": 1, "i": 4}},
			want:  []Record{{"k": 2, "i": 3}, {"k": 1, "i": 1}, {"k": 1, "i": 4}, {"k": nil, "i": 2}}},
		{name: "sort by two keys", flow: "steps:\n  - id: s\n    sort: {by: [record.a, record.b]}\n",
			input: []Record{{"a": 2, "b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 1}},
			want:  []Record{{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 2, "b": 1}}},
		{name: "dedupe keeps the first, 1 equals 1.0", flow: "steps:\n  - id: d\n    dedupe: {by: record.k}\n",
			input: []Record{{"k": 1, "i": 1}, {"k": 1.0, "i": 2}, {"k": "1", "i": 3}, {"k": 1, "i": 4}},
			want:  []Record{{"k": 1, "i": 1}, {"k": "1", "i": 3}}},
		{name: "group aggregates", flow: `
steps:
  - id: g
    group:
      by: {who: record.who}
      fields:
        n: count()
        total: sum(record.amount)
        mean: avg(record.amount)
        lo: min(record.amount)
        hi: max(record.amount)
        first_at: first(record.at)
        last_at: last(record.at)
        ats: collect(record.at)
`, input: sales, want: []Record{
			{"who": "ann", "n": 2, "total": 6, "mean": 3.0, "lo": 1, "hi": 5, "first_at": 1, "last_at": 3, "ats": []any{1, 3}},
			{"who": "bob", "n": 1, "total": 2.5, "mean": 2.5, "lo": 2.5, "hi": 2.5, "first_at": 2, "last_at": 2, "ats": []any{2}},
			{"who": "cy", "n": 1, "total": 0, "mean": nil, "lo": nil, "hi": nil, "first_at": 4, "last_at": 4, "ats": []any{4}}}},
		{name: "group sum of text fails", flow: "steps:\n  - id: g\n    group: {by: {k: \"1\"}, fields: {s: sum(record.who)}}\n",
			input: sales, status: StatusFailed, errHas: "sum needs numbers, but one value is text"},
	})
}

func TestJoin(t *testing.T) {
	t.Parallel()
	customers := `
      steps:
        - id: customers
          split: {items: "[{'id': 1, 'name': 'Ann'}, {'id': 2, 'name': 'Bob'}, {'id': 2, 'name': 'Bo'}]"}`
	in := []Record{{"cust": 1, "order": "a"}, {"cust": 3, "order": "b"}, {"cust": 2, "order": "c"}}
	runCases(t, []stepCase{
		{name: "inner merge, record fields win", flow: `
steps:
  - id: j
    join:
      on: {left: record.cust, right: record.id}` + customers + `
  - id: rename
    set: {order: "{{ record.order }}"}
`, input: []Record{{"cust": 1, "order": "a", "name": "mine"}, {"cust": 3, "order": "b"}},
			want: []Record{{"cust": 1, "order": "a", "name": "mine", "id": 1}}},
		{name: "left into, one record per match", flow: `
steps:
  - id: j
    join:
      type: left
      into: customer
      on: {left: record.cust, right: record.id}` + customers + `
`, input: in, want: []Record{
			{"cust": 1, "order": "a", "customer": map[string]any{"id": 1, "name": "Ann"}},
			{"cust": 3, "order": "b"},
			{"cust": 2, "order": "c", "customer": map[string]any{"id": 2, "name": "Bob"}},
			{"cust": 2, "order": "c", "customer": map[string]any{"id": 2, "name": "Bo"}}}},
	})
}

func TestEndings(t *testing.T) {
	t.Parallel()
	in := []Record{{"n": 1}, {"n": 2}, {"n": 3}}
	runCases(t, []stepCase{
		{name: "stop keeps what reached the end", flow: `
steps:
  - id: s
    when: record.n == 2
    stop: "enough at {{ record.n }}"
  - id: t
    set: {done: true}
`, input: in, status: StatusStopped, want: []Record{{"n": 1, "done": true}}},
		{name: "stop after a sort ends its output", flow: `
steps:
  - id: order
    sort: {by: record.n, order: desc}
  - id: s
    when: record.n == 2
    stop: "reached 2"
`, input: in, status: StatusStopped, want: []Record{{"n": 3}}},
		{name: "fail fails whatever on_error says", flow: `
steps:
  - id: f
    when: record.n == 3
    on_error: skip
    fail: "bad record {{ record.n }}"
`, input: in, status: StatusFailed, errHas: "step 'f' failed on record 3: bad record 3"},
	})
}

func TestRespondLogAndVariables(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	p, _ := setup(t, `
vars:
  greeting: "hello {{ trigger.input.who }}"
  region: "{{ env.REGION }}"
steps:
  - id: first
    set: {g: "{{ vars.greeting }}", r: "{{ vars.region }}", home: "{{ env.HOME }}", run: "{{ run.id }}", flow: "{{ run.flow }}", at: "{{ run.started_at }}"}
  - id: second
    set: {was: "{{ steps.first.g }}", n: 2}
  - id: third
    set: {from_first: "{{ steps.first.n }}", from_second: "{{ steps.second.n }}"}
  - id: note
    log: "saw {{ record.g }}"
  - id: reply
    respond: {status: 201, headers: {x-who: "{{ trigger.input.who }}"}, body: {ok: true, g: "{{ record.g }}"}}
  - id: reply_again
    respond: {body: second}
`, Options{Env: map[string]string{"REGION": "eu"}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	out, res, err := runAll(p, map[string]any{"input": map[string]any{"who": "Ann"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if line := logs.String(); !strings.Contains(line, `msg="saw hello Ann" step=note record=1 run=run-1`) {
		t.Errorf("logger got %q, want the log step's line with its step", line)
	}
	want := []Record{{"g": "hello Ann", "r": "eu", "home": nil, "run": "run-1", "flow": "test", "at": "2026-11-01T09:00:00Z",
		"was": "hello Ann", "n": 2.0, "from_first": nil, "from_second": 2.0}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	wantResp := &Response{Status: 201, Headers: map[string]string{"x-who": "Ann"}, Body: map[string]any{"ok": true, "g": "hello Ann"}}
	if diff := cmp.Diff(wantResp, res.Response); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	wantLogs := []LogLine{{Level: "info", Step: "note", Index: 1, Message: "saw hello Ann"}}
	if diff := cmp.Diff(wantLogs, res.Logs); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, flow, want string }{
		{"connector action", "steps:\n  - id: a\n    action: x.y\n    connection: c\n",
			"step 'a': the action 'x.y' cannot run here: no connections are set up"},
		{"unknown variable", "steps:\n  - id: a\n    filter: recrd.x\n", "step 'a': filter: "},
		{"bad backoff", "steps:\n  - id: a\n    filter: \"true\"\n    retry: {attempts: 2, backoff: soon}\n",
			"step 'a': retry backoff 'soon' is not a duration such as 2s or 1m"},
		{"bad aggregate", "steps:\n  - id: g\n    group: {by: {k: record.k}, fields: {x: median(record.v)}}\n",
			"step 'g': group field 'x': 'median' is not an aggregate"},
		{"nested step error", "steps:\n  - id: b\n    if: {condition: \"true\", then: [{id: bad, set: {x: \"{{ loop.index }}\"}}]}\n",
			"step 'bad': set 'x': "},
		{"vars cannot read record", "vars: {a: \"{{ record.x }}\"}\nsteps:\n  - id: a\n    limit: 1\n", "flow variable 'a': "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(parseFlowLoose(t, tc.flow), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compile error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
