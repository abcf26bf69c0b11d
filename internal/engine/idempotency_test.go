package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/httpstep"
)

// keyServer records the Idempotency-Key of every request and fails the
// first request of each key with 503, so every call is retried once.
type keyServer struct {
	mu   sync.Mutex
	keys []string
	seen map[string]bool
}

func (s *keyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	s.keys = append(s.keys, r.Method+" "+key)
	if r.Method == http.MethodPost && !s.seen[key] {
		s.seen[key] = true
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	srv := &keyServer{seen: map[string]bool{}}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	fake := clocktest.New(epoch)
	client := httpstep.NewClient(httpstep.ClientOptions{Clock: fake,
		Egress: egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}})
	src := `bistro: 1
name: keys
trigger: { manual: {} }
steps:
  - id: save
    http: { method: POST, url: "` + ts.URL + `/save", json: { n: "{{ record.n }}" }, into: saved }
  - id: look
    http: { url: "` + ts.URL + `/look", into: looked }
  - id: own
    http: { method: PUT, url: "` + ts.URL + `/own", headers: { Idempotency-Key: "mine-{{ record.n }}" }, into: own }
`
	p, _ := setup(t, src, Options{HTTP: client, Clock: fake})
	for range 2 { // the same run executed twice sends the same keys
		if _, err := p.Run(context.Background(), Input{RunID: "r1", Records: slice([]Record{{"n": 1}, {"n": 2}})}, func(Record) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// Run 1: each POST fails once and is retried with the same key; run 2
	// sends the same keys again (the target answers them from memory).
	want := map[string]int{
		"POST r1/save/1": 3, "POST r1/save/2": 3,
		"GET ":       4,                  // nothing changes on GET: no key
		"PUT mine-1": 2, "PUT mine-2": 2, // the flow's own header wins
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	got := map[string]int{}
	for _, k := range srv.keys {
		got[k]++
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests by key (-want +got):\n%s", diff)
	}
}
