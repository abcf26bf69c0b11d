package schedule

import "time"

// Grace is how late a tick may still fire under the skip policy. A tick is
// rarely seen at its exact instant: the process may have been busy, paused
// by the OS, or just elected leader. A minute covers those hiccups, while
// after real downtime the missed ticks are not replayed. Only the latest
// tick at or before now is ever considered, so for schedules more frequent
// than a minute the effective window is the interval itself.
const Grace = time.Minute

// Due returns the ticks to fire at now, given last, the latest tick that
// already fired (the zero time when none ever did). It returns at most one
// tick, the latest one in (last, now]:
//
//   - with the zero last nothing in the past fires, only a tick exactly at
//     now: a new schedule waits for its first tick instead of firing at once;
//   - under MissedSkip the tick fires only if it is at most Grace old, so
//     ticks missed during downtime are dropped;
//   - under MissedRunOnce it fires however old it is: one run stands for all
//     the ticks that were missed.
func (s *Schedule) Due(last, now time.Time) []time.Time {
	tick := s.Latest(now)
	switch {
	case tick.IsZero():
		return nil
	case last.IsZero():
		if !tick.Equal(now) {
			return nil
		}
	case !tick.After(last):
		return nil
	case s.missed == MissedSkip && now.Sub(tick) > Grace:
		return nil
	}
	return []time.Time{tick}
}

// Latest returns the latest tick at or before t, in UTC, or the zero time
// when there is none within the search window.
func (s *Schedule) Latest(t time.Time) time.Time {
	if s.every > 0 {
		return s.floor(t)
	}
	// go-cron's Prev starts at the second before its argument and ignores
	// the nanoseconds, so ask from the next whole second to include t.
	from := t.Truncate(time.Second).Add(time.Second)
	p := s.spec.Prev(from.In(s.loc))
	if p.IsZero() {
		return time.Time{}
	}
	// Prev may land on the second pass through a repeated local time;
	// the tick is the first pass.
	p = p.Add(-repeatShift(p, s.loc))
	// Prev is not trusted around clock changes: walk forward with Next,
	// which is, to the last tick that is not after t.
	for {
		n := s.Next(p)
		if n.IsZero() || n.After(t) {
			return p.UTC()
		}
		p = n
	}
}

// MinInterval is the shortest time between two ticks: the interval of an
// "every" schedule, or the smallest gap between a cron schedule's ticks
// over four years (from the first 20,000 ticks; a schedule with fewer
// than two ticks in that time answers the four years). Guardrails use it
// to refuse schedules that fire too often.
func (s *Schedule) MinInterval() time.Duration {
	if s.every > 0 {
		return s.every
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // a Monday of a leap year
	window := 4 * 365 * 24 * time.Hour
	least := window
	prev := s.Next(start.Add(-time.Second))
	for i := 0; i < 20000 && !prev.IsZero() && prev.Sub(start) < window; i++ {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		least = min(least, next.Sub(prev))
		prev = next
	}
	return least
}
