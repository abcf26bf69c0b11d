// Package schedule turns a flow's schedule trigger into ticks: when the next
// one is, which ones are due after a pause or a crash, and the key that makes
// each tick start at most one run however many nodes see it. Scheduler is the
// loop that sleeps until the next tick and fires it.
//
// Two kinds of schedule behave differently on purpose:
//
//   - cron follows the wall clock of the schedule's time zone ("every day at
//     09:00 in Europe/Berlin"). A local time fires at most once, even when
//     the autumn change of clocks makes it happen twice; a local time that
//     the spring change skips fires at the first moment after the gap (so
//     "30 2 * * *" runs at 03:30 on that day), as ISC cron does.
//   - every is a fixed interval of real time ("every 10m"), aligned to the
//     Unix epoch: "every 10m" ticks at :00, :10, :20 … of each hour in every
//     zone whose offset is a whole number of hours, and "every 7m" ticks at
//     multiples of seven minutes since 1970-01-01 00:00 UTC, so every node
//     agrees on the ticks without talking to the others. Clock changes do not
//     affect it; use cron for a time of day.
package schedule

import (
	"errors"
	"fmt"
	"time"

	cron "github.com/netresearch/go-cron"

	"github.com/bistro-dev/bistro/internal/flow"
)

// Missed policies: what to do about ticks that passed while nothing was
// running (downtime, a paused process, a long failure).
const (
	// MissedSkip forgets missed ticks; only a tick that has just passed
	// (within Grace) still fires.
	MissedSkip = "skip"
	// MissedRunOnce fires the latest missed tick once, however many were
	// missed.
	MissedRunOnce = "run_once"
)

// searchYears is how far ahead (and back) a cron schedule is searched for its
// next tick. go-cron's default of five years misses schedules that are rare
// but real, such as "0 0 29 2 MON" (a Monday 29 February, every 28 years).
const searchYears = 30

// parser accepts exactly what the flow validator accepts.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor).
	WithMaxSearchYears(searchYears)

// unixEpoch anchors "every" schedules.
var unixEpoch = time.Unix(0, 0).UTC()

// probeFrom is where New looks for a first tick to reject schedules that can
// never fire; any start works because cron schedules repeat within the
// search window.
var probeFrom = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Schedule is a parsed schedule trigger. It is immutable and safe for
// concurrent use. Its Next method has the shape of River's PeriodicSchedule.
type Schedule struct {
	text   string             // as the user wrote it, for logs
	spec   *cron.SpecSchedule // nil for fixed intervals
	every  time.Duration      // > 0 for fixed intervals
	phase  time.Duration      // unixEpoch minus unixEpoch truncated to every
	loc    *time.Location     // the zone ticks are computed and keyed in
	missed string
}

// New parses a schedule trigger. Errors are plain sentences meant for the
// person who wrote the flow.
func New(t *flow.ScheduleTrigger) (*Schedule, error) {
	if t == nil {
		return nil, errors.New("the flow has no schedule")
	}
	s := &Schedule{loc: time.UTC, missed: MissedSkip}
	if err := s.setMissed(t.Missed); err != nil {
		return nil, err
	}
	if t.Timezone != "" {
		loc, err := time.LoadLocation(t.Timezone)
		if err != nil {
			return nil, fmt.Errorf("unknown time zone '%s': time zones are written like Europe/Berlin or America/New_York", t.Timezone)
		}
		s.loc = loc
	}
	var err error
	switch {
	case t.Cron != "" && t.Every != "":
		return nil, errors.New("the schedule has both 'cron' and 'every': keep one of them")
	case t.Cron != "":
		err = s.setCron(t.Cron)
	case t.Every != "":
		err = s.setEvery(t.Every)
	default:
		return nil, errors.New("the schedule says neither 'cron' nor 'every'")
	}
	if err != nil {
		return nil, err
	}
	if s.Next(probeFrom).IsZero() {
		return nil, fmt.Errorf("the schedule '%s' never fires: no date matches it", s.text)
	}
	return s, nil
}

func (s *Schedule) setMissed(m string) error {
	switch m {
	case "", MissedSkip:
		s.missed = MissedSkip
	case MissedRunOnce:
		s.missed = MissedRunOnce
	default:
		return fmt.Errorf("'missed' must be skip or run_once, not '%s'", m)
	}
	return nil
}

func (s *Schedule) setCron(expr string) error {
	s.text = expr
	parsed, err := parser.Parse(expr)
	if err != nil {
		return fmt.Errorf("'%s' is not a valid cron expression: %v", expr, err)
	}
	switch p := parsed.(type) {
	case *cron.SpecSchedule:
		s.spec = p
		// A TZ= or CRON_TZ= prefix in the expression is more specific than
		// the trigger's timezone setting, so it wins.
		if p.Location != time.Local {
			s.loc = p.Location
		}
		return nil
	case cron.ConstantDelaySchedule:
		// "@every 10m" means the same as every: 10m; go-cron would count
		// it from whenever it was asked, which differs from node to node.
		s.setInterval(p.Delay)
		return nil
	default:
		return fmt.Errorf("'%s' is a kind of cron expression Bistro does not support", expr)
	}
}

func (s *Schedule) setEvery(every string) error {
	s.text = "every " + every
	d, err := time.ParseDuration(every)
	if err != nil {
		return fmt.Errorf("'every' must be a duration such as 30s, 10m or 1h30m, not '%s'", every)
	}
	if d < time.Second {
		return fmt.Errorf("'every' must be at least 1s (got %s)", every)
	}
	s.setInterval(d)
	return nil
}

func (s *Schedule) setInterval(d time.Duration) {
	s.every = d
	s.phase = unixEpoch.Sub(unixEpoch.Truncate(d))
	s.loc = time.UTC // an interval has no wall clock; keys use UTC
}

// String returns the schedule as the user wrote it.
func (s *Schedule) String() string { return s.text }

// Location returns the zone the schedule's ticks are computed and keyed in:
// the trigger's timezone for cron, UTC for fixed intervals.
func (s *Schedule) Location() *time.Location { return s.loc }

// Missed returns the missed-tick policy, MissedSkip or MissedRunOnce.
func (s *Schedule) Missed() string { return s.missed }

// Next returns the first tick strictly after after, in UTC, or the zero time
// when the schedule never fires again.
func (s *Schedule) Next(after time.Time) time.Time {
	if s.every > 0 {
		return s.floor(after).Add(s.every)
	}
	t := after
	for {
		t = s.spec.Next(t.In(s.loc))
		if t.IsZero() {
			return time.Time{}
		}
		if repeatShift(t, s.loc) == 0 {
			return t.UTC()
		}
		// The second pass through a local time the clocks already showed
		// (autumn): that wall time has fired already.
	}
}

// floor returns the latest interval tick at or before t.
func (s *Schedule) floor(t time.Time) time.Time {
	return t.Add(-s.phase).Truncate(s.every).Add(s.phase).UTC()
}
