package connectortest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/engine"
)

// memory is a connector keeping rows in memory: a write action, a bulk
// action and a failure that loses the connection once.
type memory struct {
	mu      sync.Mutex
	rows    []map[string]any
	opened  int
	batches [][]string
	lose    bool
	// failBatches makes the first batches fail as worth retrying.
	failBatches int
}

func (m *memory) Spec() connector.Spec {
	return connector.Spec{
		Name: "memory", Title: "Memory", Version: "1.0.0", Category: "test", Description: "Rows in memory.",
		Config: []connector.Field{{Name: "prefix", Type: connector.String, Required: true, Help: "Put before ids."}},
		Actions: []connector.Action{
			{Name: "put", Title: "Put", Description: "Stores a row.", Output: "The stored row.", SideEffects: true, Idempotent: true,
				Input: []connector.Field{{Name: "id", Type: connector.String, Required: true, Help: "The row's id."}}},
			{Name: "load", Title: "Load", Description: "Stores many rows.", Output: "One record per batch.", SideEffects: true, Batch: true,
				Input: []connector.Field{{Name: "batch_size", Type: connector.Int, Default: 2, Help: "Rows per batch."}}},
		},
	}
}

func (m *memory) Open(_ context.Context, config map[string]any, _ connector.Env) (connector.Conn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.opened++
	return &memConn{m: m, prefix: config["prefix"].(string)}, nil
}

type memConn struct {
	m      *memory
	prefix string
}

func (c *memConn) Do(_ context.Context, req connector.Request, emit func(map[string]any) error) error {
	c.m.mu.Lock()
	if c.m.lose {
		c.m.lose = false
		c.m.mu.Unlock()
		return fmt.Errorf("socket closed: %w", connector.ErrNotConnected)
	}
	row := map[string]any{"id": c.prefix + req.Input["id"].(string), "key": req.Key}
	c.m.rows = append(c.m.rows, row)
	c.m.mu.Unlock()
	return emit(row)
}

func (c *memConn) DoBatch(_ context.Context, _ string, reqs []connector.Request, emit func(map[string]any) error) error {
	c.m.mu.Lock()
	if c.m.failBatches > 0 {
		c.m.failBatches--
		c.m.mu.Unlock()
		return connector.Retryable(fmt.Errorf("busy"), 0)
	}
	c.m.mu.Unlock()
	var ids []string
	for _, r := range reqs {
		ids = append(ids, fmt.Sprint(r.Record["n"]))
	}
	c.m.mu.Lock()
	c.m.batches = append(c.m.batches, ids)
	c.m.mu.Unlock()
	return emit(map[string]any{"written": len(reqs)})
}

func (c *memConn) Close() error { return nil }

func TestRunFlowAction(t *testing.T) {
	t.Parallel()
	m := &memory{lose: true}
	res, out := connectortest.RunFlow(t, m, map[string]any{"prefix": "x-"}, `
bistro: 1
name: put
trigger: {manual: {}}
steps:
  - id: save
    action: memory.put
    connection: test
    retry: {attempts: 2, backoff: 1ms}
    with: {id: "{{ record.n }}"}
`, []map[string]any{{"n": "1"}, {"n": "2"}})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 2 || out[0]["id"] != "x-1" || out[1]["id"] != "x-2" {
		t.Fatalf("out = %v", out)
	}
	if !strings.HasSuffix(out[0]["key"].(string), "/save/2") || out[1]["key"] == out[0]["key"] {
		t.Errorf("idempotency keys %v, %v: the retried call must get a key of its own record", out[0]["key"], out[1]["key"])
	}
	if m.opened != 2 {
		t.Errorf("opened %d times, want 2: a lost connection is opened again", m.opened)
	}
}

func TestRunFlowBatch(t *testing.T) {
	t.Parallel()
	m := &memory{}
	res, out := connectortest.RunFlow(t, m, map[string]any{"prefix": ""}, `
bistro: 1
name: load
trigger: {manual: {}}
steps:
  - id: load
    action: memory.load
    connection: test
`, []map[string]any{{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if got := fmt.Sprint(m.batches); got != "[[1 2] [3 4] [5]]" {
		t.Errorf("batches %s", got)
	}
	if len(out) != 3 {
		t.Errorf("out = %v", out)
	}
}

func TestRunFlowWrongConnection(t *testing.T) {
	t.Parallel()
	res, _ := connectortest.RunFlow(t, &memory{}, map[string]any{"prefix": ""}, `
bistro: 1
name: put
trigger: {manual: {}}
steps:
  - id: save
    action: memory.put
    connection: nope
    with: {id: a}
`, nil)
	if res.Status != engine.StatusFailed || !strings.Contains(res.Error.Error(), "there is no connection 'nope'") {
		t.Fatalf("status %s, error %v", res.Status, res.Error)
	}
}

// TestRunFlowBatchRetried: a bulk action's last batch, which no record
// owns, is retried as the step's retry setting says.
func TestRunFlowBatchRetried(t *testing.T) {
	t.Parallel()
	m := &memory{failBatches: 1}
	res, _ := connectortest.RunFlow(t, m, map[string]any{"prefix": ""}, `
bistro: 1
name: load
trigger: {manual: {}}
steps:
  - id: load
    action: memory.load
    connection: test
    retry: {attempts: 2, backoff: 1ms}
`, []map[string]any{{"n": 1}})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if got := fmt.Sprint(m.batches); got != "[[1]]" {
		t.Errorf("batches %s, want the one batch written once", got)
	}
}
