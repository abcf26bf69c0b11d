package schedule

import "time"

// fallBacks are the amounts by which real zones have turned their clocks
// back: an hour almost everywhere, half an hour on Lord Howe Island, two
// hours at the Troll station in Antarctica.
var fallBacks = []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour}

// repeatShift reports whether t's local wall time in loc already happened
// earlier, because the clocks were turned back in between; it returns how
// much earlier (the first pass through that wall time is t minus the shift),
// or 0 when t is the first pass.
//
// go-cron walks real time, so in the autumn it fires a daily 01:30 at 01:30
// summer time and again at 01:30 winter time. People mean once.
//
// A known gap, left to go-cron: on the night a zone turns its clocks back
// by half an hour (only Australia/Lord_Howe today), go-cron's Next skips
// that day's ticks at whole hours after the change, e.g. 03:00 for
// "0 3 * * *", because its hour steps land on :30. Latest still finds them.
func repeatShift(t time.Time, loc *time.Location) time.Duration {
	_, offNow := t.In(loc).Zone()
	for _, d := range fallBacks {
		_, offBefore := t.Add(-d).In(loc).Zone()
		if time.Duration(offBefore-offNow)*time.Second == d {
			return d
		}
	}
	return 0
}
