package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/postgres"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

// testURL is the test database: BISTRO_TEST_POSTGRES_URL, or the standard
// local address.
func testURL() string {
	if u := os.Getenv("BISTRO_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// open returns a store in a schema of its own, dropped when the test ends.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testURL())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is not reachable at %s: %v", testURL(), err)
		}
		t.Skipf("SKIPPING: PostgreSQL is not reachable at %s (%v). Start it (e.g. `.ci/run` or "+
			"`pg_ctlcluster 17 main start`) or set BISTRO_TEST_POSTGRES_URL.", testURL(), err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("bistro_test_%x", rand.Text()[:10])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropSchema(t, schema) })
	// A short poll interval lets workers find retried and snoozed jobs at
	// once instead of after River's 1s poll.
	s, err := postgres.Open(t.Context(), postgres.Config{URL: testURL(), Schema: schema,
		RetryPolicy: storetest.RetryNow{}, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func dropSchema(t testing.TB, schema string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testURL())
	if err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}
