package storetest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresURL is the test database: BISTRO_TEST_POSTGRES_URL, or the
// standard local address.
func PostgresURL() string {
	if u := os.Getenv("BISTRO_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// PostgresSchema creates a schema of the test's own in the test database
// and drops it when the test ends, so tests run in parallel without seeing
// each other's rows. An unreachable database skips the test loudly, except
// under CI=true, where a missing service is a failure.
func PostgresSchema(t testing.TB, prefix string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is not reachable at %s: %v", PostgresURL(), err)
		}
		t.Skipf("SKIPPING: PostgreSQL is not reachable at %s (%v). Start it (e.g. `.ci/run`) or set BISTRO_TEST_POSTGRES_URL.", PostgresURL(), err)
	}
	defer conn.Close(ctx)
	schema := prefix + "_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), PostgresURL())
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}
