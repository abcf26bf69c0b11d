package schedule

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/flow"
)

// TestNextAcrossClockChanges pins what each schedule does on the nights the
// clocks change. Wall times are local; the offset is asserted separately by
// comparing instants.
func TestNextAcrossClockChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cron  string
		every string
		zone  string
		from  string // local wall time
		want  []string
	}{
		{
			// Berlin turns 03:00 summer time back to 02:00 on the last
			// Sunday of October, so 01:30 is not in the repeated hour.
			name: "daily 01:30 Berlin in autumn",
			cron: "30 1 * * *", zone: "Europe/Berlin", from: "2026-10-24 00:00",
			want: []string{"2026-10-24 01:30 +0200", "2026-10-25 01:30 +0200", "2026-10-26 01:30 +0100"},
		},
		{
			// 02:30 happens twice; go-cron alone would fire at both.
			name: "daily 02:30 Berlin in autumn fires once",
			cron: "30 2 * * *", zone: "Europe/Berlin", from: "2026-10-24 00:00",
			want: []string{"2026-10-24 02:30 +0200", "2026-10-25 02:30 +0200", "2026-10-26 02:30 +0100"},
		},
		{
			name: "half-hourly Berlin in autumn skips the repeated wall times",
			cron: "*/30 * * * *", zone: "Europe/Berlin", from: "2026-10-25 01:45",
			want: []string{"2026-10-25 02:00 +0200", "2026-10-25 02:30 +0200", "2026-10-25 03:00 +0100", "2026-10-25 03:30 +0100"},
		},
		{
			// 02:30 does not exist on the last Sunday of March: go-cron,
			// like ISC cron, runs it at the first moment after the gap,
			// minute kept (03:30 summer time), not at 03:00 and not never.
			name: "daily 02:30 Berlin in spring is shifted to 03:30",
			cron: "30 2 * * *", zone: "Europe/Berlin", from: "2026-03-28 00:00",
			want: []string{"2026-03-28 02:30 +0100", "2026-03-29 03:30 +0200", "2026-03-30 02:30 +0200"},
		},
		{
			name: "daily 03:30 Berlin in spring is untouched",
			cron: "30 3 * * *", zone: "Europe/Berlin", from: "2026-03-28 12:00",
			want: []string{"2026-03-29 03:30 +0200", "2026-03-30 03:30 +0200"},
		},
		{
			name: "daily 01:30 New York in autumn fires once",
			cron: "30 1 * * *", zone: "America/New_York", from: "2026-10-31 12:00",
			want: []string{"2026-11-01 01:30 -0400", "2026-11-02 01:30 -0500"},
		},
		{
			// Lord Howe Island turns its clocks back by half an hour.
			name: "daily 01:45 Lord Howe in autumn fires once",
			cron: "45 1 * * *", zone: "Australia/Lord_Howe", from: "2026-04-04 12:00",
			want: []string{"2026-04-05 01:45 +1100", "2026-04-06 01:45 +1030"},
		},
		{
			// A fixed interval is real time: both passes through 02:xx fire.
			name:  "every 30m Berlin in autumn keeps real intervals",
			every: "30m", zone: "Europe/Berlin", from: "2026-10-25 01:45",
			want: []string{"2026-10-25 02:00 +0200", "2026-10-25 02:30 +0200", "2026-10-25 02:00 +0100", "2026-10-25 02:30 +0100", "2026-10-25 03:00 +0100"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustNew(t, flow.ScheduleTrigger{Cron: tt.cron, Every: tt.every, Timezone: tt.zone})
			var want []time.Time
			for _, w := range tt.want {
				v, err := time.Parse("2006-01-02 15:04 -0700", w)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, v.UTC())
			}
			got := ticks(s, at(t, tt.zone, tt.from), len(want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("ticks (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeyAcrossAutumn checks that the keys of a cron schedule are unique
// per local wall time while an interval's are unique per instant.
func TestKeyAcrossAutumn(t *testing.T) {
	t.Parallel()
	first := utc(t, "2026-10-25T00:30:00Z") // 02:30 summer time in Berlin
	second := first.Add(time.Hour)          // 02:30 again, winter time
	tests := []struct {
		name     string
		tr       flow.ScheduleTrigger
		wantSame bool
	}{
		{"cron keys on wall time", flow.ScheduleTrigger{Cron: "30 2 * * *", Timezone: "Europe/Berlin"}, true},
		{"every keys on the instant", flow.ScheduleTrigger{Every: "30m", Timezone: "Europe/Berlin"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustNew(t, tt.tr)
			k1, k2 := s.Key("f1", first), s.Key("f1", second)
			if (k1 == k2) != tt.wantSame {
				t.Fatalf("keys %q and %q: same = %v, want %v", k1, k2, k1 == k2, tt.wantSame)
			}
		})
	}
}

// TestLatestMatchesNext checks Latest, which starts from go-cron's Prev,
// against a brute-force walk with Next around clock changes.
func TestLatestMatchesNext(t *testing.T) {
	t.Parallel()
	crons := []string{"30 1 * * *", "30 2 * * *", "0 3 * * *", "*/30 * * * *", "15 * * * *", "0 0 * * *", "0 9 * * MON-FRI", "*/7 1-3 * * *", "45 1 * * *"}
	nights := []struct{ zone, day string }{
		{"Europe/Berlin", "2026-10-25"}, {"Europe/Berlin", "2026-03-29"},
		{"America/New_York", "2026-11-01"}, {"America/New_York", "2026-03-08"},
		{"America/Sao_Paulo", "2018-11-04"}, {"America/Sao_Paulo", "2019-02-17"},
		// Not Australia/Lord_Howe: see the note on repeatShift.
	}
	for _, n := range nights {
		for _, c := range crons {
			t.Run(n.zone+" "+n.day+" "+c, func(t *testing.T) {
				t.Parallel()
				s := mustNew(t, flow.ScheduleTrigger{Cron: c, Timezone: n.zone})
				start := at(t, n.zone, n.day+" 00:00").Add(-12 * time.Hour)
				end := start.Add(36 * time.Hour)
				var all []time.Time
				for tick := s.Next(start.Add(-4 * 24 * time.Hour)); !tick.After(end); tick = s.Next(tick) {
					all = append(all, tick)
				}
				for now := start; now.Before(end); now = now.Add(7*time.Minute + 13*time.Second) {
					if got, want := s.Latest(now), bruteLatest(all, now); !got.Equal(want) {
						t.Fatalf("Latest(%v) = %v, want %v", now, got, want)
					}
				}
			})
		}
	}
}

func bruteLatest(all []time.Time, now time.Time) time.Time {
	var last time.Time
	for _, t := range all {
		if t.After(now) {
			break
		}
		last = t
	}
	return last
}
