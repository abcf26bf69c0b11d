package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/bistro-dev/bistro/internal/store"
)

// saveStepSQL inserts a step's checkpoint or replaces the one it has.
const saveStepSQL = `INSERT INTO run_steps (run_id, step_id, position, status,
	in_count, out_count, input, output, error, attempts, started_at, ended_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (run_id, step_id) DO UPDATE SET position = excluded.position,
	status = excluded.status, in_count = excluded.in_count, out_count = excluded.out_count,
	input = excluded.input, output = excluded.output, error = excluded.error, attempts = excluded.attempts,
	started_at = excluded.started_at, ended_at = excluded.ended_at`

// saveStep writes one checkpoint through stmt, saveStepSQL on the database
// or in a transaction; a step of an unknown run is not found.
func saveStep(ctx context.Context, stmt *sql.Stmt, st store.Step) error {
	_, err := stmt.ExecContext(ctx, st.RunID, st.StepID, st.Position,
		string(st.Status), st.In, st.Out, jsonValue(st.Input), jsonValue(st.Output), st.Error, st.Attempts,
		timeValue(st.Started), timeValue(st.Ended))
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") {
		return fmt.Errorf("save step %q of run %s: %w", st.StepID, st.RunID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("save step %q of run %s: %w", st.StepID, st.RunID, err)
	}
	return nil
}

// SaveStep records or replaces a step's checkpoint.
func (s *Store) SaveStep(ctx context.Context, st store.Step) error {
	return saveStep(ctx, s.stmts.saveStep, st)
}

// SaveSteps records many checkpoints in one transaction: all of them, or
// none when one fails (e.g. its run does not exist).
func (s *Store) SaveSteps(ctx context.Context, steps []store.Step) error {
	if len(steps) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save steps: %w", err)
	}
	defer tx.Rollback()
	save := tx.StmtContext(ctx, s.stmts.saveStep)
	for _, st := range steps {
		if err := saveStep(ctx, save, st); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save steps: %w", err)
	}
	return nil
}

// ListSteps lists a run's checkpoints in flow order.
func (s *Store) ListSteps(ctx context.Context, runID string) ([]store.Step, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT run_id, step_id, position, status, in_count,
		out_count, input, output, error, attempts, started_at, ended_at
		FROM run_steps WHERE run_id = ? ORDER BY position, step_id`, runID)
	if err != nil {
		return nil, fmt.Errorf("steps of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []store.Step
	for rows.Next() {
		var st store.Step
		var started, ended sql.NullInt64
		err := rows.Scan(&st.RunID, &st.StepID, &st.Position, &st.Status, &st.In, &st.Out,
			jsonDest(&st.Input), jsonDest(&st.Output), &st.Error, &st.Attempts, &started, &ended)
		if err != nil {
			return nil, fmt.Errorf("steps of run %s: %w", runID, err)
		}
		st.Started, st.Ended = timeOf(started), timeOf(ended)
		out = append(out, st)
	}
	return out, rows.Err()
}
