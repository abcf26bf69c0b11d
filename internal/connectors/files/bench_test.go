package files_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/files"
)

const benchRows = 1_000_000

// BenchmarkReadCSV reads a generated 1,000,000-row CSV file (6 columns,
// 87 MB) through the read action, counting the records emitted.
func BenchmarkReadCSV(b *testing.B) {
	env := connectortest.Env(b)
	writeBenchCSV(b, filepath.Join(env.Folders[0], "big.csv"))
	conn, err := files.New().Open(context.Background(), map[string]any{}, env)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, types := range []string{"text", "auto"} {
		b.Run("types="+types, func(b *testing.B) {
			req := connector.Request{Action: "read", Input: input(b, "read", map[string]any{"path": "big.csv", "types": types})}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := conn.Do(context.Background(), req, func(map[string]any) error { n++; return nil })
				if err != nil || n != benchRows {
					b.Fatalf("read %d records: %v", n, err)
				}
			}
			runtime.ReadMemStats(&after)
			rows := float64(benchRows) * float64(b.N)
			b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/rows, "allocs/row")
		})
	}
}

func writeBenchCSV(b *testing.B, path string) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,name,email,city,amount,created")
	cities := []string{"Paris", "Köln", "São Paulo", "New York, NY", "Zürich"}
	for i := range benchRows {
		city := cities[i%len(cities)]
		if i%len(cities) == 3 {
			city = `"` + city + `"`
		}
		fmt.Fprintf(w, "%d,Customer %d,customer%d@example.com,%s,%d.%02d,2026-01-%02dT10:00:00Z\n", i+1, i, i, city, i%1000, i%100, i%28+1)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
