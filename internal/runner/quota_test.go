package runner

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

const quotaFlow = "bistro: 1\nname: %s\ntrigger: { manual: {} }\nsteps:\n  - id: s\n    set: { a: 1 }\n"

func TestRunsPerDayQuota(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var told []string
	f := setup(t, openSQLite(t), func(c *Config) {
		c.Quota = func(_ context.Context, ws string) (int, int) {
			if ws == store.DefaultWorkspace {
				return 3, 0
			}
			return 0, 0
		}
		c.OverQuota = func(_ context.Context, ws, msg string) {
			mu.Lock()
			defer mu.Unlock()
			told = append(told, ws+": "+msg)
		}
	})
	ctx := context.Background()
	if err := f.store.CreateWorkspace(ctx, store.Workspace{ID: "hr", Name: "HR"}); err != nil {
		t.Fatal(err)
	}
	f.apply(strings.Replace(quotaFlow, "%s", "one", 1))
	if _, _, err := f.ApplyFlow(ctx, "hr", "", []byte(strings.Replace(quotaFlow, "%s", "one", 1)), "test"); err != nil {
		t.Fatal(err)
	}
	// One run exists before this node counts: the store's count seeds it.
	if _, err := f.StartRun(ctx, store.DefaultWorkspace, "one", nil, 0); err != nil {
		t.Fatal(err)
	}
	f2 := setup(t, f.store, func(c *Config) { c.Quota, c.OverQuota = f.cfg.Quota, f.cfg.OverQuota })
	for i := range 2 {
		if _, err := f2.StartRun(ctx, store.DefaultWorkspace, "one", nil, 0); err != nil {
			t.Fatalf("run %d: %v", i+2, err)
		}
	}
	_, err := f2.StartRun(ctx, store.DefaultWorkspace, "one", nil, 0)
	var q *api.QuotaError
	if !errors.As(err, &q) || q.RetryAfter <= 0 || !strings.Contains(q.Message, "workspace 'default' has started its 3 runs for today, its quota") {
		t.Fatalf("the fourth run: %v", err)
	}
	for range 5 {
		if _, err := f2.StartRun(ctx, "hr", "one", nil, 0); err != nil {
			t.Errorf("another workspace is not limited: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || !strings.Contains(told[0], "default: Workspace 'default' reached its quota of 3 runs a day") {
		t.Errorf("told: %v", told)
	}
}

func TestConcurrentRunsQuota(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), func(c *Config) {
		c.Quota = func(_ context.Context, ws string) (int, int) {
			if ws == store.DefaultWorkspace {
				return 0, 1
			}
			return 0, 0
		}
	})
	ctx := context.Background()
	if err := f.store.CreateWorkspace(ctx, store.Workspace{ID: "hr", Name: "HR"}); err != nil {
		t.Fatal(err)
	}
	a := f.apply(strings.Replace(quotaFlow, "%s", "a", 1))
	f.apply(strings.Replace(quotaFlow, "%s", "b", 1))
	if _, _, err := f.ApplyFlow(ctx, "hr", "", []byte(strings.Replace(quotaFlow, "%s", "c", 1)), "test"); err != nil {
		t.Fatal(err)
	}
	b, err := f.StartRun(ctx, store.DefaultWorkspace, "b", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.StartRun(ctx, "hr", "c", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !f.acquire(a, 0, 1) { // a run of flow a holds the workspace's one slot
		t.Fatal("the first slot was refused")
	}
	var se *store.SnoozeError
	if err := f.handle(ctx, b.ID); !errors.As(err, &se) {
		t.Fatalf("another flow of the full workspace ran: %v", err)
	}
	if err := f.handle(ctx, c.ID); err != nil {
		t.Fatalf("another workspace waited: %v", err)
	}
	f.release(a)
	if err := f.handle(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.GetRun(ctx, b.ID); got.Status != store.StatusSucceeded {
		t.Errorf("b after the slot freed: %s", got.Status)
	}
}
