package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/bistro-dev/bistro/internal/store/sqlite"
)

// TestFileSettings checks the settings that only take effect when the file
// is created: incremental auto-vacuum (so pruning gives space back) and WAL.
func TestFileSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for pragma, want := range map[string]string{"auto_vacuum": "2", "journal_mode": "wal"} {
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s; want %s", pragma, got, want)
		}
	}
}
