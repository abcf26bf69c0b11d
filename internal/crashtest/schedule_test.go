package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/client"
)

const tickFlow = `bistro: 1
name: crash-tick
trigger:
  schedule: { every: 1s }
steps:
  - id: mark
    set:
      tick: "{{ trigger.scheduled_at }}"
`

// TestScheduleTicksOnceAcrossKills runs a schedule of one tick a second
// while the server is killed and restarted twice, then checks that no tick
// ran twice and every tick's run succeeded.
func TestScheduleTicksOnceAcrossKills(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, nil)
	ctx := t.Context()
	start := time.Now()
	if _, err := c.ApplyFlow(ctx, "crash-tick.yaml", []byte(tickFlow)); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		if round > 0 {
			srv.Kill()
			if err := srv.Start(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := awaitNewTicks(ctx, c, 2); err != nil {
			t.Fatalf("after start %d: %v", round+1, err)
		}
	}
	if _, err := c.DisableFlow(ctx, "crash-tick"); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if err := awaitSettled(ctx, c, "crash-tick", 150*time.Second); err != nil {
		t.Fatal(err)
	}
	runs, err := allRuns(ctx, c, "crash-tick")
	if err != nil {
		t.Fatal(err)
	}
	checkTicks(t, runs, elapsed)
}

// awaitNewTicks waits until the flow has n more runs than now.
func awaitNewTicks(ctx context.Context, c *client.Client, n int) error {
	before, err := allRuns(ctx, c, "crash-tick")
	if err != nil {
		return err
	}
	return eventually(ctx, 15*time.Second, fmt.Sprintf("%d more scheduled runs", n), func(ctx context.Context) (bool, error) {
		runs, err := allRuns(ctx, c, "crash-tick")
		return len(runs) >= len(before)+n, err
	})
}

// checkTicks asserts one successful run per tick, on whole seconds, and
// no more runs than seconds elapsed.
func checkTicks(t *testing.T, runs []api.Run, elapsed time.Duration) {
	t.Helper()
	seen := map[time.Time]string{}
	for _, r := range runs {
		tick, err := tickOf(r)
		if err != nil {
			t.Errorf("run %s: %v", r.ID, err)
			continue
		}
		if other, ok := seen[tick]; ok {
			t.Errorf("tick %s ran twice: runs %s and %s", tick.Format(time.RFC3339), other, r.ID)
		}
		seen[tick] = r.ID
		if r.Status != "succeeded" || r.Trigger != "schedule" {
			t.Errorf("run %s of tick %s: %s run ended %s: %s", r.ID, tick.Format(time.RFC3339), r.Trigger, r.Status, r.Error)
		}
		if !tick.Equal(tick.Truncate(time.Second)) {
			t.Errorf("run %s: tick %s is not on a whole second", r.ID, tick)
		}
	}
	if limit := int(elapsed/time.Second) + 1; len(runs) > limit {
		t.Errorf("%d scheduled runs in %s, want at most %d", len(runs), elapsed.Round(time.Millisecond), limit)
	}
	t.Logf("%d ticks ran once each over %s and two kills", len(seen), elapsed.Round(time.Millisecond))
}

// tickOf reads the tick the flow copied into the run's output.
func tickOf(r api.Run) (time.Time, error) {
	var out []struct {
		Tick time.Time `json:"tick"`
	}
	if err := json.Unmarshal(r.Output, &out); err != nil || len(out) != 1 || out[0].Tick.IsZero() {
		return time.Time{}, fmt.Errorf("its output %s does not name its tick", r.Output)
	}
	return out[0].Tick, nil
}
