package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// recorder is an API that notes which records called it.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []int
}

func newRecorder(t *testing.T) *recorder {
	c := &recorder{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n, _ := strconv.Atoi(req.URL.Query().Get("n"))
		c.mu.Lock()
		c.seen = append(c.seen, n)
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"n": %d}`, n)
	}))
	t.Cleanup(c.Close)
	return c
}

func numbered(n int) json.RawMessage {
	list := make([]map[string]int, n)
	for i := range list {
		list[i] = map[string]int{"n": i + 1}
	}
	data, _ := json.Marshal(list)
	return data
}

// TestRunResumesAfterCheckpoint: a run handed out again after a crash
// calls the API only for the records it had not finished, and ends with
// the output from before the crash and after it.
func TestRunResumesAfterCheckpoint(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			api := newRecorder(t)
			f := setup(t, b.open(t), nil)
			fl := f.apply(`bistro: 1
name: sync contacts
trigger: {manual: {}}
steps:
  - id: push
    http: {url: "` + api.URL + `/contacts?n={{ record.n }}"}
`)
			ctx := context.Background()
			id := newID()
			if _, err := f.store.CreateRuns(ctx, []store.NewRun{{ID: id, Workspace: fl.Workspace, FlowID: fl.ID,
				FlowVersion: fl.Version, Trigger: "manual", Input: numbered(600), Status: store.StatusQueued,
				CreatedAt: time.Now()}}); err != nil {
				t.Fatal(err)
			}
			// The first worker started it, finished 512 records, and died.
			if err := f.store.UpdateRun(ctx, store.RunUpdate{ID: id, Status: store.StatusRunning, Attempt: 1, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := f.store.(store.Checkpointer).SaveCheckpoint(ctx, id, 512, json.RawMessage(`[{"n":1},{"n":2}]`)); err != nil {
				t.Fatal(err)
			}
			if err := f.handle(ctx, id); err != nil {
				t.Fatal(err)
			}
			run, err := f.store.GetRun(ctx, id)
			if err != nil || run.Status != store.StatusSucceeded {
				t.Fatalf("run %s: %v %s", run.Status, err, run.Error)
			}
			want := make([]int, 0, 88)
			for n := 513; n <= 600; n++ {
				want = append(want, n)
			}
			if !slices.Equal(api.seen, want) {
				t.Errorf("the API was called for %d records (%v...), want 513 to 600 only", len(api.seen), api.seen[:min(3, len(api.seen))])
			}
			var out []map[string]any
			if err := json.Unmarshal(run.Output, &out); err != nil || len(out) < 3 {
				t.Fatalf("output %s: %v", run.Output, err)
			}
			if out[0]["n"] != float64(1) || out[1]["n"] != float64(2) || out[2]["n"] != float64(513) {
				t.Errorf("output starts %v %v %v; want the two records from before the crash, then 513", out[0], out[1], out[2])
			}
		})
	}
}

// ticking is a clock that moves on a little every time it is read, so
// that a run takes "long" without the test waiting.
type ticking struct {
	mu  sync.Mutex
	now time.Time
}

func (c *ticking) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func (c *ticking) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// TestLongRunSavesCheckpoints: a run that goes on for longer than
// checkpointEvery records how far it got as it goes.
func TestLongRunSavesCheckpoints(t *testing.T) {
	t.Parallel()
	api := newRecorder(t)
	f := setup(t, openSQLite(t), func(c *Config) { c.Clock = &ticking{now: time.Now()} })
	f.apply(`bistro: 1
name: sync contacts
trigger: {manual: {}}
steps:
  - id: push
    http: {url: "` + api.URL + `/contacts?n={{ record.n }}"}
`)
	f.start()
	run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "sync contacts", numbered(1000), 20*time.Second)
	if err != nil || run.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %v", run.Status, err)
	}
	done, _, err := f.store.(store.Checkpointer).Checkpoint(context.Background(), run.ID)
	if err != nil || done < 256 || done%256 != 0 && done != 1000 {
		t.Errorf("checkpoint %d (%v); want a batch boundary saved while the run went on", done, err)
	}
}

// TestRerunFromFailedStep: a run that failed at its second step runs again
// from that step: the first step's effect is not repeated.
func TestRerunFromFailedStep(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			saved := newRecorder(t)
			var mu sync.Mutex
			calls := 0
			notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				calls++
				first := calls == 1
				mu.Unlock()
				if first {
					http.Error(w, "down for a moment", http.StatusBadRequest)
					return
				}
				fmt.Fprint(w, `{"ok": true}`)
			}))
			t.Cleanup(notify.Close)
			f := setup(t, b.open(t), nil)
			f.apply(`bistro: 1
name: order
trigger: {manual: {}}
steps:
  - id: save
    http: {url: "` + saved.URL + `/orders?n={{ record.n }}", into: saved}
  - id: tell
    http: {method: POST, url: "` + notify.URL + `/chat", json: {text: "order {{ record.n }}"}, into: told}
`)
			f.start()
			ctx := context.Background()
			run, err := f.StartRun(ctx, store.DefaultWorkspace, "order", json.RawMessage(`{"n":7}`), 20*time.Second)
			if err != nil || run.Status != store.StatusFailed {
				t.Fatalf("first run %s, %v; want failed at tell", run.Status, err)
			}
			again, err := f.RerunRun(ctx, run.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			got := f.waitFinal(again.ID)
			if got.Status != store.StatusSucceeded {
				t.Fatalf("rerun %s: %s", got.Status, got.Error)
			}
			if !slices.Equal(saved.seen, []int{7}) {
				t.Errorf("save was called for %v; want once, by the first run only", saved.seen)
			}
			var out []map[string]any
			if err := json.Unmarshal(got.Output, &out); err != nil || len(out) != 1 || out[0]["saved"] == nil || out[0]["told"] == nil {
				t.Errorf("rerun output %s (%v); want the record as it reached tell, with told added", got.Output, err)
			}
		})
	}
}

// TestRerunFromFailedStepRefused: a flow that groups records can only run
// again from the start, and says so.
func TestRerunFromFailedStepRefused(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), nil)
	f.apply(`bistro: 1
name: totals
trigger: {manual: {}}
steps:
  - id: check
    fail: "no"
  - id: total
    group: {by: {k: record.k}, fields: {n: count()}}
`)
	f.start()
	ctx := context.Background()
	run, err := f.StartRun(ctx, store.DefaultWorkspace, "totals", json.RawMessage(`{"k":1}`), 20*time.Second)
	if err != nil || run.Status != store.StatusFailed {
		t.Fatalf("run %s, %v", run.Status, err)
	}
	if _, err := f.RerunRun(ctx, run.ID, true); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "only run again from the start") {
		t.Errorf("RerunRun from the failed step = %v; want a conflict saying why", err)
	}
	if _, err := f.RerunRun(ctx, run.ID, false); err != nil {
		t.Errorf("RerunRun from the start: %v", err)
	}
}
