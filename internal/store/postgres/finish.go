package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

var _ store.RunFinisher = (*Store)(nil)

// FinishRuns records many runs' outcomes and steps in one transaction.
func (s *Store) FinishRuns(ctx context.Context, finishes []store.Finish) ([]error, error) {
	errs := make([]error, len(finishes))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, f := range finishes {
			err := updateRun(ctx, tx, f.Update)
			if errors.Is(err, store.ErrFinished) || errors.Is(err, store.ErrNotFound) {
				errs[i] = err
				continue
			}
			if err != nil {
				return err
			}
			if len(f.Steps) == 0 {
				continue
			}
			var b pgx.Batch
			for _, st := range f.Steps {
				b.Queue(saveStepSQL, saveStepArgs(st)...)
			}
			res := tx.SendBatch(ctx, &b)
			for _, st := range f.Steps {
				if _, err := res.Exec(); err != nil {
					res.Close()
					return stepError(st, err)
				}
			}
			if err := res.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}
