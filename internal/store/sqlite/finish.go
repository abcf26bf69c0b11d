package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/bistro-dev/bistro/internal/store"
)

var _ store.RunFinisher = (*Store)(nil)

// FinishRuns records many runs' outcomes and steps in one transaction.
func (s *Store) FinishRuns(ctx context.Context, finishes []store.Finish) ([]error, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("finish runs: %w", err)
	}
	defer tx.Rollback()
	update := tx.StmtContext(ctx, s.stmts.updateRun)
	save := tx.StmtContext(ctx, s.stmts.saveStep)
	errs := make([]error, len(finishes))
	for i, f := range finishes {
		err := updateRun(ctx, update, tx, f.Update)
		if errors.Is(err, store.ErrFinished) || errors.Is(err, store.ErrNotFound) {
			errs[i] = err
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, st := range f.Steps {
			if err := saveStep(ctx, save, st); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("finish runs: %w", err)
	}
	return errs, nil
}
