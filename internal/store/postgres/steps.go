package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

// saveStepSQL inserts a step's checkpoint or replaces the one it has.
const saveStepSQL = `INSERT INTO run_steps (run_id, step_id, position, status,
	in_count, out_count, input, output, error, attempts, started_at, ended_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
	ON CONFLICT (run_id, step_id) DO UPDATE SET position = excluded.position,
	status = excluded.status, in_count = excluded.in_count, out_count = excluded.out_count,
	input = excluded.input, output = excluded.output, error = excluded.error, attempts = excluded.attempts,
	started_at = excluded.started_at, ended_at = excluded.ended_at`

// saveStepArgs are saveStepSQL's arguments for st.
func saveStepArgs(st store.Step) []any {
	return []any{st.RunID, st.StepID, st.Position, string(st.Status), st.In, st.Out,
		jsonValue(st.Input), jsonValue(st.Output), st.Error, st.Attempts, timeValue(st.Started), timeValue(st.Ended)}
}

// stepError names the step in err; a step of an unknown run is not found.
func stepError(st store.Step, err error) error {
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("save step %q of run %s: %w", st.StepID, st.RunID, store.ErrNotFound)
	}
	return fmt.Errorf("save step %q of run %s: %w", st.StepID, st.RunID, err)
}

// SaveStep records or replaces a step's checkpoint.
func (s *Store) SaveStep(ctx context.Context, st store.Step) error {
	if _, err := s.pool.Exec(ctx, saveStepSQL, saveStepArgs(st)...); err != nil {
		return stepError(st, err)
	}
	return nil
}

// SaveSteps records many checkpoints in one transaction, sent in one
// round trip: all of them, or none when one fails (e.g. its run does not
// exist).
func (s *Store) SaveSteps(ctx context.Context, steps []store.Step) error {
	if len(steps) == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, st := range steps {
			b.Queue(saveStepSQL, saveStepArgs(st)...)
		}
		res := tx.SendBatch(ctx, &b)
		for _, st := range steps {
			if _, err := res.Exec(); err != nil {
				res.Close()
				return stepError(st, err)
			}
		}
		return res.Close()
	})
}

// ListSteps lists a run's checkpoints in flow order.
func (s *Store) ListSteps(ctx context.Context, runID string) ([]store.Step, error) {
	rows, err := s.pool.Query(ctx, `SELECT run_id, step_id, position, status, in_count,
		out_count, input, output, error, attempts, started_at, ended_at
		FROM run_steps WHERE run_id = $1 ORDER BY position, step_id`, runID)
	if err != nil {
		return nil, fmt.Errorf("steps of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []store.Step
	for rows.Next() {
		var st store.Step
		var started, ended *time.Time
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
