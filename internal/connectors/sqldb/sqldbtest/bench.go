package sqldbtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
)

// BenchRows is how many records BenchmarkLoad loads per iteration.
const BenchRows = 1_000_000

// BenchmarkLoad loads BenchRows generated records into a fresh table
// through the bulk action's DoBatch, in batches of the action's default
// size, and reports rows/s. table is the CREATE TABLE statement (%s for
// the name) of a table with columns id, email, qty, note and at.
func BenchmarkLoad(b *testing.B, target Target, table string) {
	if target.Service != "" {
		connectortest.Service(b, target.Service, target.Address)
	}
	spec := target.Connector.Spec()
	conn, err := target.Connector.Open(context.Background(), spec.WithDefaults(target.Config), connectortest.Env(b))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	name := uniqueName("bench_")
	run := func(sql string) {
		if _, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "query", Input: map[string]any{"sql": sql}}); err != nil {
			b.Fatal(err)
		}
	}
	run(fmt.Sprintf(table, name))
	defer run("DROP TABLE " + name)
	action, _ := spec.Action(target.Bulk)
	size := 10000
	for _, f := range action.Input {
		if f.Name == "batch_size" {
			size = f.Default.(int)
		}
	}
	input := map[string]any{"table": name}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	loader := conn.(connector.Batcher)
	written := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for first := 0; first < BenchRows; first += size {
			reqs := make([]connector.Request, min(size, BenchRows-first))
			for j := range reqs {
				id := i*BenchRows + first + j
				reqs[j] = connector.Request{Action: target.Bulk, Input: input, Record: map[string]any{
					"id": id, "email": fmt.Sprintf("user%d@example.com", id), "qty": id % 100,
					"note": "a note of some length", "at": at.Add(time.Duration(id) * time.Second),
				}}
			}
			err := loader.DoBatch(context.Background(), target.Bulk, reqs, func(r map[string]any) error {
				written += r["rows"].(int)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "rows/s")
}
