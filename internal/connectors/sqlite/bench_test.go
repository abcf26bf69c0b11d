package sqlite_test

import (
	"testing"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb/sqldbtest"
)

// BenchmarkBulkInsert loads a million generated records with multi-row
// inserts through DoBatch (go test -run '^$' -bench BulkInsert -benchtime 1x).
func BenchmarkBulkInsert(b *testing.B) {
	sqldbtest.BenchmarkLoad(b, target, "CREATE TABLE %s (id INTEGER PRIMARY KEY, email TEXT, qty INTEGER, note TEXT, at TEXT)")
}
