package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bistro-dev/bistro/internal/store"
)

var _ store.Checkpointer = (*Store)(nil)

// SaveCheckpoint records how far a running run got.
func (s *Store) SaveCheckpoint(ctx context.Context, runID string, done int, output json.RawMessage) error {
	_, err := s.write.ExecContext(ctx, `UPDATE runs SET checkpoint = ?, output = ?
		WHERE id = ? AND status = 'running'`, done, jsonValue(output), runID)
	if err != nil {
		return fmt.Errorf("save the checkpoint of run %s: %w", runID, err)
	}
	return nil
}

// Checkpoint returns how far a run got.
func (s *Store) Checkpoint(ctx context.Context, runID string) (int, json.RawMessage, error) {
	var done int
	var out json.RawMessage
	err := s.read.QueryRowContext(ctx, `SELECT checkpoint, output FROM runs WHERE id = ?`, runID).
		Scan(&done, jsonDest(&out))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("run %s: %w", runID, store.ErrNotFound)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read the checkpoint of run %s: %w", runID, err)
	}
	if done == 0 {
		out = nil
	}
	return done, out, nil
}
