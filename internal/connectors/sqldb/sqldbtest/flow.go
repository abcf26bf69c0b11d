package sqldbtest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/engine"
)

// flowTable is a flow step that creates the test table once per run (a
// left join whose own steps run once and produce nothing), so that the
// flow works on a database of its own, as a file database's is.
func flowTable(target Target, table string) string {
	return fmt.Sprintf(`
  - id: ensure_table
    join:
      type: left
      on: { left: record.email, right: record.email }
      steps:
        - id: create
          action: %s.query
          connection: test
          with: { sql: %s }`, target.Connector.Spec().Name, strconv.Quote(fmt.Sprintf(strings.Replace(target.Table, "CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1), table)))
}

// flowConfig is the connection's settings for RunFlow: a file database
// is made in the flow's own folder.
func flowConfig(target Target) map[string]any {
	if target.Service != "" {
		return target.Config
	}
	return map[string]any{"path": "flow.db", "create": true}
}

func testRunFlow(t *testing.T, target Target) {
	f := setup(t, target)
	name := target.Connector.Spec().Name
	p := placeholders(target, 1)[0]
	src := fmt.Sprintf(`
bistro: 1
name: save leads
trigger: { manual: {} }
steps:%s
  - id: clean
    set: { email: "{{ lower(record.email) }}" }
  - id: save
    action: %[2]s.upsert
    connection: test
    with: { table: %[3]s, key: [email], values: { email: "{{ record.email }}", qty: "{{ record.qty }}" } }
  - id: check
    action: %[2]s.query
    connection: test
    with: { sql: "SELECT id, email, qty FROM %[3]s WHERE id = %[4]s", params: ["{{ record.id }}"] }
`, flowTable(target, f.table), name, f.table, p)
	res, out := connectortest.RunFlow(t, target.Connector, flowConfig(target), src, []map[string]any{
		{"email": "Ann@Example.com", "qty": 2},
		{"email": "bob@example.com", "qty": "3"},
		{"email": "ANN@example.com", "qty": 5},
	})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 3 {
		t.Fatalf("out = %v, want the three rows read back", out)
	}
	if out[0]["email"] != "ann@example.com" || number(out[1]["qty"]) != 3 || out[2]["id"] != out[0]["id"] || number(out[2]["qty"]) != 5 {
		t.Errorf("out = %v: the third record must update the first's row", out)
	}
}

func testRunFlowBulk(t *testing.T, target Target) {
	f := setup(t, target)
	name := target.Connector.Spec().Name
	src := fmt.Sprintf(`
bistro: 1
name: load
trigger: { manual: {} }
steps:%s
  - id: load
    action: %[2]s.%[3]s
    connection: test
    with: { table: %[4]s, columns: [email, qty], batch_size: 2 }
  - id: count
    action: %[2]s.query
    connection: test
    with: { sql: "SELECT COUNT(*) AS n FROM %[4]s" }
`, flowTable(target, f.table), name, target.Bulk, f.table)
	var records []map[string]any
	for i := range 5 {
		records = append(records, map[string]any{"email": fmt.Sprint(i), "qty": i, "extra": "left out"})
	}
	res, out := connectortest.RunFlow(t, target.Connector, flowConfig(target), src, records)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	most := 0
	for _, r := range out {
		most = max(most, number(r["n"]))
	}
	if len(out) != 3 || most != 5 {
		t.Errorf("out = %v, want three batches (2, 2, 1) and 5 rows in the end", out)
	}
}
