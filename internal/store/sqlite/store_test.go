package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

// testPollInterval lets workers find retried and snoozed jobs at once
// instead of at the next 200ms poll.
const testPollInterval = 5 * time.Millisecond

// migrated holds the files of a database that Open has created and
// migrated once. Migrating costs ~0.4s of CPU under -race (the SQLite
// engine is Go code, all of it instrumented), far more than any test's
// own work, so each test starts from a copy instead.
var migrated = sync.OnceValues(func() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "bistro-sqlite-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(context.Background(), sqlite.Config{Dir: dir})
	if err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if files[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			return nil, err
		}
	}
	return files, nil
})

// open returns a store of its own, migrated, that retries failed jobs at
// once; it is closed when the test ends.
func open(t testing.TB) *sqlite.Store {
	t.Helper()
	files, err := migrated()
	if err != nil {
		t.Fatalf("create the template database: %v", err)
	}
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := sqlite.Open(t.Context(), sqlite.Config{Dir: dir, RetryPolicy: storetest.RetryNow{},
		PollInterval: testPollInterval})
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
