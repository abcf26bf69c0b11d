package runner

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/storefault"
)

// TestFaultErrorFlowAfterLostAnswer: a failed run whose final update was
// stored but whose answer was lost is handed out again; its error flow
// still starts, once.
func TestFaultErrorFlowAfterLostAnswer(t *testing.T) {
	t.Parallel()
	for _, b := range faultBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setupFaults(t, b.open(t), nil)
			alerts := f.apply(alertsFlow)
			f.apply(failFlow)
			h := onceOnFinal(errDown)
			f.faults.After("UpdateRun", func(ctx context.Context, c storefault.Call, err error) error {
				if err != nil {
					return err
				}
				return h(ctx, c)
			})
			f.start()
			run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "breaks", []byte(`{"n":7}`), 20*time.Second)
			if err != nil || run.Status != store.StatusFailed {
				t.Fatalf("run = %s, %v; want failed", run.Status, err)
			}
			f.eventually("the retry", func() bool { return f.faults.Calls(storefault.Handler) >= 2 })
			var got store.Run
			f.eventually("the error flow's run", func() bool {
				runs, _ := f.inner.ListRuns(context.Background(), store.RunFilter{FlowID: alerts.ID})
				if len(runs) == 1 && runs[0].Status.Final() {
					got = runs[0]
					return true
				}
				return false
			})
			var out []map[string]any
			_ = json.Unmarshal(got.Output, &out)
			if len(out) != 1 || out[0]["run_id"] != run.ID || out[0]["step"] != "check" || out[0]["error"] != "bad record 7" {
				t.Errorf("error flow output = %s; want the failed run's id, step and error", got.Output)
			}
			// Handed out once more, the failed run starts no second one.
			if err := f.handle(context.Background(), run.ID); err != nil {
				t.Fatal(err)
			}
			if runs, err := f.inner.ListRuns(context.Background(), store.RunFilter{FlowID: alerts.ID}); len(runs) != 1 || err != nil {
				t.Errorf("error flow runs = %d, %v; want 1", len(runs), err)
			}
		})
	}
}

// TestFaultErrorFlowQueueFails: when queueing the error flow fails, the
// failed run is handed out again and its error flow still starts, once.
func TestFaultErrorFlowQueueFails(t *testing.T) {
	t.Parallel()
	for _, b := range faultBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setupFaults(t, b.open(t), nil)
			alerts := f.apply(alertsFlow)
			f.apply(failFlow)
			run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "breaks", []byte(`{"n":7}`), 0)
			if err != nil {
				t.Fatal(err)
			}
			f.faults.FailOn("CreateRuns", 1, errDown) // the error flow's run
			f.start()
			f.eventually("the error flow's run", func() bool {
				runs, _ := f.inner.ListRuns(context.Background(), store.RunFilter{FlowID: alerts.ID})
				return len(runs) == 1 && runs[0].Status.Final()
			})
			if f.faults.Calls(storefault.Handler) < 2 {
				t.Errorf("the failed run was handled %d times; want it handed out again", f.faults.Calls(storefault.Handler))
			}
			if got, _ := f.inner.GetRun(context.Background(), run.ID); got.Status != store.StatusFailed {
				t.Errorf("the failed run is %s; want it to stay failed", got.Status)
			}
		})
	}
}
