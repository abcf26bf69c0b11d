package loadgen

import (
	"bytes"
	"encoding/json"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of ten", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Millisecond},
		{"p90 of ten", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"p99 of ten is the top", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p0 is the bottom", ms(1, 2, 3), 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Percentile(tt.in, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.in, tt.p, got, tt.want)
			}
		})
	}
}

// recorder is a server that answers 503 to odd sequence numbers and
// remembers every id it saw in bodies and headers.
type recorder struct {
	mu      sync.Mutex
	bodies  map[string]int
	headers map[string]int
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rec.mu.Lock()
	rec.bodies[body.ID]++
	rec.headers[r.Header.Get("Idempotency-Key")]++
	rec.mu.Unlock()
	if len(body.ID)%2 == 1 { // ids 1-9 odd length: 503; 10-99: 200
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func TestRunCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		requests    int
		concurrency int
		want        map[int]int
	}{
		{"one client", 20, 1, map[int]int{503: 9, 202: 11}},
		{"many clients", 99, 8, map[int]int{503: 9, 202: 90}},
		{"more clients than requests", 3, 16, map[int]int{503: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{bodies: map[string]int{}, headers: map[string]int{}}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			r, err := Run(t.Context(), Config{
				URL: srv.URL, Body: `{"id": "` + Seq + `"}`, Headers: map[string]string{"Idempotency-Key": "k-" + Seq},
				Requests: tt.requests, Concurrency: tt.concurrency,
			})
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests != tt.requests || r.Failed != nil {
				t.Errorf("requests %d, failed %v; want %d, none", r.Requests, r.Failed, tt.requests)
			}
			if diff := cmp.Diff(tt.want, r.ByStatus); diff != "" {
				t.Errorf("by status (-want +got):\n%s", diff)
			}
			for i := 1; i <= tt.requests; i++ {
				id := itoa(i)
				if rec.bodies[id] != 1 || rec.headers["k-"+id] != 1 {
					t.Errorf("request %d: body seen %d times, header %d times; want once", i, rec.bodies[id], rec.headers["k-"+id])
				}
			}
			if r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max || r.PerSec <= 0 {
				t.Errorf("inconsistent latencies: p50 %v p99 %v max %v, %v/s", r.P50, r.P99, r.Max, r.PerSec)
			}
		})
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestRunForDuration(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	r, err := Run(t.Context(), Config{URL: srv.URL, Method: http.MethodGet, Duration: 100 * time.Millisecond, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.ByStatus[200] != r.Requests || r.Failed != nil {
		t.Errorf("got %d requests, by status %v, failed %v; want some, all 200", r.Requests, r.ByStatus, r.Failed)
	}
	if r.Elapsed < 100*time.Millisecond {
		t.Errorf("stopped after %v, before the duration", r.Elapsed)
	}
}

func TestRunNoServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	r, err := Run(t.Context(), Config{URL: url, Requests: 5, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"connection refused": 5}
	if diff := cmp.Diff(want, r.Failed); diff != "" || len(r.ByStatus) != 0 {
		t.Errorf("failed (-want +got):\n%s\nby status %v", diff, r.ByStatus)
	}
}

func TestRunNeedsURL(t *testing.T) {
	t.Parallel()
	if _, err := Run(t.Context(), Config{}); err == nil {
		t.Error("Run without a URL succeeded")
	}
}

func TestWriteGolden(t *testing.T) {
	t.Parallel()
	r := Report{
		Requests: 1003, Elapsed: 2*time.Second + 345*time.Millisecond, PerSec: 427.3,
		P50: 1200 * time.Microsecond, P90: 3 * time.Millisecond, P99: 12500 * time.Microsecond, Max: 40 * time.Millisecond,
		ByStatus: map[int]int{202: 990, 503: 10}, Failed: map[string]int{"connection reset": 3},
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "report.golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}
