package runner

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/schedule"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/google/go-cmp/cmp"
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
			fire := func(tick time.Time) {
				t.Helper()
				if err := f.fireSchedule(ctx, fl.ID, tick, sc.Key(fl.ID, tick)); err != nil {
					t.Fatal(err)
				}
			}
			fire(tick)
			fire(tick) // another node (or a retry) fires the same tick
			if got := f.scheduledAt(fl.ID); !cmp.Equal(got, []string{"schedule 2026-11-23T10:00:00Z"}) {
				t.Errorf("runs after firing one tick twice: %v; want one", got)
			}
			fire(tick.Add(time.Hour))
			if got := f.scheduledAt(fl.ID); len(got) != 2 {
				t.Errorf("runs after the next tick: %v; want two", got)
			}
			last, err := f.lastTick(ctx, fl.ID)
			if err != nil || !last.Equal(tick.Add(time.Hour)) {
				t.Errorf("lastTick = %v, %v; want %v", last, err, tick.Add(time.Hour))
			}
		})
	}
}

func TestScheduleFiresAppliedFlow(t *testing.T) {
	t.Parallel()
	at := func(hour, minute int) time.Time { return time.Date(2026, 11, 23, hour, minute, 0, 0, time.UTC) }
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			clk := clocktest.NewManual(at(9, 30))
			f := setup(t, b.open(t), func(c *Config) { c.Clock = clk })
			f.start()
			fl := f.apply(hourly)
			ctx := context.Background()
			f.sleepsUntil(clk, at(10, 0))
			clk.AdvanceTo(at(10, 0))
			f.eventually("the 10:00 run", func() bool { return len(f.scheduledAt(fl.ID)) == 1 })

			// Disabled, the flow misses 11:00; enabled again after its
			// grace, it waits for 12:00.
			if err := f.SetFlowEnabled(ctx, store.DefaultWorkspace, "hourly", false); err != nil {
				t.Fatal(err)
			}
			f.sleepsUntil(clk, time.Time{})
			clk.AdvanceTo(at(11, 5))
			if err := f.SetFlowEnabled(ctx, store.DefaultWorkspace, "hourly", true); err != nil {
				t.Fatal(err)
			}
			f.sleepsUntil(clk, at(12, 0))
			clk.AdvanceTo(at(12, 0))
			f.eventually("the 12:00 run", func() bool { return len(f.scheduledAt(fl.ID)) == 2 })
			want := []string{"schedule 2026-11-23T12:00:00Z", "schedule 2026-11-23T10:00:00Z"}
			if got := f.scheduledAt(fl.ID); !cmp.Equal(got, want) {
				t.Errorf("scheduled runs: %v; want %v", got, want)
			}
		})
	}
}

func TestScheduleSkipsFlowGoneSinceScheduled(t *testing.T) {
	t.Parallel()
	tick := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(f *fixture) error
	}{
		{"disabled", func(f *fixture) error {
			return f.store.SetFlowEnabled(context.Background(), f.flowID("hourly"), false)
		}},
		{"deleted", func(f *fixture) error {
			return f.store.DeleteFlow(context.Background(), f.flowID("hourly"))
		}},
	}
	for _, b := range backends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setup(t, b.open(t), nil)
				fl := f.apply(hourly)
				// Changed on another node: this one still has it scheduled.
				if err := tt.change(f); err != nil {
					t.Fatal(err)
				}
				if err := f.fireSchedule(context.Background(), fl.ID, tick, "k"); err != nil {
					t.Errorf("fireSchedule = %v; want nothing to do", err)
				}
				runs, err := f.store.ListRuns(context.Background(), store.RunFilter{FlowID: fl.ID})
				if err != nil || len(runs) != 0 {
					t.Errorf("runs = %d, %v; want none", len(runs), err)
				}
			})
		}
	}
}

// flowID returns the id of the workspace's flow called name.
func (f *fixture) flowID(name string) string {
	f.t.Helper()
	fl, err := f.store.GetFlow(context.Background(), store.DefaultWorkspace, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return fl.ID
}

// scheduledAt lists the trigger and tick of each of the flow's runs,
// newest first.
func (f *fixture) scheduledAt(flowID string) []string {
	f.t.Helper()
	runs, err := f.store.ListRuns(context.Background(), store.RunFilter{FlowID: flowID})
	if err != nil {
		f.t.Fatal(err)
	}
	var ticks []string
	for _, run := range runs {
		var data map[string]any
		_ = json.Unmarshal(run.TriggerData, &data)
		at, _ := data["scheduled_at"].(string)
		ticks = append(ticks, run.Trigger+" "+at)
	}
	return ticks
}

// sleepsUntil waits until the clock's only sleeper, the scheduler, sleeps
// until at; the zero at waits until nothing sleeps on the clock.
func (f *fixture) sleepsUntil(clk *clocktest.Manual, at time.Time) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := clk.WaitSleepers(ctx, func(ds []time.Time) bool {
		if at.IsZero() {
			return len(ds) == 0
		}
		return len(ds) == 1 && ds[0].Equal(at)
	})
	if err != nil && at.IsZero() {
		f.t.Fatalf("the scheduler is not idle: it sleeps until %v", clk.Sleepers())
	}
	if err != nil {
		f.t.Fatalf("the scheduler does not sleep until %v: it sleeps until %v", at, clk.Sleepers())
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
