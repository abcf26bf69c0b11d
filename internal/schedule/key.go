package schedule

import (
	"strings"
	"time"
)

// wallLayout writes a local wall time without its offset: the offset is
// exactly what differs between the two passes through an autumn hour.
const wallLayout = "2006-01-02T15:04:05.999999999"

// Key returns the dedupe key of one tick of a flow's schedule: the flow id
// and the tick's local wall time in loc (nil means UTC), plus the zone's
// name. Every node computes the same key for the same tick, and the runner
// starts at most one run per key, so a tick fires once however many nodes
// see it and however often a crashed scheduler retries it.
//
// The key has no flow version on purpose: during a rollout one node may
// still hold the old version, and both must agree the tick is the same.
// Because it is the wall time, the second 01:30 of an autumn night has the
// same key as the first and cannot start a second run.
func Key(flowID string, tick time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	b.WriteString("schedule:")
	b.WriteString(flowID)
	b.WriteByte('@')
	b.WriteString(tick.In(loc).Format(wallLayout))
	b.WriteByte(' ')
	b.WriteString(loc.String())
	return b.String()
}

// Key returns the dedupe key of one of this schedule's ticks for a flow:
// by local wall time for cron schedules, by the instant (in UTC) for fixed
// intervals, whose ticks in a repeated autumn hour are distinct.
func (s *Schedule) Key(flowID string, tick time.Time) string {
	return Key(flowID, tick, s.loc)
}
