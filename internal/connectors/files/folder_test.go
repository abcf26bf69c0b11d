package files_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/files"
)

func TestPathEscapesRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.csv")
	if err := os.WriteFile(secret, []byte("password\nhunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(f.dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(f.dir, "out")); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(f.dir, secret)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"dot dot", rel, "leads outside the connection's folder (..)"},
		{"dot dot inside", "a/../../x.csv", "leads outside the connection's folder (..)"},
		{"absolute", secret, "is a full path"},
		{"link to a file outside", "link.csv", "leads outside the connection's folder (through a link)"},
		{"link to a folder outside", "out/secret.csv", "leads outside the connection's folder (through a link)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := f.readErr(map[string]any{"path": tt.path})
			contains(t, err, tt.want)
			if !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("a refused path is permanent: %v", err)
			}
			_, err = f.write(map[string]any{"path": tt.path}, "run/step", map[string]any{"a": 1})
			contains(t, err, tt.want)
		})
	}
	t.Run("patterns", func(t *testing.T) {
		t.Parallel()
		if got := f.read(map[string]any{"path": "out/*.csv"}); len(got) != 0 {
			t.Errorf("a pattern must not match through a link outside: %v", got)
		}
		contains(t, f.readErr(map[string]any{"path": "../*"}), "leads outside")
		recs, err := f.do("list", map[string]any{"pattern": "../*"})
		contains(t, err, "leads outside")
		same(t, len(recs), 0)
	})
	if b, _ := os.ReadFile(secret); string(b) != "password\nhunter2\n" {
		t.Errorf("the file outside was changed: %q", b)
	}
}

func TestFolderSetting(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	allowed := env.Folders[0]
	outside := t.TempDir()
	for _, dir := range []string{"exports/daily", "other"} {
		if err := os.MkdirAll(filepath.Join(allowed, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(allowed, "exports"), filepath.Join(outside, "back-in")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, folder, want string
	}{
		{"relative", "exports/daily", ""},
		{"absolute inside", filepath.Join(allowed, "other"), ""},
		{"absolute through a link back inside", filepath.Join(outside, "back-in", "daily"), ""},
		{"empty is the allowed folder", "", ""},
		{"missing", "nope", "the folder 'nope' does not exist"},
		{"dot dot", "../x", "leads outside the allowed folders"},
		{"absolute outside", outside, "is outside the folders the admin allowed"},
		{"link outside", "escape", "leads outside the allowed folders (through a link)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, err := files.New().Open(context.Background(), map[string]any{"folder": tt.folder}, env)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("open %q: %v", tt.folder, err)
				}
				if err := conn.(connector.Pinger).Ping(context.Background()); err != nil {
					t.Errorf("ping: %v", err)
				}
				conn.Close()
				return
			}
			contains(t, err, tt.want)
			if !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("a refused folder is permanent: %v", err)
			}
		})
	}
}

func TestFolderRelativeToAllowed(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	if err := os.MkdirAll(filepath.Join(env.Folders[0], "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(env.Folders[0], "sub", "a.csv"), []byte("x\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conn, err := files.New().Open(context.Background(), map[string]any{"folder": "sub"}, env)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	recs, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "read", Input: input(t, "read", map[string]any{"path": "a.csv"})})
	if err != nil {
		t.Fatal(err)
	}
	same(t, recs, []map[string]any{{"x": "1"}})
}

// TestNoAllowedFolder is the files connector's counterpart of a refused
// dial: with no folder allowed, nothing opens.
func TestNoAllowedFolder(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	env.Folders = nil
	_, err := files.New().Open(context.Background(), map[string]any{}, env)
	contains(t, err, "no folder is allowed for files")
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("no allowed folder is permanent: %v", err)
	}
}

func TestPingAfterFolderRemoved(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	dir := filepath.Join(env.Folders[0], "gone")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conn, err := files.New().Open(context.Background(), map[string]any{"folder": "gone"}, env)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	contains(t, conn.(connector.Pinger).Ping(context.Background()), "the connection's folder cannot be read")
}
