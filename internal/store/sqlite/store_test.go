package sqlite_test

import (
	"testing"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

func open(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), sqlite.Config{Dir: t.TempDir(), RetryPolicy: storetest.RetryNow{}})
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
