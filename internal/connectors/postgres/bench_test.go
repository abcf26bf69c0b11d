package postgres_test

import (
	"testing"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb/sqldbtest"
)

// BenchmarkCopy loads a million generated records with COPY through
// DoBatch (go test -run '^$' -bench Copy -benchtime 1x).
func BenchmarkCopy(b *testing.B) {
	sqldbtest.BenchmarkLoad(b, target, "CREATE TABLE %s (id bigint PRIMARY KEY, email text, qty integer, note text, at timestamptz)")
}
