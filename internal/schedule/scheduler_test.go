package schedule

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	cron "github.com/netresearch/go-cron"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
)

// firing is one call of the fire function.
type firing struct {
	flow string
	tick time.Time
	key  string
}

// harness runs a Scheduler on a manual clock and records its fires.
type harness struct {
	clk   *clocktest.Manual
	sch   *Scheduler
	fired chan firing
	logs  *syncBuffer
}

// setup starts a scheduler at start. fail, when not nil, decides the
// outcome of the n-th fire (from 1); every attempt is recorded in fired.
func setup(t *testing.T, start time.Time, fail func(n int, f firing) error) *harness {
	t.Helper()
	h := &harness{clk: clocktest.NewManual(start), fired: make(chan firing, 100), logs: &syncBuffer{}}
	var mu sync.Mutex
	n := 0
	fire := func(_ context.Context, flowID string, tick time.Time, key string) error {
		f := firing{flowID, tick, key}
		h.fired <- f
		mu.Lock()
		defer mu.Unlock()
		n++
		if fail != nil {
			return fail(n, f)
		}
		return nil
	}
	h.sch = NewScheduler(h.clk, fire, slog.New(slog.NewTextHandler(h.logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.sch.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run() = %v, want context.Canceled", err)
		}
	})
	return h
}

// waitCtx bounds a wait so that a broken scheduler fails the test instead
// of hanging it.
func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// expectSleep waits until the loop sleeps until exactly at.
func (h *harness) expectSleep(t *testing.T, at time.Time) {
	t.Helper()
	if err := h.clk.WaitSleeper(waitCtx(t), at); err != nil {
		t.Fatalf("the scheduler never slept until %v (sleepers: %v)", at, h.clk.Sleepers())
	}
}

// expectIdle waits until the loop waits with no deadline.
func (h *harness) expectIdle(t *testing.T) {
	t.Helper()
	err := h.clk.WaitSleepers(waitCtx(t), func(ds []time.Time) bool { return len(ds) == 0 })
	if err != nil {
		t.Fatalf("the scheduler still sleeps until %v", h.clk.Sleepers())
	}
}

// expectFire waits for the next fire and checks it.
func (h *harness) expectFire(t *testing.T, flowID string, tick time.Time, key string) {
	t.Helper()
	select {
	case f := <-h.fired:
		want := firing{flowID, tick, key}
		if f.flow != want.flow || !f.tick.Equal(want.tick) || f.key != want.key {
			t.Fatalf("fired %+v, want %+v", f, want)
		}
	case <-waitCtx(t).Done():
		t.Fatalf("no fire, want %s at %v", flowID, tick)
	}
}

// expectNoFire checks that nothing fired so far. Call it when the loop is
// known to be asleep, so that nothing can be in flight.
func (h *harness) expectNoFire(t *testing.T) {
	t.Helper()
	select {
	case f := <-h.fired:
		t.Fatalf("unexpected fire %+v", f)
	default:
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSchedulerFiresOnTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tr    flow.ScheduleTrigger
		start string
		ticks []string // RFC 3339
		keys  []string
	}{
		{
			name: "daily in Berlin", tr: flow.ScheduleTrigger{Cron: "0 9 * * *", Timezone: "Europe/Berlin"},
			start: "2026-07-10T06:00:00Z",
			ticks: []string{"2026-07-10T07:00:00Z", "2026-07-11T07:00:00Z", "2026-07-12T07:00:00Z"},
			keys:  []string{"2026-07-10T09:00:00 Europe/Berlin", "2026-07-11T09:00:00 Europe/Berlin", "2026-07-12T09:00:00 Europe/Berlin"},
		},
		{
			name: "every 10m", tr: flow.ScheduleTrigger{Every: "10m"},
			start: "2026-07-10T06:03:00Z",
			ticks: []string{"2026-07-10T06:10:00Z", "2026-07-10T06:20:00Z"},
			keys:  []string{"2026-07-10T06:10:00 UTC", "2026-07-10T06:20:00 UTC"},
		},
		{
			// The repeated 02:30 of the autumn night is not fired again.
			name: "daily 02:30 Berlin across autumn", tr: flow.ScheduleTrigger{Cron: "30 2 * * *", Timezone: "Europe/Berlin"},
			start: "2026-10-24T12:00:00Z",
			ticks: []string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
			keys:  []string{"2026-10-25T02:30:00 Europe/Berlin", "2026-10-26T02:30:00 Europe/Berlin"},
		},
		{
			// 02:30 does not exist on 29 March: it runs at 03:30 summer time.
			name: "daily 02:30 Berlin across spring", tr: flow.ScheduleTrigger{Cron: "30 2 * * *", Timezone: "Europe/Berlin"},
			start: "2026-03-28T12:00:00Z",
			ticks: []string{"2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"},
			keys:  []string{"2026-03-29T03:30:00 Europe/Berlin", "2026-03-30T02:30:00 Europe/Berlin"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, utc(t, tt.start), nil)
			h.sch.Set("f1", mustNew(t, tt.tr), time.Time{})
			for i, w := range tt.ticks {
				tick := utc(t, w)
				h.expectSleep(t, tick)
				h.expectNoFire(t)
				h.clk.AdvanceTo(tick)
				h.expectFire(t, "f1", tick, "schedule:f1@"+tt.keys[i])
			}
		})
	}
}

