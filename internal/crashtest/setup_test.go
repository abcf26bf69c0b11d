package crashtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/client"
)

// bin is the bistro binary built once for every test of the package.
var bin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bistro-crashtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err = Build(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// setup starts a server on a fresh data directory and returns it with an
// API client. The server is stopped when the test ends; on failure its
// log is printed.
func setup(t *testing.T, env []string, args ...string) (*Server, *client.Client) {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Bin: bin, Data: filepath.Join(t.TempDir(), "data"), Addr: addr, Args: args, Env: env}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Kill()
		if t.Failed() {
			t.Logf("--- server log (tail) ---\n%s", srv.logTail(6000))
		}
	})
	token, err := srv.Token()
	if err != nil {
		t.Fatal(err)
	}
	return srv, client.New(srv.URL(), token)
}

// eventually calls cond every 100ms until it is true, fails, or within
// has passed.
func eventually(ctx context.Context, within time.Duration, what string, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		ok, err := cond(ctx)
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not within %s (last error: %v)", what, within, last)
		case <-tick.C:
		}
	}
}

// allRuns lists every run of a flow, page by page.
func allRuns(ctx context.Context, c *client.Client, flow string) ([]api.Run, error) {
	var out []api.Run
	before := ""
	for {
		runs, next, err := c.ListRuns(ctx, client.RunFilter{Flow: flow, Limit: 1000, Before: before})
		if err != nil {
			return nil, err
		}
		out = append(out, runs...)
		if next == "" || len(runs) == 0 {
			return out, nil
		}
		before = next
	}
}

// unfinished are the states of a run that has not ended.
var unfinished = []string{"queued", "running", "waiting"}

// settled reports whether the flow has no run that has not ended.
func settled(ctx context.Context, c *client.Client, flow string) (bool, error) {
	for _, st := range unfinished {
		runs, _, err := c.ListRuns(ctx, client.RunFilter{Flow: flow, Status: st, Limit: 1})
		if err != nil {
			return false, err
		}
		if len(runs) > 0 {
			return false, nil
		}
	}
	return true, nil
}

// awaitSettled waits until every run of the flow has ended.
func awaitSettled(ctx context.Context, c *client.Client, flow string, within time.Duration) error {
	err := eventually(ctx, within, "every run of "+flow+" ended", func(ctx context.Context) (bool, error) {
		return settled(ctx, c, flow)
	})
	if err != nil {
		return errors.Join(err, describeUnfinished(ctx, c, flow))
	}
	return nil
}

// describeUnfinished says which runs are still open, for the failure message.
func describeUnfinished(ctx context.Context, c *client.Client, flow string) error {
	var errs []error
	for _, st := range unfinished {
		runs, _, err := c.ListRuns(ctx, client.RunFilter{Flow: flow, Status: st, Limit: 5})
		if err != nil {
			return err
		}
		for _, r := range runs {
			errs = append(errs, fmt.Errorf("run %s is still %s (attempt %d, created %s)", r.ID, r.Status, r.Attempt, r.CreatedAt.Format(time.RFC3339Nano)))
		}
	}
	return errors.Join(errs...)
}
