package crashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// gate tells senders whether the server is up: a sender whose connection
// broke waits on it instead of hammering a dead port.
type gate struct {
	mu sync.Mutex
	up chan struct{} // closed while the server is up
}

func newGate() *gate {
	g := &gate{up: make(chan struct{})}
	close(g.up)
	return g
}

func (g *gate) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.up
}

func (g *gate) lower() {
	g.mu.Lock()
	g.up = make(chan struct{})
	g.mu.Unlock()
}

func (g *gate) raise() {
	g.mu.Lock()
	close(g.up)
	g.mu.Unlock()
}

// maxTries bounds the deliveries of one event: far more than kills, so only
// a server that keeps failing reaches it.
const maxTries = 200

// busyWait is the pause after a 503 (the server says it is busy).
const busyWait = 100 * time.Millisecond

// sender delivers events to a webhook, each with its own Idempotency-Key,
// retrying broken connections and 503s, and records what came back.
type sender struct {
	url, token string
	hc         *http.Client
	gate       *gate

	accepted atomic.Int64
	poke     chan struct{} // a new event was accepted

	mu       sync.Mutex
	runs     map[string]string // event id -> run id of its 202
	refused  map[string]string // event id -> the unexpected answer
	retried  map[string]int    // event id -> deliveries beyond the first
	statuses map[int]int       // every answer, by status
}

func newSender(url, token string, conns int, g *gate) *sender {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
	return &sender{
		url: url, token: token, gate: g,
		hc:   &http.Client{Transport: tr, Timeout: 30 * time.Second},
		poke: make(chan struct{}, 1),
		runs: map[string]string{}, refused: map[string]string{},
		retried: map[string]int{}, statuses: map[int]int{},
	}
}

// deliver sends one event until it is accepted or refused for good.
func (s *sender) deliver(ctx context.Context, id string) {
	for try := 0; try < maxTries; try++ {
		if try > 0 {
			s.note(func() { s.retried[id]++ })
		}
		status, runID, err := s.post(ctx, id)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil: // the server died mid-call, or is not up yet
			<-s.gate.wait()
			continue
		case status == http.StatusServiceUnavailable:
			if waitOrDone(ctx, busyWait) != nil {
				return
			}
			continue
		case status == http.StatusAccepted && runID != "":
			s.note(func() { s.runs[id] = runID })
			s.accepted.Add(1)
			select {
			case s.poke <- struct{}{}:
			default:
			}
			return
		default:
			s.note(func() { s.refused[id] = fmt.Sprintf("status %d, run id %q", status, runID) })
			return
		}
	}
	s.note(func() { s.refused[id] = fmt.Sprintf("gave up after %d tries", maxTries) })
}

func (s *sender) note(f func()) {
	s.mu.Lock()
	f()
	s.mu.Unlock()
}

// post makes one delivery and returns the status and the run id answered.
func (s *sender) post(ctx context.Context, id string) (int, string, error) {
	body, _ := json.Marshal(map[string]any{"id": id, "note": "crash test event"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Idempotency-Key", id)
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err // cut off mid-answer: the server died
	}
	s.note(func() { s.statuses[resp.StatusCode]++ })
	var out struct {
		RunID string `json:"run_id"`
	}
	_ = json.Unmarshal(data, &out)
	if h := resp.Header.Get("Bistro-Run-Id"); h != out.RunID {
		// Two different ids for one call: refused below as unexpected.
		return resp.StatusCode, "", nil
	}
	return resp.StatusCode, out.RunID, nil
}

// waitOrDone pauses for d unless ctx ends first.
func waitOrDone(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendAll delivers every event from workers concurrent senders.
func (s *sender) sendAll(ctx context.Context, ids []string, workers int) {
	work := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for id := range work {
				s.deliver(ctx, id)
			}
		})
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
}