func TestSchedulerSetWhileSleeping(t *testing.T) {
	t.Parallel()
	start := utc(t, "2026-07-10T06:03:00Z")
	h := setup(t, start, nil)
	h.sch.Set("f1", mustNew(t, flow.ScheduleTrigger{Cron: "0 * * * *"}), time.Time{})
	h.expectSleep(t, utc(t, "2026-07-10T07:00:00Z"))

	h.sch.Set("f1", mustNew(t, flow.ScheduleTrigger{Cron: "*/10 * * * *"}), time.Time{})
	h.expectSleep(t, utc(t, "2026-07-10T06:10:00Z"))
	h.clk.AdvanceTo(utc(t, "2026-07-10T06:10:00Z"))
	h.expectFire(t, "f1", utc(t, "2026-07-10T06:10:00Z"), "schedule:f1@2026-07-10T06:10:00 UTC")

	// A second flow due earlier than the first's next tick.
	h.expectSleep(t, utc(t, "2026-07-10T06:20:00Z"))
	h.sch.Set("f2", mustNew(t, flow.ScheduleTrigger{Cron: "15 6 * * *"}), time.Time{})
	h.expectSleep(t, utc(t, "2026-07-10T06:15:00Z"))
	h.clk.AdvanceTo(utc(t, "2026-07-10T06:15:00Z"))
	h.expectFire(t, "f2", utc(t, "2026-07-10T06:15:00Z"), "schedule:f2@2026-07-10T06:15:00 UTC")
}

func TestSchedulerRemove(t *testing.T) {
	t.Parallel()
	h := setup(t, utc(t, "2026-07-10T06:03:00Z"), nil)
	h.sch.Set("a", mustNew(t, flow.ScheduleTrigger{Cron: "0 7 * * *"}), time.Time{})
	h.expectSleep(t, utc(t, "2026-07-10T07:00:00Z"))
	h.sch.Remove("a")
	h.expectIdle(t)

	// Had "a" still fired at 07:00, it would come before "b" at 08:00.
	h.clk.AdvanceTo(utc(t, "2026-07-10T07:30:00Z"))
	h.sch.Set("b", mustNew(t, flow.ScheduleTrigger{Cron: "0 8 * * *"}), time.Time{})
	h.expectSleep(t, utc(t, "2026-07-10T08:00:00Z"))
	h.clk.AdvanceTo(utc(t, "2026-07-10T08:00:00Z"))
	h.expectFire(t, "b", utc(t, "2026-07-10T08:00:00Z"), "schedule:b@2026-07-10T08:00:00 UTC")

	h.sch.Set("b", nil, time.Time{}) // nil removes too
	h.expectIdle(t)
	h.expectNoFire(t)
}

