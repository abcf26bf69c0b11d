package sqlite

import "context"

// JobCount is the number of River jobs that drive the run: the
// conformance suite uses it to check that runs and jobs go together.
func (s *Store) JobCount(ctx context.Context, runID string) (int, error) {
	var n int
	err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'run'
		AND json_extract(args, '$.run_id') = ?`, runID).Scan(&n)
	return n, err
}

// JobState is the state ("available", "completed", ...) and attempt
// count of the newest River job that drives the run, for the conformance
// suite's checks of retries and snoozes.
func (s *Store) JobState(ctx context.Context, runID string) (state string, attempt int, err error) {
	err = s.write.QueryRowContext(ctx, `SELECT state, attempt FROM river_job WHERE kind = 'run'
		AND json_extract(args, '$.run_id') = ? ORDER BY id DESC LIMIT 1`, runID).Scan(&state, &attempt)
	return state, attempt, err
}
