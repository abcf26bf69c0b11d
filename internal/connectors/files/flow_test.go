package files_test

import (
	"testing"

	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/files"
	"github.com/bistro-dev/bistro/internal/engine"
)

// TestFlowWriteThenRead runs a real flow: the records are written in
// batches of two to a file the run replaces, and once the last batch is
// written (its summary holds one row), the file is read back.
func TestFlowWriteThenRead(t *testing.T) {
	t.Parallel()
	const src = `bistro: 1
name: files end to end
trigger: { manual: {} }
steps:
  - id: save
    action: files.write
    connection: test
    with:
      path: "out/people.csv"
      mode: overwrite
      columns: [name, age]
      values: { name: "{{ upper(record.name) }}", age: "{{ record.age }}" }
      batch_size: 2
  - id: last_batch
    filter: record.rows == 1
  - id: load
    action: files.read
    connection: test
    with: { path: "{{ record.path }}", types: auto, with_position: true }
`
	in := []map[string]any{
		{"name": "ann", "age": 30}, {"name": "bob", "age": 41}, {"name": "zoë", "age": 7},
		{"name": "jean", "age": 35}, {"name": "li", "age": 28},
	}
	res, out := connectortest.RunFlow(t, files.New(), map[string]any{}, src, in)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("run %s: %v", res.Status, res.Error)
	}
	want := []map[string]any{
		{"name": "ANN", "age": 30, "_file": "out/people.csv", "_row": 2},
		{"name": "BOB", "age": 41, "_file": "out/people.csv", "_row": 3},
		{"name": "ZOË", "age": 7, "_file": "out/people.csv", "_row": 4},
		{"name": "JEAN", "age": 35, "_file": "out/people.csv", "_row": 5},
		{"name": "LI", "age": 28, "_file": "out/people.csv", "_row": 6},
	}
	same(t, out, want)
}

// TestFlowBadRowFailsRun checks that a bad row fails the run with the
// file and row in the error.
func TestFlowBadRowFailsRun(t *testing.T) {
	t.Parallel()
	const src = `bistro: 1
name: bad row
trigger: { manual: {} }
steps:
  - id: load
    action: files.read
    connection: test
    with: { content: "{{ record.upload }}" }
`
	in := []map[string]any{{"upload": "a,b\n1,2\n3\n"}}
	res, _ := connectortest.RunFlow(t, files.New(), map[string]any{}, src, in)
	if res.Status != engine.StatusFailed {
		t.Fatalf("run %s, want failed", res.Status)
	}
	contains(t, res.Error, "the uploaded content row 3: expected 2 values, found 1")
}
