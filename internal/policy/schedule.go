package policy

import (
	"fmt"
	"time"

	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/schedule"
)

// scheduleInterval is the shortest time between two runs of a schedule,
// how to say it, and where in the document it is written.
func scheduleInterval(s *flow.ScheduleTrigger) (time.Duration, string, string, bool) {
	sc, err := schedule.New(s)
	if err != nil {
		return 0, "", "", false
	}
	d := sc.MinInterval()
	if s.Every != "" {
		return d, "starts a run every " + duration(d), "trigger.schedule.every", true
	}
	return d, fmt.Sprintf("'%s' starts runs as often as every %s", s.Cron, duration(d)), "trigger.schedule.cron", true
}

// cronInterval is the shortest time between two times a cron expression
// fires, as the scheduler computes it.
func cronInterval(expr string) (time.Duration, bool) {
	sc, err := schedule.New(&flow.ScheduleTrigger{Cron: expr})
	if err != nil {
		return 0, false
	}
	return sc.MinInterval(), true
}
