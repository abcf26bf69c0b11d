package sqlite

import (
	"context"
	"fmt"

	"github.com/bistro-dev/bistro/internal/store"
)

// pruneBatch keeps each delete transaction short, so the one writer is
// never held for long while old runs go.
const pruneBatch = 500

// PruneRuns deletes finished runs that ended before p.Before (steps go with
// them), then hands the freed pages back to the file system.
func (s *Store) PruneRuns(ctx context.Context, p store.Retention) (int, error) {
	statuses := `'succeeded', 'failed', 'cancelled'`
	if p.KeepFailed {
		statuses = `'succeeded', 'cancelled'`
	}
	q := `DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE status IN (` + statuses + `)
		AND ended_at < ? LIMIT ?)`
	total := 0
	for p.Limit <= 0 || total < p.Limit {
		batch := pruneBatch
		if p.Limit > 0 {
			batch = min(batch, p.Limit-total)
		}
		res, err := s.write.ExecContext(ctx, q, timeValue(p.Before), batch)
		if err != nil {
			return total, fmt.Errorf("delete old runs: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if int(n) < batch {
			break
		}
	}
	if total > 0 {
		s.giveSpaceBack(ctx)
	}
	return total, nil
}

// giveSpaceBack truncates the file's free pages and the WAL. Failing here
// loses nothing (the space is reused), so it is only logged.
func (s *Store) giveSpaceBack(ctx context.Context) {
	for _, pragma := range []string{`PRAGMA incremental_vacuum`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		rows, err := s.write.QueryContext(ctx, pragma)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Close()
		}
		if err != nil {
			s.logger.WarnContext(ctx, "could not give disk space back", "step", pragma, "error", err)
		}
	}
}
