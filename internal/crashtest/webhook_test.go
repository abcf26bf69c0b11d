package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
)

const asyncFlow = `bistro: 1
name: crash-async
trigger:
  webhook:
    mode: async
    token: { value: "{{ env.HOOK_TOKEN }}" }
steps:
  - id: mark
    set:
      event: "{{ record.id }}"
      seen: true
  - id: keep
    filter: record.seen
  - id: note
    log: "event {{ record.event }}"
`

const hookToken = "crash-test-hook-token"

// TestWebhookEventsSurviveKills sends events to an async webhook while the
// server is killed with SIGKILL and restarted, then checks that every
// acknowledged event ran exactly once, successfully, and nothing else ran.
func TestWebhookEventsSurviveKills(t *testing.T) {
	t.Parallel()
	events, killEvery, workers := 2000, 400, 4
	if testing.Short() {
		events, killEvery = 400, 150
	}
	srv, c := setup(t, []string{"HOOK_TOKEN=" + hookToken}, "--allow-env", "HOOK_TOKEN")
	ctx := t.Context()
	res, err := c.ApplyFlow(ctx, "crash-async.yaml", []byte(asyncFlow))
	if err != nil {
		t.Fatal(err)
	}
	g := newGate()
	s := newSender(srv.URL()+res.Flow.WebhookPath, hookToken, workers, g)
	ids := make([]string, events)
	for i := range ids {
		ids[i] = fmt.Sprintf("evt-%05d", i)
	}
	sent := make(chan struct{})
	killed := make(chan error, 1)
	go func() { killed <- killEveryN(ctx, srv, g, s, killEvery, sent) }()
	start := time.Now()
	s.sendAll(ctx, ids, workers)
	close(sent)
	if err := <-killed; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events sent in %s across %d starts; answers by status: %v; events delivered more than once: %d",
		events, time.Since(start).Round(time.Millisecond), srv.Starts(), s.statuses, len(s.retried))
	if err := awaitSettled(ctx, c, "crash-async", 150*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("every run ended %s after the first event", time.Since(start).Round(time.Millisecond))
	runs, err := allRuns(ctx, c, "crash-async")
	if err != nil {
		t.Fatal(err)
	}
	checkOncePerEvent(t, s, runs)
}

// killEveryN kills and restarts the server each time killEvery more events
// were accepted, until sent is closed.
func killEveryN(ctx context.Context, srv *Server, g *gate, s *sender, killEvery int, sent <-chan struct{}) error {
	next := int64(killEvery)
	for {
		select {
		case <-sent:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-s.poke:
		}
		if s.accepted.Load() < next {
			continue
		}
		next += int64(killEvery)
		g.lower()
		srv.Kill()
		err := srv.Start(ctx)
		g.raise()
		if err != nil {
			return fmt.Errorf("restart %d: %w", srv.Starts(), err)
		}
	}
}

// checkOncePerEvent compares the runs with what the sender was told.
func checkOncePerEvent(t *testing.T, s *sender, runs []api.Run) {
	t.Helper()
	for id, why := range s.refused {
		t.Errorf("event %s was not accepted: %s", id, why)
	}
	byEvent := map[string][]string{}
	for _, r := range runs {
		ev, err := eventOf(r)
		if err != nil {
			t.Errorf("run %s: %v", r.ID, err)
			continue
		}
		byEvent[ev] = append(byEvent[ev], r.ID)
		if r.Status != "succeeded" {
			t.Errorf("run %s of event %s ended %s: %s", r.ID, ev, r.Status, r.Error)
		}
	}
	for ev, runID := range s.runs {
		got := byEvent[ev]
		switch {
		case len(got) == 0:
			t.Errorf("event %s was acknowledged (run %s) but has no run", ev, runID)
		case len(got) > 1:
			t.Errorf("event %s has %d runs %v, want one (acknowledged as %s; delivered %d times)", ev, len(got), got, runID, s.retried[ev]+1)
		case got[0] != runID:
			t.Errorf("event %s ran as %s but was acknowledged as %s", ev, got[0], runID)
		}
	}
	for ev, ids := range byEvent {
		if _, ok := s.runs[ev]; !ok {
			t.Errorf("event %s was never acknowledged but has runs %v", ev, ids)
		}
	}
	if len(runs) != len(s.runs) {
		t.Errorf("%d runs for %d acknowledged events", len(runs), len(s.runs))
	}
	if t.Failed() {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range s.retried {
				if !yield(k) {
					return
				}
			}
		})
		t.Logf("events delivered more than once: %v", keys)
	}
}

// eventOf reads the event id the flow copied into the run's output.
func eventOf(r api.Run) (string, error) {
	var out []struct {
		Event string `json:"event"`
	}
	if err := json.Unmarshal(r.Output, &out); err != nil || len(out) != 1 || out[0].Event == "" {
		return "", fmt.Errorf("its output %s does not name one event", r.Output)
	}
	return out[0].Event, nil
}
