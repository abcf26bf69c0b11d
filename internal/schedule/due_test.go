package schedule

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/flow"
)

func TestDue(t *testing.T) {
	t.Parallel()
	hourly := flow.ScheduleTrigger{Cron: "0 * * * *"}
	tests := []struct {
		name       string
		tr         flow.ScheduleTrigger
		last, now  string // RFC 3339; last "" is never fired
		skip, once []string
	}{
		{name: "never fired, tick is now", tr: hourly, now: "2026-07-10T10:00:00Z",
			skip: []string{"2026-07-10T10:00:00Z"}, once: []string{"2026-07-10T10:00:00Z"}},
		{name: "never fired, tick just passed", tr: hourly, now: "2026-07-10T10:00:01Z"},
		{name: "never fired, long ago", tr: hourly, now: "2026-07-10T10:59:59Z"},
		{name: "on time", tr: hourly, last: "2026-07-10T09:00:00Z", now: "2026-07-10T10:00:00Z",
			skip: []string{"2026-07-10T10:00:00Z"}, once: []string{"2026-07-10T10:00:00Z"}},
		{name: "a little late", tr: hourly, last: "2026-07-10T09:00:00Z", now: "2026-07-10T10:00:59.9Z",
			skip: []string{"2026-07-10T10:00:00Z"}, once: []string{"2026-07-10T10:00:00Z"}},
		{name: "exactly Grace late", tr: hourly, last: "2026-07-10T09:00:00Z", now: "2026-07-10T10:01:00Z",
			skip: []string{"2026-07-10T10:00:00Z"}, once: []string{"2026-07-10T10:00:00Z"}},
		{name: "beyond Grace", tr: hourly, last: "2026-07-10T09:00:00Z", now: "2026-07-10T10:01:00.001Z",
			once: []string{"2026-07-10T10:00:00Z"}},
		{name: "after downtime only the latest", tr: hourly, last: "2026-07-10T09:00:00Z", now: "2026-07-10T13:30:00Z",
			once: []string{"2026-07-10T13:00:00Z"}},
		{name: "after downtime, latest just passed", tr: hourly, last: "2026-07-10T09:00:00Z", now: "2026-07-10T13:00:10Z",
			skip: []string{"2026-07-10T13:00:00Z"}, once: []string{"2026-07-10T13:00:00Z"}},
		{name: "already fired", tr: hourly, last: "2026-07-10T10:00:00Z", now: "2026-07-10T10:00:30Z"},
		{name: "between ticks", tr: hourly, last: "2026-07-10T10:00:00Z", now: "2026-07-10T10:59:59Z"},
		{name: "fast interval fires the current tick", tr: flow.ScheduleTrigger{Every: "10s"},
			last: "2026-07-10T10:00:00Z", now: "2026-07-10T10:00:35Z",
			skip: []string{"2026-07-10T10:00:30Z"}, once: []string{"2026-07-10T10:00:30Z"}},
		{name: "daily in Berlin after a week away", tr: flow.ScheduleTrigger{Cron: "0 9 * * *", Timezone: "Europe/Berlin"},
			last: "2026-07-01T07:00:00Z", now: "2026-07-08T12:00:00Z",
			once: []string{"2026-07-08T07:00:00Z"}},
		{name: "autumn repeat is not a new tick", tr: flow.ScheduleTrigger{Cron: "30 2 * * *", Timezone: "Europe/Berlin"},
			last: "2026-10-25T00:30:00Z", now: "2026-10-25T01:30:30Z"},
	}
	for _, tt := range tests {
		for _, missed := range []string{MissedSkip, MissedRunOnce} {
			t.Run(tt.name+" "+missed, func(t *testing.T) {
				t.Parallel()
				tr := tt.tr
				tr.Missed = missed
				s := mustNew(t, tr)
				var last time.Time
				if tt.last != "" {
					last = utc(t, tt.last)
				}
				wantText := tt.skip
				if missed == MissedRunOnce {
					wantText = tt.once
				}
				var want []time.Time
				for _, w := range wantText {
					want = append(want, utc(t, w))
				}
				got := s.Due(last, utc(t, tt.now))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("Due(%s, %s) (-want +got):\n%s", tt.last, tt.now, diff)
				}
			})
		}
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	berlin := mustZone(t, "Europe/Berlin")
	tests := []struct {
		name string
		flow string
		tick time.Time
		loc  *time.Location
		want string
	}{
		{"utc", "lead-sync", time.Date(2026, 7, 10, 7, 0, 0, 0, time.UTC), time.UTC,
			"schedule:lead-sync@2026-07-10T07:00:00 UTC"},
		{"nil zone is UTC", "lead-sync", time.Date(2026, 7, 10, 7, 0, 0, 0, time.UTC), nil,
			"schedule:lead-sync@2026-07-10T07:00:00 UTC"},
		{"local wall time", "lead-sync", time.Date(2026, 7, 10, 7, 0, 0, 0, time.UTC), berlin,
			"schedule:lead-sync@2026-07-10T09:00:00 Europe/Berlin"},
		{"fractions kept", "f", time.Date(2026, 7, 10, 7, 0, 1, 500_000_000, time.UTC), time.UTC,
			"schedule:f@2026-07-10T07:00:01.5 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Key(tt.flow, tt.tick, tt.loc); got != tt.want {
				t.Fatalf("Key() = %q, want %q", got, tt.want)
			}
		})
	}
}
