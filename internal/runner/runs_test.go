package runner

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

const doubleFlow = `bistro: 1
name: double
trigger: { manual: {} }
steps:
  - id: twice
    set: { n: "{{ record.n * 2 }}" }
  - id: big
    filter: record.n > 2
`

const failFlow = `bistro: 1
name: breaks
error_flow: alerts
trigger: { manual: {} }
steps:
  - id: check
    fail: "bad record {{ record.n }}"
`

const alertsFlow = `bistro: 1
name: alerts
trigger: { manual: {} }
steps:
  - id: keep
    set: { seen: "yes" }
`

func TestApplyFlow(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			ctx := context.Background()
			fl, changed, err := f.ApplyFlow(ctx, store.DefaultWorkspace, "double.yaml", []byte(doubleFlow), "ann")
			if err != nil || !changed || fl.Version != 1 || fl.Trigger != "manual" || fl.Format != "yaml" {
				t.Fatalf("first apply = %+v, %v, %v; want version 1, changed", fl, changed, err)
			}
			if _, changed, _ = f.ApplyFlow(ctx, store.DefaultWorkspace, "double.yaml", []byte(doubleFlow), "ann"); changed {
				t.Error("applying the same document again made a new version")
			}
			fl, changed, err = f.ApplyFlow(ctx, store.DefaultWorkspace, "double.yaml", []byte(doubleFlow+"description: more\n"), "ann")
			if err != nil || !changed || fl.Version != 2 {
				t.Errorf("changed apply = version %d, %v, %v; want version 2", fl.Version, changed, err)
			}
			got, err := f.ListFlows(ctx, store.DefaultWorkspace)
			if err != nil || len(got) != 1 || got[0].Name != "double" {
				t.Errorf("ListFlows = %v, %v", got, err)
			}
		})
	}
}

func TestApplyFlowRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"broken", "bistro: 1\nname: x\ntrigger: { manual: {} }\nsteps: []\n", "steps"},
		{"unknown call target", "bistro: 1\nname: caller\ntrigger: { manual: {} }\nsteps:\n  - id: c\n    call: { flow: nowhere }\n", "no flow called 'nowhere'"},
		{"env not allowed", "bistro: 1\nname: e\ntrigger: { manual: {} }\nsteps:\n  - id: s\n    set: { a: \"{{ env.SECRET }}\" }\n", "SECRET"},
	}
	for _, b := range backends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setup(t, b.open(t), nil)
				_, _, err := f.ApplyFlow(context.Background(), store.DefaultWorkspace, "", []byte(tt.doc), "ann")
				var ae *api.ApplyError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("ApplyFlow error = %v; want an ApplyError mentioning %q", err, tt.want)
				}
				if flows, _ := f.ListFlows(context.Background(), store.DefaultWorkspace); len(flows) != 0 {
					t.Errorf("a refused flow was saved: %v", flows)
				}
			})
		}
	}
}

func TestManualRun(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			f.apply(doubleFlow)
			f.start()
			run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "double", json.RawMessage(`[{"n":1},{"n":2},{"n":3}]`), 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != store.StatusSucceeded || run.Trigger != "manual" {
				t.Fatalf("run = %s (%s); want succeeded manual", run.Status, run.Error)
			}
			var out []map[string]any
			if err := json.Unmarshal(run.Output, &out); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]map[string]any{{"n": 4.0}, {"n": 6.0}}, out); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			_, steps, err := f.GetRun(context.Background(), run.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := make([][3]int, len(steps))
			for i, s := range steps {
				got[i] = [3]int{s.Position, s.In, s.Out}
			}
			if diff := cmp.Diff([][3]int{{0, 3, 3}, {1, 3, 2}}, got); diff != "" {
				t.Errorf("steps (position, in, out) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFailedRunStartsErrorFlow(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			alerts := f.apply(alertsFlow)
			f.apply(failFlow)
			f.start()
			run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "breaks", json.RawMessage(`{"n":7}`), 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != store.StatusFailed {
				t.Fatalf("status = %s; want failed", run.Status)
			}
			var e map[string]any
			_ = json.Unmarshal(run.Error, &e)
			if e["step"] != "check" || e["message"] != "bad record 7" || e["index"] != 1.0 {
				t.Errorf("error = %s; want step check, index 1, message 'bad record 7'", run.Error)
			}
			if !sameJSON(run.Input, `[{"n":7}]`) {
				t.Errorf("input = %s; want it kept", run.Input)
			}
			var got store.Run
			f.eventually("the error flow's run", func() bool {
				runs, _ := f.store.ListRuns(context.Background(), store.RunFilter{FlowID: alerts.ID})
				if len(runs) == 1 && runs[0].Status.Final() {
					got = runs[0]
					return true
				}
				return false
			})
			var out []map[string]any
			_ = json.Unmarshal(got.Output, &out)
			if len(out) != 1 || out[0]["run_id"] != run.ID || out[0]["flow"] != "breaks" || out[0]["step"] != "check" || out[0]["seen"] != "yes" {
				t.Errorf("error flow output = %s; want the failed run's flow, step and id", got.Output)
			}
		})
	}
}

