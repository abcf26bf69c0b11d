package runner

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bistro-dev/bistro/internal/store"
)

// depthEvery is how often the queue depth is sampled for the gauge, and
// how old a sample back-pressure may use.
const (
	depthEvery = 5 * time.Second
	depthFresh = 100 * time.Millisecond
)

// metrics are the runner's Prometheus collectors.
type metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	steps    *prometheus.CounterVec
	queued   prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bistro_runs_total", Help: "Finished runs by flow and status.",
		}, []string{"flow", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bistro_run_duration_seconds", Help: "How long runs took, by flow.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"flow"}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bistro_step_records_total", Help: "Records that reached a step (in) and left it (out), by flow and step.",
		}, []string{"flow", "step", "direction"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bistro_runs_queued", Help: "Runs waiting for a worker (sampled).",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.runs, m.duration, m.steps, m.queued} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) finished(flowName string, st store.Status, d time.Duration) {
	m.runs.WithLabelValues(flowName, string(st)).Inc()
	m.duration.WithLabelValues(flowName).Observe(d.Seconds())
}

func (m *metrics) stepCounts(flowName string, o *outcome) {
	for _, s := range o.stats {
		m.steps.WithLabelValues(flowName, s.Step, "in").Add(float64(s.In))
		m.steps.WithLabelValues(flowName, s.Step, "out").Add(float64(s.Out))
	}
}

// sampleDepth updates the queue depth gauge until ctx is done.
func (r *Runner) sampleDepth(ctx context.Context) error {
	t := time.NewTicker(depthEvery)
	defer t.Stop()
	for {
		if n, err := r.depth.get(ctx, r.store); err == nil {
			r.metrics.queued.Set(float64(n))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// depthGauge caches the number of queued runs: back-pressure reads it on
// every webhook call, and a count per call would cost a query each.
// Runs queued here since the sample are added, so a burst is seen at once.
type depthGauge struct {
	mu sync.Mutex
	n  int
	at time.Time
}

func (d *depthGauge) add(k int) {
	d.mu.Lock()
	d.n += k
	d.mu.Unlock()
}

func (d *depthGauge) get(ctx context.Context, s store.Store) (int, error) {
	d.mu.Lock()
	if !d.at.IsZero() && time.Since(d.at) < depthFresh {
		n := d.n
		d.mu.Unlock()
		return n, nil
	}
	d.mu.Unlock()
	n, err := s.CountRuns(ctx, store.StatusQueued)
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	d.n, d.at = n, time.Now()
	d.mu.Unlock()
	return n, nil
}
