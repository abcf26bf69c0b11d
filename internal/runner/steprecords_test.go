package runner

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

// threeSteps doubles n, keeps the small records and marks them.
const threeSteps = `bistro: 1
name: three
trigger: { manual: {} }
steps:
  - id: double
    set: { n: "{{ record.n * 2 }}" }
  - id: small
    filter: record.n < 5
  - id: mark
    set: { token: "{{ env.HOOK_TOKEN }}" }
`

// failing fails on its second step after the first passed records on.
const failing = `bistro: 1
name: failing
trigger: { manual: {} }
steps:
  - id: double
    set: { n: "{{ record.n * 2 }}" }
  - id: oops
    fail: "no"
`

// inlineSteps is a sync webhook flow, run inline rather than by a worker.
const inlineSteps = `bistro: 1
name: inline
trigger: { webhook: { method: POST, mode: sync } }
steps:
  - id: pick
    set: { got: "{{ trigger.body.n }}" }
  - id: reply
    respond: { status: 200, body: { ok: true } }
`

// stepIO is a step's stored records in and out.
type stepIO struct{ In, Out any }

func TestStepsKeepTheirRecords(t *testing.T) {
	t.Parallel()
	noKeep := func(c *Config) { keep := false; c.KeepSuccessData = &keep }
	cut := func(omitted float64) any {
		return map[string]any{TruncatedKey: map[string]any{"omitted": omitted, "limit_bytes": 20.0}}
	}
	tests := []struct {
		name   string
		flow   string
		change func(*Config)
		hook   bool // run through the flow's sync webhook
		input  string
		want   map[string]stepIO
	}{
		{name: "three steps, with secrets redacted", flow: threeSteps, input: `[{"n":1},{"n":2},{"n":3}]`,
			want: map[string]stepIO{
				"double": {In: list(`[{"n":1},{"n":2},{"n":3}]`), Out: list(`[{"n":2},{"n":4},{"n":6}]`)},
				"small":  {In: list(`[{"n":2},{"n":4},{"n":6}]`), Out: list(`[{"n":2},{"n":4}]`)},
				"mark": {In: list(`[{"n":2},{"n":4}]`),
					Out: list(`[{"n":2,"token":"[redacted]"},{"n":4,"token":"[redacted]"}]`)},
			}},
		{name: "truncated beyond the size limit", flow: threeSteps, input: `[{"n":1},{"n":2},{"n":3}]`,
			change: func(c *Config) { c.MaxOutput = 20 },
			want: map[string]stepIO{
				// [{"n":1},{"n":2} is 16 bytes: a third record would pass 20.
				"double": {In: append(list(`[{"n":1},{"n":2}]`).([]any), cut(1)), Out: append(list(`[{"n":2},{"n":4}]`).([]any), cut(1))},
				"small":  {In: append(list(`[{"n":2},{"n":4}]`).([]any), cut(1)), Out: list(`[{"n":2},{"n":4}]`)},
				"mark":   {In: list(`[{"n":2},{"n":4}]`), Out: []any{cut(2)}},
			}},
		{name: "no data for a successful run when not kept", flow: threeSteps, input: `[{"n":1}]`, change: noKeep,
			want: map[string]stepIO{"double": {}, "small": {}, "mark": {}}},
		{name: "a failed run keeps its data when successful ones do not", flow: failing, input: `[{"n":1}]`, change: noKeep,
			want: map[string]stepIO{
				"double": {In: list(`[{"n":1}]`), Out: list(`[{"n":2}]`)},
				"oops":   {In: list(`[{"n":2}]`), Out: list(`[]`)},
			}},
		{name: "inline sync run", flow: inlineSteps, hook: true, input: `{"n":7}`,
			want: map[string]stepIO{
				"pick":  {In: list(`[{"n":7}]`), Out: list(`[{"n":7,"got":7}]`)},
				"reply": {In: list(`[{"n":7,"got":7}]`), Out: list(`[{"n":7,"got":7}]`)},
			}},
	}
	for _, b := range backends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setup(t, b.open(t), tt.change)
				fl := f.apply(tt.flow)
				got := f.stepRecords(fl, tt.hook, tt.input, len(tt.want))
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("steps' records (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// stepRecords runs the flow once and returns its steps' stored records.
func (f *fixture) stepRecords(fl store.Flow, hook bool, input string, steps int) map[string]stepIO {
	f.t.Helper()
	ctx := context.Background()
	var runID string
	if hook {
		rep, err := f.Webhook(ctx, fl.WebhookID, post(input, nil))
		if err != nil {
			f.t.Fatal(err)
		}
		runID = rep.RunID
	} else {
		f.start()
		run, err := f.StartRun(ctx, store.DefaultWorkspace, fl.Name, json.RawMessage(input), 20*time.Second)
		if err != nil {
			f.t.Fatal(err)
		}
		runID = run.ID
	}
	var saved []store.Step
	// An inline run's steps are saved after the reply.
	f.eventually("the run's steps", func() bool {
		var err error
		_, saved, err = f.GetRun(ctx, runID)
		return err == nil && len(saved) == steps
	})
	got := map[string]stepIO{}
	for _, s := range saved {
		got[s.StepID] = stepIO{In: decodeOrNil(f.t, s.Input), Out: decodeOrNil(f.t, s.Output)}
	}
	return got
}

func decodeOrNil(t testing.TB, data json.RawMessage) any {
	t.Helper()
	if data == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("stored records %s: %v", data, err)
	}
	return v
}

// list decodes a JSON list written in a test.
func list(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	return v
}
