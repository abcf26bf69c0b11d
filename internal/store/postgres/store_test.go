package postgres_test

import (
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/postgres"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

// open returns a store in a schema of its own, dropped when the test ends.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	schema := storetest.PostgresSchema(t, "bistro_test")
	// A short poll interval lets workers find retried and snoozed jobs at
	// once instead of after River's 1s poll.
	s, err := postgres.Open(t.Context(), postgres.Config{URL: storetest.PostgresURL(), Schema: schema,
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

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}
