// Package loadgen drives an HTTP endpoint (usually a Bistro webhook) with
// concurrent keep-alive clients and reports throughput, latency
// percentiles and answers by status.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Seq in a body or header template is replaced by the request's sequence
// number (from 1), so that every request can carry a unique id.
const Seq = "{{seq}}"

// Config says what to send, how hard and for how long.
type Config struct {
	URL         string
	Method      string            // default POST
	Body        string            // body template; Seq is replaced
	Headers     map[string]string // header templates; Seq is replaced
	Concurrency int               // clients sending at once, default 1
	// Requests stops after this many requests; Duration stops after this
	// long. With both, whichever comes first; with neither, 1,000 requests.
	Requests int
	Duration time.Duration
	Timeout  time.Duration // per request, default 30s
}

// Report is the outcome of a run.
type Report struct {
	Requests int           `json:"requests"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	PerSec   float64       `json:"requests_per_second"`
	P50      time.Duration `json:"p50_ns"`
	P90      time.Duration `json:"p90_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
	// ByStatus counts answers by HTTP status; Failed counts requests that
	// got no answer, by the reason.
	ByStatus map[int]int    `json:"by_status"`
	Failed   map[string]int `json:"failed,omitempty"`
}

// Run sends requests as cfg says until done or ctx ends.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return Report{}, err
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	hc := &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{
		MaxIdleConnsPerHost: cfg.Concurrency, MaxIdleConns: cfg.Concurrency, DisableCompression: true,
	}}
	defer hc.CloseIdleConnections()
	var seq atomic.Int64
	results := make([]result, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range results {
		wg.Go(func() { results[i] = worker(ctx, hc, cfg, &seq) })
	}
	wg.Wait()
	return summarise(results, time.Since(start)), nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.URL == "" {
		return cfg, errors.New("no URL to send to")
	}
	if cfg.Method == "" {
		cfg.Method = http.MethodPost
	}
	cfg.Concurrency = max(cfg.Concurrency, 1)
	if cfg.Requests <= 0 && cfg.Duration <= 0 {
		cfg.Requests = 1000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return cfg, nil
}

// result is what one client saw.
type result struct {
	latencies []time.Duration
	byStatus  map[int]int
	failed    map[string]int
}

// worker sends one request at a time until the budget or ctx runs out.
func worker(ctx context.Context, hc *http.Client, cfg Config, seq *atomic.Int64) result {
	res := result{byStatus: map[int]int{}, failed: map[string]int{}}
	for ctx.Err() == nil {
		n := seq.Add(1)
		if cfg.Requests > 0 && n > int64(cfg.Requests) {
			break
		}
		began := time.Now()
		status, err := send(ctx, hc, cfg, strconv.FormatInt(n, 10))
		if err != nil {
			if ctx.Err() != nil {
				break // cut short by the duration: not the server's failure
			}
			res.failed[reason(err)]++
			continue
		}
		res.latencies = append(res.latencies, time.Since(began))
		res.byStatus[status]++
	}
	return res
}

// send makes one request and reads the whole answer, so that the
// connection is reused.
func send(ctx context.Context, hc *http.Client, cfg Config, n string) (int, error) {
	var body io.Reader
	if cfg.Body != "" {
		body = bytes.NewReader([]byte(strings.ReplaceAll(cfg.Body, Seq, n)))
	}
	req, err := http.NewRequestWithContext(ctx, cfg.Method, cfg.URL, body)
	if err != nil {
		return 0, err
	}
	if cfg.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range cfg.Headers {
		req.Header.Set(k, strings.ReplaceAll(v, Seq, n))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// reason names a failure without the parts that differ per request.
func reason(err error) string {
	var te interface{ Timeout() bool }
	switch {
	case errors.As(err, &te) && te.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "connection reset"):
		return "connection reset"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	default:
		return "other: " + err.Error()
	}
}
