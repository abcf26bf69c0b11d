package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// summarise merges what the clients saw.
func summarise(results []result, elapsed time.Duration) Report {
	r := Report{Elapsed: elapsed, ByStatus: map[int]int{}, Failed: map[string]int{}}
	var all []time.Duration
	for _, res := range results {
		all = append(all, res.latencies...)
		for k, v := range res.byStatus {
			r.ByStatus[k] += v
		}
		for k, v := range res.failed {
			r.Failed[k] += v
			r.Requests += v
		}
	}
	r.Requests += len(all)
	slices.Sort(all)
	r.P50, r.P90, r.P99 = Percentile(all, 50), Percentile(all, 90), Percentile(all, 99)
	if len(all) > 0 {
		r.Max = all[len(all)-1]
	}
	if elapsed > 0 {
		r.PerSec = float64(len(all)) / elapsed.Seconds()
	}
	if len(r.Failed) == 0 {
		r.Failed = nil
	}
	return r
}

// Percentile returns the p-th percentile (nearest rank) of sorted
// latencies, 0 when there are none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// Write prints the report for people.
func (r Report) Write(w io.Writer) error {
	_, err := fmt.Fprintf(w, "requests     %d in %s\nthroughput   %.0f requests/s (answered)\nlatency      p50 %s  p90 %s  p99 %s  max %s\n",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSec, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
	if err != nil {
		return err
	}
	for _, s := range slices.Sorted(maps.Keys(r.ByStatus)) {
		if _, err := fmt.Fprintf(w, "status %d   %d\n", s, r.ByStatus[s]); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Failed)) {
		if _, err := fmt.Fprintf(w, "no answer (%s)   %d\n", k, r.Failed[k]); err != nil {
			return err
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
