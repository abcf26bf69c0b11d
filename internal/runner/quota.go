package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
)

// dailyCount is how many runs each workspace started today (UTC), seeded
// from the store the first time a workspace starts one on this node.
type dailyCount struct {
	mu  sync.Mutex
	day string
	n   map[string]int
}

// admit counts a run the workspace starts, or refuses it with an
// *api.QuotaError when the workspace has used up its runs for the day.
// Nodes count on their own, from the store's count at their first run
// of the day, so with several nodes a quota can be passed by a little.
func (r *Runner) admit(ctx context.Context, workspace string) error {
	if r.cfg.Quota == nil {
		return nil
	}
	perDay, _ := r.cfg.Quota(ctx, workspace)
	if perDay <= 0 {
		return nil
	}
	now := r.clock.Now().UTC()
	midnight := now.Truncate(24 * time.Hour)
	d := &r.daily
	d.mu.Lock()
	if day := midnight.Format(time.DateOnly); d.day != day {
		d.day, d.n = day, map[string]int{}
	}
	n, seen := d.n[workspace]
	if !seen {
		c, err := r.store.CountRunsSince(ctx, workspace, midnight)
		if err != nil {
			d.mu.Unlock()
			return err
		}
		n = c
	}
	if n >= perDay {
		d.n[workspace] = n
		d.mu.Unlock()
		wait := midnight.Add(24 * time.Hour).Sub(now)
		msg := fmt.Sprintf("workspace '%s' has started its %d runs for today, its quota: new runs are refused until midnight UTC (in %s). A platform admin can raise the quota.",
			workspace, perDay, wait.Round(time.Minute))
		if r.cfg.OverQuota != nil {
			r.cfg.OverQuota(context.WithoutCancel(ctx), workspace, fmt.Sprintf("Workspace '%s' reached its quota of %d runs a day; new runs are refused until midnight UTC.", workspace, perDay))
		}
		return &api.QuotaError{Message: msg, RetryAfter: wait}
	}
	d.n[workspace] = n + 1
	d.mu.Unlock()
	return nil
}

// concurrentLimit is the workspace's cap on runs executing at once on
// this node; 0 for none.
func (r *Runner) concurrentLimit(ctx context.Context, workspace string) int {
	if r.cfg.Quota == nil {
		return 0
	}
	_, n := r.cfg.Quota(ctx, workspace)
	return n
}
