package runner

import (
	"context"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// pruneEvery is how often finished runs past the retention are deleted.
const pruneEvery = time.Hour

// pruneBatch is how many runs one prune call deletes, so no transaction
// holds the database for long.
const pruneBatch = 1000

// retain prunes old runs at start and then every hour until ctx is done.
func (r *Runner) retain(ctx context.Context) error {
	for {
		if _, err := r.Prune(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("old runs could not be deleted; trying again later", "error", err)
		}
		t := time.NewTimer(pruneEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Prune deletes the finished runs that ended longer ago than the
// retention, in batches, and returns how many it deleted.
func (r *Runner) Prune(ctx context.Context) (int, error) {
	p := retention(r.clock.Now(), r.cfg.Retention)
	total := 0
	for {
		n, err := r.store.PruneRuns(ctx, p)
		total += n
		if err != nil || n < p.Limit {
			return total, err
		}
	}
}

// retention is what to prune at now: runs that ended before the
// retention, failed ones included.
func retention(now time.Time, keep time.Duration) store.Retention {
	return store.Retention{Before: now.Add(-keep), Limit: pruneBatch}
}
