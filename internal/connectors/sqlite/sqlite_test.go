package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/sqldb/sqldbtest"
	"github.com/bistro-dev/bistro/internal/connectors/sqlite"
)

var target = sqldbtest.Target{
	Connector: sqlite.New(),
	Config:    map[string]any{"path": "test.db", "create": true},
	Table:     "CREATE TABLE %s (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT UNIQUE NOT NULL, qty INTEGER, note TEXT, bkey TEXT UNIQUE, changed TEXT) STRICT",
	Bulk:      "bulk_insert",
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, sqlite.New().Spec())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	connectortest.CheckOpen(t, sqlite.New(), map[string]any{"path": "open.db", "create": true})
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sqldbtest.Run(t, target)
}

func open(t *testing.T, config map[string]any, env connector.Env) (connector.Conn, error) {
	t.Helper()
	spec := sqlite.New().Spec()
	conn, err := sqlite.New().Open(context.Background(), spec.WithDefaults(config), env)
	if err == nil {
		t.Cleanup(func() { _ = conn.Close() })
	}
	return conn, err
}

// TestPaths checks that only files inside the allowed folders open, links
// and .. resolved.
func TestPaths(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	allowed := env.Folders[0]
	outside := t.TempDir()
	for _, dir := range []string{allowed, outside} {
		if err := os.WriteFile(filepath.Join(dir, "real.db"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(outside, "real.db"), filepath.Join(allowed, "link.db")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "dir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "new.db"), filepath.Join(allowed, "dangling.db")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path   string
		create bool
		want   string // "" opens
	}{
		{"real.db", false, ""},
		{filepath.Join(allowed, "real.db"), false, ""},
		{filepath.Join(allowed, "sub", "..", "real.db"), false, ""},
		{"new.db", true, ""},
		{"missing.db", false, "there is no database file"},
		{"../" + filepath.Base(outside) + "/real.db", false, "outside the folders"},
		{filepath.Join(outside, "real.db"), false, "outside the folders"},
		{filepath.Join(allowed, "..", filepath.Base(outside), "real.db"), false, "outside the folders"},
		{"link.db", false, "outside the folders"},
		{"dir/real.db", false, "outside the folders"},
		{"dir/other.db", true, "outside the folders"},
		{"dangling.db", true, "link"},
		{filepath.Join(outside, "made.db"), true, "outside the folders"},
		{"/etc/passwd", false, "outside the folders"},
		{"a.db?mode=memory", true, "character"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			_, err := open(t, map[string]any{"path": tt.path, "create": tt.create}, env)
			if tt.want == "" {
				if err != nil {
					t.Errorf("open: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("err = %v, want a permanent refusal saying %q", err, tt.want)
			}
		})
	}
	t.Cleanup(func() {
		for _, name := range []string{"new.db", "made.db", "other.db"} {
			if _, err := os.Stat(filepath.Join(outside, name)); err == nil {
				t.Errorf("%s was created outside the allowed folder", name)
			}
		}
	})
}

func TestNoFolders(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	env.Folders = nil
	_, err := open(t, map[string]any{"path": "x.db", "create": true}, env)
	if err == nil || !strings.Contains(err.Error(), "an admin must allow one") {
		t.Errorf("err = %v", err)
	}
}

// TestNoOtherFiles checks that a statement cannot reach files outside the
// database: ATTACH and VACUUM INTO are refused.
func TestNoOtherFiles(t *testing.T) {
	t.Parallel()
	conn, err := open(t, map[string]any{"path": "main.db", "create": true}, connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.db")
	for _, sql := range []string{"ATTACH DATABASE '" + other + "' AS other", "VACUUM INTO '" + other + "'"} {
		_, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "query", Input: map[string]any{"sql": sql}})
		if err == nil || !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("%s: err = %v, want a refusal", sql, err)
		}
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was created: %v", other, err)
	}
}
