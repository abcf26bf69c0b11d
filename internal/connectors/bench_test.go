package connectors_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/connpool"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/flow"
)

const benchPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// BenchmarkCSVToPostgres runs the flow a finance team would write to load
// an export: read a CSV file of a million rows (files.read) and bulk load
// it into PostgreSQL (postgres.copy), through the engine, the connection
// pool and the guarded dialer, as `bistro run` does.
//
//	go test -run '^$' -bench CSVToPostgres -benchtime 1x ./internal/connectors
func BenchmarkCSVToPostgres(b *testing.B) {
	connectortest.Service(b, "PostgreSQL", "127.0.0.1:5432")
	const rows = 1_000_000
	dir := b.TempDir()
	writeCSV(b, filepath.Join(dir, "payments.csv"), rows)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, benchPostgres)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	table := "bench_payments_" + strings.ToLower(rand.Text()[:8])
	if _, err := db.Exec(ctx, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, customer text, email text, amount numeric(12,2), paid_on date)"); err != nil {
		b.Fatal(err)
	}
	defer db.Exec(ctx, "DROP TABLE "+table) //nolint:errcheck

	env := connectortest.Env(b)
	env.Folders = []string{dir}
	settings := map[string]connpool.Settings{
		"exports": {Connector: "files", Config: map[string]any{}},
		"finance": {Connector: "postgres", Config: map[string]any{"host": "127.0.0.1", "port": 5432, "database": "test", "user": "postgres"}},
	}
	pool := &connpool.Pool{
		Find: connectors.Find,
		Source: func(_ context.Context, name string) (connpool.Settings, error) {
			s, ok := settings[name]
			if !ok {
				return s, connpool.ErrNoConnection
			}
			return s, nil
		},
		Env: env,
	}
	defer pool.Close()
	src := fmt.Sprintf(`bistro: 1
name: Load payments
trigger: { manual: {} }
steps:
  - id: read
    action: files.read
    connection: exports
    with: { path: payments.csv }
  - id: load
    action: postgres.copy
    connection: finance
    with: { table: %s, batch_size: 10000 }
`, table)
	doc, diags := flow.Load("load.yaml", []byte(src), flow.Options{}.WithConnectors(connectors.Find))
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	plan, err := engine.Compile(doc, engine.Options{Connections: pool})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := db.Exec(ctx, "TRUNCATE "+table); err != nil {
			b.Fatal(err)
		}
		res, err := plan.Run(ctx, engine.Input{}, func(engine.Record) error { return nil })
		if err != nil {
			b.Fatalf("run: %v", err)
		}
		if res.Status != engine.StatusSucceeded {
			b.Fatalf("run %s: %v", res.Status, res.Error)
		}
	}
	b.StopTimer()
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != rows {
		b.Fatalf("%d rows in the table (%v), want %d", n, err, rows)
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}

// writeCSV writes n rows of payments without holding them in memory.
func writeCSV(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,customer,email,amount,paid_on")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "%d,Customer %d,c%d@example.com,%d.%02d,2026-%02d-%02d\n", i, i%5000, i, i%10000, i%100, 1+i%12, 1+i%28)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
