package postgres

import (
	"context"
	"fmt"

	"github.com/bistro-dev/bistro/internal/store"
)

// pruneBatch keeps each delete transaction short.
const pruneBatch = 500

// PruneRuns deletes finished runs that ended before p.Before (steps go with
// them). Autovacuum makes the space reusable; nothing else is needed.
func (s *Store) PruneRuns(ctx context.Context, p store.Retention) (int, error) {
	statuses := `'succeeded', 'failed', 'cancelled'`
	if p.KeepFailed {
		statuses = `'succeeded', 'cancelled'`
	}
	q := `DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE status IN (` + statuses + `)
		AND ended_at < $1 LIMIT $2)`
	total := 0
	for p.Limit <= 0 || total < p.Limit {
		batch := pruneBatch
		if p.Limit > 0 {
			batch = min(batch, p.Limit-total)
		}
		res, err := s.pool.Exec(ctx, q, timeValue(p.Before), batch)
		if err != nil {
			return total, fmt.Errorf("delete old runs: %w", err)
		}
		n := res.RowsAffected()
		total += int(n)
		if int(n) < batch {
			break
		}
	}
	return total, nil
}
