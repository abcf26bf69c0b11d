package files_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/files"
)

// fixture is an open connection on a fresh allowed folder.
type fixture struct {
	t    *testing.T
	conn connector.Conn
	dir  string // the allowed folder, which is the connection's folder
}

func setup(t *testing.T) *fixture {
	t.Helper()
	env := connectortest.Env(t)
	conn, err := files.New().Open(context.Background(), map[string]any{}, env)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &fixture{t: t, conn: conn, dir: env.Folders[0]}
}

// file writes a file into the folder.
func (f *fixture) file(name string, content []byte) {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// content returns a file of the folder.
func (f *fixture) content(name string) string {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(name)))
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

// input checks a step's settings against the action's spec and fills in
// the defaults, as the engine does.
func input(t testing.TB, action string, in map[string]any) map[string]any {
	t.Helper()
	a, ok := files.New().Spec().Action(action)
	if !ok {
		t.Fatalf("no action %q", action)
	}
	if errs := a.ValidateInput(in); len(errs) > 0 {
		t.Fatalf("the test's settings for %s are not valid: %v", action, errs)
	}
	return a.WithDefaults(in)
}

func (f *fixture) do(action string, in map[string]any) ([]map[string]any, error) {
	f.t.Helper()
	return connectortest.Do(context.Background(), f.conn, connector.Request{Action: action, Input: input(f.t, action, in)})
}

// read runs the read action and fails the test on an error.
func (f *fixture) read(in map[string]any) []map[string]any {
	f.t.Helper()
	recs, err := f.do("read", in)
	if err != nil {
		f.t.Fatalf("read %v: %v", in, err)
	}
	return recs
}

// readErr runs the read action and returns its error, failing the test
// when there is none.
func (f *fixture) readErr(in map[string]any) error {
	f.t.Helper()
	recs, err := f.do("read", in)
	if err == nil {
		f.t.Fatalf("read %v: no error, records %v", in, recs)
	}
	return err
}

// write runs the write action on a batch of records.
func (f *fixture) write(in map[string]any, key string, recs ...map[string]any) ([]map[string]any, error) {
	f.t.Helper()
	reqs := make([]connector.Request, len(recs))
	for i, r := range recs {
		reqs[i] = connector.Request{Action: "write", Input: input(f.t, "write", in), Record: r, Key: key + "/" + string(rune('a'+i))}
	}
	var out []map[string]any
	err := f.conn.(connector.Batcher).DoBatch(context.Background(), "write", reqs, func(r map[string]any) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

func same(t testing.TB, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("unexpected result (-want +got):\n%s", d)
	}
}

func contains(t testing.TB, err error, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("error %v should contain %q", err, p)
		}
	}
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, files.New().Spec())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	connectortest.CheckOpen(t, files.New(), map[string]any{})
}
