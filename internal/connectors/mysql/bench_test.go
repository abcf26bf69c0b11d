package mysql_test

import (
	"testing"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb/sqldbtest"
)

// BenchmarkBulkInsert loads a million generated records with multi-row
// inserts through DoBatch (go test -run '^$' -bench BulkInsert -benchtime 1x).
func BenchmarkBulkInsert(b *testing.B) {
	sqldbtest.BenchmarkLoad(b, target, "CREATE TABLE %s (id bigint PRIMARY KEY, email varchar(200), qty int, note text, at datetime(6))")
}
