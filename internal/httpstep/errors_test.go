package httpstep

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
)

// failing answers with the given statuses in turn, then 200.
func failing(statuses []int, header http.Header) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(statuses) {
			writeJSON(w, 200, `{"ok":true}`)
			return
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		writeJSON(w, statuses[i], `{"error":"try later"}`)
	}
}

func TestRetry(t *testing.T) {
	t.Parallel()
	date := time.Date(2026, 11, 23, 12, 0, 42, 0, time.UTC).Format(http.TimeFormat)
	tests := []struct {
		name       string
		statuses   []int
		header     http.Header
		retry      *flow.Retry
		wantSleeps []time.Duration // exact, or nil to check wantRange
		wantRange  [][2]time.Duration
		wantErr    string
		transient  bool
	}{
		{name: "429 with Retry-After seconds", statuses: []int{429}, header: http.Header{"Retry-After": {"7"}},
			wantSleeps: []time.Duration{7 * time.Second}},
		{name: "503 with Retry-After date", statuses: []int{503}, header: http.Header{"Retry-After": {date}},
			wantSleeps: []time.Duration{42 * time.Second}},
		{name: "Retry-After is capped", statuses: []int{429}, header: http.Header{"Retry-After": {"86400"}},
			wantSleeps: []time.Duration{5 * time.Minute}},
		{name: "backoff with jitter", statuses: []int{500, 502},
			wantRange: [][2]time.Duration{{500 * time.Millisecond, time.Second}, {time.Second, 2 * time.Second}}},
		{name: "backoff capped", statuses: []int{500, 500, 500}, retry: &flow.Retry{Attempts: 4, Backoff: "10s", MaxBackoff: "15s"},
			wantRange: [][2]time.Duration{{5 * time.Second, 10 * time.Second}, {7500 * time.Millisecond, 15 * time.Second}, {7500 * time.Millisecond, 15 * time.Second}}},
		{name: "503 exhausted", statuses: []int{503, 503, 503},
			wantRange: [][2]time.Duration{{500 * time.Millisecond, time.Second}, {time.Second, 2 * time.Second}},
			wantErr:   `answered 503 Service Unavailable: {"error":"try later"}`, transient: true},
		{name: "404 is not retried", statuses: []int{404}, wantErr: `answered 404 Not Found: {"error":"try later"}`},
		{name: "404 retried on any", statuses: []int{404}, retry: &flow.Retry{Attempts: 2, On: "any"},
			wantRange: [][2]time.Duration{{500 * time.Millisecond, time.Second}}},
		{name: "one attempt", statuses: []int{500}, retry: &flow.Retry{Attempts: 1},
			wantErr: "answered 500 Internal Server Error", transient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, failing(tt.statuses, tt.header))
			out, err := f.run(t, &flow.HTTP{URL: f.srv.URL + "/leads"}, tt.retry, nil)
			checkErr(t, err, tt.wantErr, tt.transient)
			if err == nil && len(out) != 1 {
				t.Errorf("got %d records, want 1", len(out))
			}
			sleeps := f.clock.Sleeps()
			if tt.wantSleeps != nil {
				if diff := cmp.Diff(tt.wantSleeps, sleeps); diff != "" {
					t.Errorf("sleeps (-want +got):\n%s", diff)
				}
				return
			}
			if len(sleeps) != len(tt.wantRange) {
				t.Fatalf("slept %v, want %d sleeps", sleeps, len(tt.wantRange))
			}
			for i, s := range sleeps {
				if s < tt.wantRange[i][0] || s > tt.wantRange[i][1] {
					t.Errorf("sleep %d = %v, want within %v", i, s, tt.wantRange[i])
				}
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string, transient bool) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if got, _ := fault.IsTransient(err); got != transient {
		t.Errorf("transient = %v, want %v (%v)", got, transient, err)
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 2000)
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		h         flow.HTTP
		maxBody   int64
		wantErr   string
		transient bool
	}{
		{name: "422 with body", handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 422, `{"error":"email is missing"}`)
		}, h: flow.HTTP{Method: "POST", URL: "/leads"},
			wantErr: `POST {{server}}/leads answered 422 Unprocessable Entity: {"error":"email is missing"}`},
		{name: "long body is cut", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, big, 400)
		}, h: flow.HTTP{URL: "/"}, wantErr: "answered 400 Bad Request: " + big[:300] + "…"},
		{name: "timeout", handler: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, h: flow.HTTP{URL: "/slow", Timeout: "50ms"},
			wantErr: "GET {{server}}/slow did not answer within 50ms", transient: true},
		{name: "body too large", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(big))
		}, h: flow.HTTP{URL: "/big"}, maxBody: 1024,
			wantErr: "the answer to GET {{server}}/big is too large: Bistro reads at most 1 KB of a response"},
		{name: "body too large without length", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(big[:1000]))
			w.(http.Flusher).Flush()
			w.Write([]byte(big[:1000]))
		}, h: flow.HTTP{URL: "/big"}, maxBody: 1500, wantErr: "is too large: Bistro reads at most 1500 bytes"},
		{name: "redirect to a refused address", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		}, h: flow.HTTP{URL: "/go"},
			wantErr: "GET {{server}}/go failed: connection to 169.254.169.254:80 refused: cloud metadata addresses are blocked"},
		{name: "too many redirects", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/again", http.StatusFound)
		}, h: flow.HTTP{URL: "/loop"}, wantErr: "GET {{server}}/loop failed: it was redirected more than 10 times"},
		{name: "url that is not a web address", h: flow.HTTP{URL: "ftp://files.example.com/x"},
			wantErr: `url: "ftp://files.example.com/x" is not a web address`},
		{name: "nothing listening", h: flow.HTTP{URL: "http://127.0.0.1:1/"}, wantErr: "GET http://127.0.0.1:1/ failed: nothing is listening there", transient: true},
	}
	msgs := make([]string, len(tests))
	// The messages are what a person reads in the run log. Cleanup runs
	// once every parallel case has finished.
	t.Cleanup(func() { golden(t, "run_errors.golden", strings.Join(msgs, "")) })
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.handler)
			f.cl = NewClient(ClientOptions{Egress: loopback, Clock: f.clock, MaxBody: tt.maxBody})
			h := tt.h
			if strings.HasPrefix(h.URL, "/") {
				h.URL = f.srv.URL + h.URL
			}
			_, err := f.run(t, &h, &flow.Retry{Attempts: 1}, nil)
			checkErr(t, err, strings.ReplaceAll(tt.wantErr, "{{server}}", f.srv.URL), tt.transient)
			if err != nil {
				// Each subtest writes only its own slot.
				msgs[i] = tt.name + ":\n  " + strings.ReplaceAll(err.Error(), f.srv.URL, "http://api.test") + "\n"
			}
		})
	}
}

func TestRefusedWithoutAllow(t *testing.T) {
	t.Parallel()
	f := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	f.cl = NewClient(ClientOptions{Clock: f.clock})
	_, err := f.run(t, &flow.HTTP{URL: f.srv.URL}, nil, nil)
	checkErr(t, err, "refused: loopback addresses (this machine) are blocked", false)
	if !egress.IsRefused(err) {
		t.Errorf("IsRefused(%v) = false", err)
	}
	if len(f.clock.Sleeps()) != 0 {
		t.Errorf("a refused address was retried: %v", f.clock.Sleeps())
	}
	if reqs, _ := f.requests(); len(reqs) != 0 {
		t.Errorf("the server was reached %d times", len(reqs))
	}
}
