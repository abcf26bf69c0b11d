package schedule

import (
	"fmt"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/flow"
)

// FuzzSchedule feeds arbitrary cron expressions, intervals and zones to New
// and checks that Next, Latest and Due neither panic nor hang, and keep
// their promises: Next is strictly after, Latest at or before, Due at most
// one tick in (last, now].
func FuzzSchedule(f *testing.F) {
	seeds := []struct {
		cron, every, zone string
	}{
		{"0 9 * * MON-FRI", "", "Europe/Berlin"},
		{"30 2 * * *", "", "Europe/Berlin"},
		{"*/5 * * * * *", "", "America/New_York"},
		{"@hourly", "", ""},
		{"@every 90s", "", ""},
		{"0 0 30 2 *", "", ""},
		{"0 0 29 2 MON", "", "Australia/Lord_Howe"},
		{"CRON_TZ=Asia/Tokyo 0 0 L * *", "", ""},
		{"", "7m", "Asia/Kolkata"},
		{"", "1s", ""},
	}
	for _, s := range seeds {
		f.Add(s.cron, s.every, s.zone, int64(1_783_670_400), int64(3600))
	}
	f.Fuzz(func(t *testing.T, cronExpr, every, zone string, from, gap int64) {
		// A hang would stall the fuzzer silently; crash with the input instead.
		tm := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("SLOW: %q %q %q %d %d", cronExpr, every, zone, from, gap)) })
		defer tm.Stop()
		s, err := New(&flow.ScheduleTrigger{Cron: cronExpr, Every: every, Timezone: zone, Missed: MissedRunOnce})
		if err != nil {
			return
		}
		// Keep to years Bistro can meet: 1900 to 2200.
		now := time.Unix(-2_208_988_800+mod(from, 9_467_280_000), 0).UTC()
		last := now.Add(-time.Duration(mod(gap, 400*24*3600)) * time.Second)
		next := s.Next(now)
		if !next.IsZero() && !next.After(now) {
			t.Fatalf("Next(%v) = %v, not after", now, next)
		}
		latest := s.Latest(now)
		if latest.After(now) {
			t.Fatalf("Latest(%v) = %v, after", now, latest)
		}
		due := s.Due(last, now)
		if len(due) > 1 || len(due) == 1 && (!due[0].After(last) || due[0].After(now)) {
			t.Fatalf("Due(%v, %v) = %v", last, now, due)
		}
		_ = s.Key("f", now)
	})
}

// mod returns a non-negative remainder.
func mod(a, b int64) int64 {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}

func BenchmarkNext(b *testing.B) {
	benches := []struct {
		name string
		tr   flow.ScheduleTrigger
	}{
		{"cron weekdays Berlin", flow.ScheduleTrigger{Cron: "0 9 * * MON-FRI", Timezone: "Europe/Berlin"}},
		{"cron every 5s", flow.ScheduleTrigger{Cron: "*/5 * * * * *"}},
		{"cron leap day Monday", flow.ScheduleTrigger{Cron: "0 0 29 2 MON"}},
		{"every 10m", flow.ScheduleTrigger{Every: "10m", Timezone: "Europe/Berlin"}},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			s := mustNew(b, bb.tr)
			from := time.Date(2026, 7, 10, 8, 0, 0, 0, time.UTC)
			for b.Loop() {
				_ = s.Next(from)
			}
		})
	}
}

func BenchmarkDue(b *testing.B) {
	s := mustNew(b, flow.ScheduleTrigger{Cron: "0 9 * * MON-FRI", Timezone: "Europe/Berlin", Missed: MissedRunOnce})
	last := time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC)
	now := time.Date(2026, 7, 10, 8, 0, 0, 0, time.UTC)
	for b.Loop() {
		_ = s.Due(last, now)
	}
}
