package httpstep

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// loopback lets tests reach their httptest servers and nothing else.
var loopback = egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

// fixture is one test's server, client and fake clock.
type fixture struct {
	srv   *httptest.Server
	clock *clocktest.Fake
	cl    *Client

	mu   sync.Mutex
	seen []*http.Request
	body []string
}

// setup starts a server running handler and a client allowed to reach it.
func setup(t *testing.T, handler http.HandlerFunc) *fixture {
	t.Helper()
	f := &fixture{clock: clocktest.New(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		if r.Body != nil {
			buf := make([]byte, 1<<16)
			for {
				n, err := r.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
		}
		f.mu.Lock()
		f.seen = append(f.seen, r)
		f.body = append(f.body, b.String())
		f.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(f.srv.Close)
	f.cl = NewClient(ClientOptions{Egress: loopback, Clock: f.clock, UserAgent: "bistro/test"})
	return f
}

// requests returns the requests the server saw and their bodies.
func (f *fixture) requests() ([]*http.Request, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.seen...), append([]string(nil), f.body...)
}

// run compiles h and runs it for record, returning what it emitted.
func (f *fixture) run(t *testing.T, h *flow.HTTP, retry *flow.Retry, record map[string]any) ([]map[string]any, error) {
	t.Helper()
	step, err := Compile(h, retry, flow.Scope{})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var out []map[string]any
	vars := expr.Vars{expr.VarRecord: record, expr.VarVars: map[string]any{"token": "s3cret-token"}}
	err = step.Run(context.Background(), f.cl, vars, func(r map[string]any) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}
