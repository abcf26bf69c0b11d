package runner

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/schedule"
	"github.com/bistro-dev/bistro/internal/store"
)

const hourly = `bistro: 1
name: hourly
trigger: { schedule: { every: 1h } }
steps:
  - id: note
    set: { at: "{{ trigger.scheduled_at }}" }
`

func TestScheduleFiresOncePerTick(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			fl := f.apply(hourly)
			ctx := context.Background()
			sc, err := schedule.New(&flow.ScheduleTrigger{Every: "1h"})
			if err != nil {
				t.Fatal(err)
			}
			tick := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			first, err := f.fireSchedule(ctx, fl, sc, tick)
			if err != nil {
				t.Fatal(err)
			}
			// Another node (or a retry) fires the same tick.
			second, err := f.fireSchedule(ctx, fl, sc, tick)
			if err != nil {
				t.Fatal(err)
			}
			if first != second {
				t.Errorf("the same tick started runs %s and %s; want one", first, second)
			}
			next, _ := f.fireSchedule(ctx, fl, sc, tick.Add(time.Hour))
			if next == first {
				t.Error("the next tick did not start a run of its own")
			}
			runs, _ := f.store.ListRuns(ctx, store.RunFilter{FlowID: fl.ID})
			if len(runs) != 2 {
				t.Errorf("%d runs; want 2", len(runs))
			}
			last, err := f.lastTick(ctx, fl.ID)
			if err != nil || !last.Equal(tick.Add(time.Hour)) {
				t.Errorf("lastTick = %v, %v; want %v", last, err, tick.Add(time.Hour))
			}
			run, _ := f.store.GetRun(ctx, first)
			var data map[string]any
			_ = json.Unmarshal(run.TriggerData, &data)
			if run.Trigger != "schedule" || data["scheduled_at"] != "2026-11-23T10:00:00Z" {
				t.Errorf("run trigger = %s %s; want schedule at 10:00Z", run.Trigger, run.TriggerData)
			}
		})
	}
}

func TestScheduleFollowsFlowChanges(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			fl := f.apply(hourly)
			now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			if fire, _ := f.sched.due(now); len(fire) != 1 || fire[0].flow.ID != fl.ID {
				t.Fatalf("due at a tick = %v; want the hourly flow", fire)
			}
			if err := f.SetFlowEnabled(context.Background(), store.DefaultWorkspace, "hourly", false); err != nil {
				t.Fatal(err)
			}
			if fire, _ := f.sched.due(now); len(fire) != 0 {
				t.Errorf("a disabled flow is due: %v", fire)
			}
		})
	}
}

func TestPruneDeletesOldRuns(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), func(c *Config) { c.Retention = 24 * time.Hour })
			fl := f.apply(doubleFlow)
			ctx := context.Background()
			now := time.Now()
			old, recent := newID(), newID()
			_, err := f.store.CreateRuns(ctx, []store.NewRun{
				finishedRun(old, fl, now.Add(-48*time.Hour)),
				finishedRun(recent, fl, now.Add(-time.Hour)),
			})
			if err != nil {
				t.Fatal(err)
			}
			n, err := f.Prune(ctx)
			if err != nil || n != 1 {
				t.Errorf("Prune = %d, %v; want 1 run deleted", n, err)
			}
			if _, err := f.store.GetRun(ctx, old); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("old run: %v; want deleted", err)
			}
			if _, err := f.store.GetRun(ctx, recent); err != nil {
				t.Errorf("recent run: %v; want kept", err)
			}
		})
	}
}

func finishedRun(id string, fl store.Flow, ended time.Time) store.NewRun {
	return store.NewRun{
		ID: id, Workspace: fl.Workspace, FlowID: fl.ID, FlowVersion: fl.Version, Trigger: "manual",
		Status: store.StatusSucceeded, CreatedAt: ended, StartedAt: ended, EndedAt: ended,
	}
}
