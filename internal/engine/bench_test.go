package engine

import (
	"context"
	"fmt"
	"github.com/bistro-dev/bistro/internal/tuning"
	"iter"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
)

// heapSampler tracks the peak of live heap objects, read every few
// thousand records (runtime/metrics reads do not stop the world).
type heapSampler struct {
	sample []metrics.Sample
	peak   uint64
}

func newHeapSampler() *heapSampler {
	return &heapSampler{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (h *heapSampler) read() {
	metrics.Read(h.sample)
	if v := h.sample[0].Value.Uint64(); v > h.peak {
		h.peak = v
	}
}

// sampled yields n generated records and samples the heap as it goes. The
// field values are made up front so that the benchmark measures the engine
// more than the generator: like decoded input, each record is a new map.
func sampled(n int, h *heapSampler) iter.Seq2[Record, error] {
	customers := make([]any, 1000)
	for i := range customers {
		customers[i] = "c" + strconv.Itoa(i)
	}
	amounts := make([]any, 500)
	for i := range amounts {
		amounts[i] = float64(i) / 4
	}
	template := Record{"id": 0, "customer": "", "amount": 0.0, "country": "DE"}
	return func(yield func(Record, error) bool) {
		for i := range n {
			if i%8192 == 0 {
				h.read()
			}
			rec := maps.Clone(template) // a new map per record, made quickly
			rec["id"], rec["customer"], rec["amount"] = i, customers[i%1000], amounts[i%500]
			if !yield(rec, nil) {
				return
			}
		}
	}
}

const millionFlow = `
steps:
  - id: enrich
    set:
      gross: "{{ record.amount * 1.19 }}"
      label: "{{ record.customer }}-{{ record.country }}"
  - id: big_only
    filter: record.gross > 20
  - id: per_customer
    group:
      by: {customer: record.customer}
      fields: {orders: count(), total: sum(record.gross)}
`

// BenchmarkMillionRecords streams one million generated records through
// set, filter and group; ns/op is the time for the whole million.
//
// It runs with the garbage collector set as the bistro binary sets it
// (internal/tuning); GOGC=100 in the environment measures Go's default.
func BenchmarkMillionRecords(b *testing.B) {
	old := debug.SetGCPercent(100)
	debug.SetGCPercent(old)
	tuning.Apply(os.LookupEnv)
	defer debug.SetGCPercent(old)
	p, _ := setup(b, millionFlow, Options{})
	const n = 1_000_000
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		runtime.GC()
		h := newHeapSampler()
		groups := 0
		res, err := p.Run(context.Background(), Input{Records: sampled(n, h)}, func(Record) error { groups++; return nil })
		if err != nil || res.Status != StatusSucceeded || groups != 864 {
			b.Fatalf("run: %v, %d groups", err, groups)
		}
		h.read()
		peak = max(peak, h.peak)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(maxRSS())/(1<<10), "peak-RSS-MB")
}

// BenchmarkStepOverhead is the cost of one record through one set step.
func BenchmarkStepOverhead(b *testing.B) {
	p, _ := setup(b, "steps:\n  - id: s\n    set: {a: \"{{ record.id }}\"}\n", Options{})
	rec := Record{"id": 1}
	b.ReportAllocs()
	b.ResetTimer()
	records := func(yield func(Record, error) bool) {
		for range b.N {
			if !yield(rec, nil) {
				return
			}
		}
	}
	if _, err := p.Run(context.Background(), Input{Records: records}, nil); err != nil {
		b.Fatal(err)
	}
}

// maxRSS reads the process's peak resident set in KiB (Linux only; 0 elsewhere).
func maxRSS() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}

// BenchmarkWebhookRun is one small run as a sync webhook makes it: one
// record through a few steps and a respond; ns/op is the cost of a run.
func BenchmarkWebhookRun(b *testing.B) {
	p, _ := setup(b, `
steps:
  - id: clean
    set: {email: "{{ lower(trim(trigger.body.email)) }}", name: "{{ trim(trigger.body.name) }}"}
  - id: real_only
    filter: not (record.email endsWith "@example.com")
  - id: reply
    respond: {status: 201, body: {ok: true, email: "{{ record.email }}"}}
`, Options{})
	trigger := map[string]any{"body": map[string]any{"email": " Ann@Shop.test ", "name": "Ann "}}
	b.ReportAllocs()
	for b.Loop() {
		res, err := p.Run(context.Background(), Input{Trigger: trigger}, nil)
		if err != nil || res.Response == nil {
			b.Fatal(err)
		}
	}
}
