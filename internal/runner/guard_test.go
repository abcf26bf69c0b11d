package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bistro-dev/bistro/internal/store"
)

// TestBlockedConnectorStopsTheRun: a connector IT blocks after a flow was
// saved stops its next run with the reason, before any step runs; once
// allowed again, the flow runs.
func TestBlockedConnectorStopsTheRun(t *testing.T) {
	t.Parallel()
	var blocked atomic.Bool
	f := setup(t, openSQLite(t), func(c *Config) {
		c.Allowed = func(_ context.Context, ws, id string) error {
			if id == "http" && blocked.Load() {
				return fmt.Errorf("IT has blocked the connector '%s' in workspace '%s'", id, ws)
			}
			return nil
		}
	})
	f.start()
	f.apply(`bistro: 1
name: ping
trigger: {manual: {}}
steps:
  - id: note
    set: {seen: true}
  - id: call
    http: {url: "http://127.0.0.1:1/never"}
`)
	blocked.Store(true)
	run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "ping", json.RawMessage(`{}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	run = f.waitFinal(run.ID)
	if run.Status != store.StatusFailed || !strings.Contains(string(run.Error), "IT has blocked the connector 'http' in workspace 'default'") {
		t.Fatalf("the run of a flow with a blocked connector: %s %s", run.Status, run.Error)
	}
	if _, steps, _ := f.GetRun(context.Background(), run.ID); len(steps) != 0 {
		t.Errorf("steps ran: %+v", steps)
	}
	_, _, err = f.ApplyFlow(context.Background(), store.DefaultWorkspace, "ping.yaml", []byte("bistro: 1\nname: ping2\ntrigger: {manual: {}}\nsteps:\n  - {id: call, http: {url: 'http://127.0.0.1:1/'}}\n"), "test")
	if err == nil || !strings.Contains(err.Error(), "IT has blocked the connector 'http'") {
		t.Errorf("saving a flow with a blocked connector: %v", err)
	}
	blocked.Store(false)
	run, err = f.StartRun(context.Background(), store.DefaultWorkspace, "ping", json.RawMessage(`{}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if run = f.waitFinal(run.ID); strings.Contains(string(run.Error), "blocked") {
		t.Errorf("the run once allowed: %s %s", run.Status, run.Error)
	}
}