func TestCancelQueuedRun(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			f.apply(doubleFlow)
			ctx := context.Background()
			run, err := f.StartRun(ctx, store.DefaultWorkspace, "double", json.RawMessage(`{"n":5}`), 0)
			if err != nil || run.Status != store.StatusQueued {
				t.Fatalf("StartRun = %s, %v; want queued", run.Status, err)
			}
			if err := f.CancelRun(ctx, run.ID); err != nil {
				t.Fatal(err)
			}
			// The worker that picks the job up later leaves it alone.
			if err := f.handle(ctx, run.ID); err != nil {
				t.Fatal(err)
			}
			got, _ := f.store.GetRun(ctx, run.ID)
			if got.Status != store.StatusCancelled || got.Output != nil {
				t.Errorf("run = %s with output %s; want cancelled, no output", got.Status, got.Output)
			}
		})
	}
}

func TestCancelRunningRun(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			srv := newBlocker(t, 1)
			f := setup(t, b.open(t), nil)
			f.apply("bistro: 1\nname: slow\ntrigger: { manual: {} }\nsteps:\n  - id: call\n    http: { url: \"" + srv.URL + "\" }\n")
			f.start()
			ctx := context.Background()
			run, err := f.StartRun(ctx, store.DefaultWorkspace, "slow", nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			<-srv.arrived
			if err := f.CancelRun(ctx, run.ID); err != nil {
				t.Fatal(err)
			}
			got := f.waitFinal(run.ID)
			if got.Status != store.StatusCancelled {
				t.Errorf("status = %s; want cancelled", got.Status)
			}
		})
	}
}

func TestRerun(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			f.apply(failFlow)
			f.start()
			ctx := context.Background()
			run, err := f.StartRun(ctx, store.DefaultWorkspace, "breaks", json.RawMessage(`{"n":3}`), 20*time.Second)
			if err != nil || run.Status != store.StatusFailed {
				t.Fatalf("StartRun = %s, %v; want failed", run.Status, err)
			}
			again, err := f.RerunRun(ctx, run.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			if again.ID == run.ID || again.ParentID != run.ID || again.Trigger != "rerun" || again.FromStep != "check" || !sameJSON(again.Input, string(run.Input)) {
				t.Errorf("rerun = %+v; want a new run of the same input with parent and from step", again)
			}
			if got := f.waitFinal(again.ID); got.Status != store.StatusFailed {
				t.Errorf("rerun status = %s; want failed again", got.Status)
			}
		})
	}
}

func TestHandlerLeavesFinishedRuns(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			fl := f.apply(doubleFlow)
			ctx := context.Background()
			now := time.Now()
			created, err := f.store.CreateRuns(ctx, []store.NewRun{{
				ID: newID(), Workspace: fl.Workspace, FlowID: fl.ID, FlowVersion: 1, Trigger: "manual",
				Input: json.RawMessage(`[{"n":9}]`), Status: store.StatusSucceeded, Output: json.RawMessage(`["kept"]`),
				CreatedAt: now, StartedAt: now, EndedAt: now,
			}})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.handle(ctx, created[0].ID); err != nil {
				t.Fatal(err)
			}
			got, _ := f.store.GetRun(ctx, created[0].ID)
			if got.Status != store.StatusSucceeded || !sameJSON(got.Output, `["kept"]`) {
				t.Errorf("run = %s %s; want it untouched", got.Status, got.Output)
			}
			if steps, _ := f.store.ListSteps(ctx, created[0].ID); len(steps) != 0 {
				t.Errorf("steps were recorded for a finished run: %v", steps)
			}
		})
	}
}
