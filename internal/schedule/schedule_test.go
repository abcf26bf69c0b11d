package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/flow"
)

func mustNew(t testing.TB, tr flow.ScheduleTrigger) *Schedule {
	t.Helper()
	s, err := New(&tr)
	if err != nil {
		t.Fatalf("New(%+v): %v", tr, err)
	}
	return s
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// at parses a local wall time in zone, e.g. at(t, "Europe/Berlin", "2026-10-25 01:30").
func at(t testing.TB, zone, wall string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", wall, mustZone(t, zone))
	if err != nil {
		v, err = time.ParseInLocation("2006-01-02 15:04", wall, mustZone(t, zone))
	}
	if err != nil {
		t.Fatalf("parse %q: %v", wall, err)
	}
	return v.UTC()
}

// utc parses an RFC 3339 instant.
func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v.UTC()
}

// ticks returns the first n ticks after from.
func ticks(s *Schedule, from time.Time, n int) []time.Time {
	var out []time.Time
	for t := from; len(out) < n; {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tr   flow.ScheduleTrigger
		want string
	}{
		{"neither", flow.ScheduleTrigger{}, "the schedule says neither 'cron' nor 'every'"},
		{"both", flow.ScheduleTrigger{Cron: "@daily", Every: "1h"}, "the schedule has both 'cron' and 'every': keep one of them"},
		{"bad cron", flow.ScheduleTrigger{Cron: "every day"}, "'every day' is not a valid cron expression"},
		{"bad every", flow.ScheduleTrigger{Every: "ten minutes"}, "'every' must be a duration such as 30s, 10m or 1h30m, not 'ten minutes'"},
		{"every too short", flow.ScheduleTrigger{Every: "500ms"}, "'every' must be at least 1s (got 500ms)"},
		{"every negative", flow.ScheduleTrigger{Every: "-5m"}, "'every' must be at least 1s (got -5m)"},
		{"bad zone", flow.ScheduleTrigger{Cron: "@daily", Timezone: "Europe/Berlim"}, "unknown time zone 'Europe/Berlim'"},
		{"bad missed", flow.ScheduleTrigger{Cron: "@daily", Missed: "all"}, "'missed' must be skip or run_once, not 'all'"},
		{"february 30", flow.ScheduleTrigger{Cron: "0 0 30 2 *"}, "the schedule '0 0 30 2 *' never fires: no date matches it"},
		{"april 31", flow.ScheduleTrigger{Cron: "0 12 31 4 *"}, "the schedule '0 12 31 4 *' never fires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := tt.tr
			_, err := New(&tr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := New(nil); err == nil {
		t.Fatal("New(nil) returned no error")
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tr         flow.ScheduleTrigger
		wantZone   string
		wantMissed string
	}{
		{"cron defaults", flow.ScheduleTrigger{Cron: "0 9 * * *"}, "UTC", MissedSkip},
		{"cron zone", flow.ScheduleTrigger{Cron: "0 9 * * *", Timezone: "Europe/Berlin", Missed: "run_once"}, "Europe/Berlin", MissedRunOnce},
		{"CRON_TZ wins", flow.ScheduleTrigger{Cron: "CRON_TZ=Asia/Tokyo 0 9 * * *", Timezone: "Europe/Berlin"}, "Asia/Tokyo", MissedSkip},
		{"every keys in UTC", flow.ScheduleTrigger{Every: "10m", Timezone: "Europe/Berlin", Missed: "skip"}, "UTC", MissedSkip},
		{"@every is every", flow.ScheduleTrigger{Cron: "@every 1h", Timezone: "Asia/Kolkata"}, "UTC", MissedSkip},
		{"rare but real", flow.ScheduleTrigger{Cron: "0 0 29 2 MON"}, "UTC", MissedSkip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustNew(t, tt.tr)
			if got := s.Location().String(); got != tt.wantZone {
				t.Errorf("Location() = %s, want %s", got, tt.wantZone)
			}
			if got := s.Missed(); got != tt.wantMissed {
				t.Errorf("Missed() = %s, want %s", got, tt.wantMissed)
			}
		})
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tr   flow.ScheduleTrigger
		from string // RFC 3339
		want []string
	}{
		{
			name: "weekdays at nine in Berlin",
			tr:   flow.ScheduleTrigger{Cron: "0 9 * * MON-FRI", Timezone: "Europe/Berlin"},
			from: "2026-07-10T08:00:00Z", // Friday 10:00 in Berlin
			want: []string{"2026-07-13T07:00:00Z", "2026-07-14T07:00:00Z"},
		},
		{
			name: "strictly after a tick",
			tr:   flow.ScheduleTrigger{Cron: "*/15 * * * *"},
			from: "2026-07-10T08:15:00Z",
			want: []string{"2026-07-10T08:30:00Z", "2026-07-10T08:45:00Z"},
		},
		{
			name: "six fields with seconds",
			tr:   flow.ScheduleTrigger{Cron: "30 0 12 * * *", Timezone: "America/New_York"},
			from: "2026-01-05T00:00:00Z",
			want: []string{"2026-01-05T17:00:30Z", "2026-01-06T17:00:30Z"},
		},
		{
			name: "descriptor in a zone",
			tr:   flow.ScheduleTrigger{Cron: "@daily", Timezone: "Asia/Tokyo"},
			from: "2026-03-01T15:00:00Z",
			want: []string{"2026-03-02T15:00:00Z", "2026-03-03T15:00:00Z"},
		},
		{
			name: "every 10m lands on round minutes",
			tr:   flow.ScheduleTrigger{Every: "10m", Timezone: "Europe/Berlin"},
			from: "2026-07-10T08:03:27.5Z",
			want: []string{"2026-07-10T08:10:00Z", "2026-07-10T08:20:00Z"},
		},
		{
			name: "every 1h on the hour",
			tr:   flow.ScheduleTrigger{Every: "1h"},
			from: "2026-07-10T08:00:00Z",
			want: []string{"2026-07-10T09:00:00Z", "2026-07-10T10:00:00Z"},
		},
		{
			// 2026-07-10T08:00Z is 1,783,670,400 s after the epoch, 4,246,834
			// intervals of 420 s and 120 s more.
			name: "every 7m aligned to the epoch",
			tr:   flow.ScheduleTrigger{Every: "7m"},
			from: "2026-07-10T08:00:00Z",
			want: []string{"2026-07-10T08:05:00Z", "2026-07-10T08:12:00Z"},
		},
		{
			name: "@every aligned like every",
			tr:   flow.ScheduleTrigger{Cron: "@every 7m"},
			from: "2026-07-10T08:00:00Z",
			want: []string{"2026-07-10T08:05:00Z", "2026-07-10T08:12:00Z"},
		},
		{
			name: "every before the epoch",
			tr:   flow.ScheduleTrigger{Every: "7m"},
			from: "1969-12-31T23:59:00Z",
			want: []string{"1970-01-01T00:00:00Z", "1970-01-01T00:07:00Z"},
		},
		{
			name: "leap day on a Monday",
			tr:   flow.ScheduleTrigger{Cron: "0 0 29 2 MON"},
			from: "2026-01-01T00:00:00Z",
			want: []string{"2044-02-29T00:00:00Z", "2072-02-29T00:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustNew(t, tt.tr)
			var want []time.Time
			for _, w := range tt.want {
				want = append(want, utc(t, w))
			}
			got := ticks(s, utc(t, tt.from), len(want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("ticks after %s (-want +got):\n%s", tt.from, diff)
			}
			for _, g := range got {
				if g.Location() != time.UTC {
					t.Errorf("tick %v is not in UTC", g)
				}
			}
		})
	}
}

// River's PeriodicSchedule has exactly this shape.
var _ interface{ Next(time.Time) time.Time } = (*Schedule)(nil)

func TestMinInterval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		trigger flow.ScheduleTrigger
		want    time.Duration
	}{
		{flow.ScheduleTrigger{Every: "10m"}, 10 * time.Minute},
		{flow.ScheduleTrigger{Cron: "*/5 * * * *"}, 5 * time.Minute},
		{flow.ScheduleTrigger{Cron: "0 9,17 * * MON-FRI"}, 8 * time.Hour},
		{flow.ScheduleTrigger{Cron: "*/20 * * * * *"}, 20 * time.Second},
		{flow.ScheduleTrigger{Cron: "0 9 * * MON"}, 7 * 24 * time.Hour},
	} {
		s, err := New(&tc.trigger)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.MinInterval(); got != tc.want {
			t.Errorf("%+v: %v; want %v", tc.trigger, got, tc.want)
		}
	}
}