func TestSchedulerAfterDowntime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		missed string
		fires  bool
	}{
		{MissedSkip, false},
		{MissedRunOnce, true},
	}
	for _, tt := range tests {
		t.Run(tt.missed, func(t *testing.T) {
			t.Parallel()
			// The last tick fired at 06:00; the node came back at 10:30.
			h := setup(t, utc(t, "2026-07-10T10:30:00Z"), nil)
			s := mustNew(t, flow.ScheduleTrigger{Cron: "0 * * * *", Missed: tt.missed})
			h.sch.Set("f1", s, utc(t, "2026-07-10T06:00:00Z"))
			if tt.fires {
				h.expectFire(t, "f1", utc(t, "2026-07-10T10:00:00Z"), "schedule:f1@2026-07-10T10:00:00 UTC")
			}
			h.expectSleep(t, utc(t, "2026-07-10T11:00:00Z"))
			h.expectNoFire(t)
			h.clk.AdvanceTo(utc(t, "2026-07-10T11:00:00Z"))
			h.expectFire(t, "f1", utc(t, "2026-07-10T11:00:00Z"), "schedule:f1@2026-07-10T11:00:00 UTC")
			h.expectSleep(t, utc(t, "2026-07-10T12:00:00Z"))
			h.expectNoFire(t)
		})
	}
}

func TestSchedulerRetriesFailedFire(t *testing.T) {
	t.Parallel()
	tick := utc(t, "2026-07-10T07:00:00Z")
	key := "schedule:f1@2026-07-10T07:00:00 UTC"
	tests := []struct {
		name    string
		err     error
		retries []time.Duration // when each retry is due, after the tick
	}{
		{"backoff doubles", errors.New("database is locked"), []time.Duration{time.Second, 3 * time.Second}},
		// Five minutes is past Grace: the owed tick still fires under skip.
		{"transient asks for longer", fault.Transient(errors.New("busy"), 5*time.Minute), []time.Duration{5 * time.Minute, 10 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fail := func(n int, _ firing) error {
				if n <= len(tt.retries) {
					return tt.err
				}
				return nil
			}
			h := setup(t, tick.Add(-time.Minute), fail)
			h.sch.Set("f1", mustNew(t, flow.ScheduleTrigger{Cron: "0 * * * *"}), time.Time{})
			h.expectSleep(t, tick)
			h.clk.AdvanceTo(tick)
			h.expectFire(t, "f1", tick, key)
			for _, r := range tt.retries {
				h.expectSleep(t, tick.Add(r))
				h.expectNoFire(t)
				h.clk.AdvanceTo(tick.Add(r))
				h.expectFire(t, "f1", tick, key)
			}
			h.expectSleep(t, tick.Add(time.Hour))
			h.expectNoFire(t)
			if got := strings.Count(h.logs.String(), "will retry"); got != len(tt.retries) {
				t.Errorf("logged %d retries, want %d:\n%s", got, len(tt.retries), h.logs)
			}
		})
	}
}

func TestSchedulerFiresInFlowOrder(t *testing.T) {
	t.Parallel()
	tick := utc(t, "2026-07-10T07:00:00Z")
	h := setup(t, tick.Add(-time.Hour), nil)
	for _, id := range []string{"c", "a", "b"} {
		h.sch.Set(id, mustNew(t, flow.ScheduleTrigger{Cron: "0 7 * * *"}), time.Time{})
	}
	h.expectSleep(t, tick)
	h.clk.AdvanceTo(tick)
	for _, id := range []string{"a", "b", "c"} {
		h.expectFire(t, id, tick, "schedule:"+id+"@2026-07-10T07:00:00 UTC")
	}
}

func TestSchedulerIgnoresScheduleThatNeverFires(t *testing.T) {
	t.Parallel()
	spec, err := parser.Parse("0 0 30 2 *") // New refuses it; build it by hand
	if err != nil {
		t.Fatal(err)
	}
	never := &Schedule{text: "0 0 30 2 *", spec: spec.(*cron.SpecSchedule), loc: time.UTC, missed: MissedSkip}
	h := setup(t, utc(t, "2026-07-10T06:00:00Z"), nil)
	h.sch.Set("never", never, time.Time{})
	h.expectIdle(t)
	h.sch.Set("daily", mustNew(t, flow.ScheduleTrigger{Cron: "0 7 * * *"}), time.Time{})
	h.expectSleep(t, utc(t, "2026-07-10T07:00:00Z"))
	h.expectNoFire(t)
	if !strings.Contains(h.logs.String(), "never fires again") {
		t.Errorf("no warning logged:\n%s", h.logs)
	}
}
