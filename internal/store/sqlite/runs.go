package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/riverwork"
)

// insertRunSQL skips a run whose dedupe key exists for its flow; any other
// conflict (a duplicate id) fails the whole batch. The flow's name is
// copied so that the run stays readable after the flow is deleted.
const insertRunSQL = `INSERT INTO runs (id, workspace, flow_id, flow_name, flow_version,
	trigger_kind, trigger_data, input, status, dedupe_key, output, response, error, attempt,
	parent_id, from_step, created_at, started_at, ended_at)
VALUES (?, ?, ?, COALESCE((SELECT name FROM flows WHERE id = ?), ''), ?, ?, ?, ?, ?, ?, ?, ?, ?,
	?, ?, ?, ?, ?, ?)
ON CONFLICT (flow_id, dedupe_key) WHERE dedupe_key <> '' DO NOTHING`

// CreateRuns writes runs, and the jobs of the queued ones, in one
// transaction.
func (s *Store) CreateRuns(ctx context.Context, runs []store.NewRun) ([]store.Created, error) {
	if len(runs) == 0 {
		return nil, nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create runs: %w", err)
	}
	defer tx.Rollback()
	out, jobs, err := insertRuns(ctx, tx, tx.StmtContext(ctx, s.stmts.insertRun), runs)
	if err != nil {
		return nil, fmt.Errorf("create runs: %w", err)
	}
	if len(jobs) > 0 {
		if _, err := s.river.InsertManyTx(ctx, tx, jobs); err != nil {
			return nil, fmt.Errorf("create runs: queue their jobs: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create runs: %w", err)
	}
	return out, nil
}

// insertRuns writes runs through stmt, insertRunSQL inside tx.
func insertRuns(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, runs []store.NewRun) ([]store.Created, []river.InsertManyParams, error) {
	out := make([]store.Created, len(runs))
	var jobs []river.InsertManyParams
	for i, r := range runs {
		r = runDefaults(r)
		res, err := stmt.ExecContext(ctx, r.ID, r.Workspace, r.FlowID, r.FlowID, r.FlowVersion,
			r.Trigger, jsonValue(r.TriggerData), jsonValue(r.Input), string(r.Status), r.DedupeKey,
			jsonValue(r.Output), jsonValue(r.Response), jsonValue(r.Error), initialAttempt(r.Status),
			r.ParentID, r.FromStep, timeValue(r.CreatedAt), timeValue(r.StartedAt), timeValue(r.EndedAt))
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			out[i] = store.Created{Duplicate: true}
			err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE flow_id = ? AND dedupe_key = ?`,
				r.FlowID, r.DedupeKey).Scan(&out[i].ID)
			if err != nil {
				return nil, nil, fmt.Errorf("run %s: find the run with the same key: %w", r.ID, err)
			}
			continue
		}
		out[i] = store.Created{ID: r.ID}
		if r.Status == store.StatusQueued {
			jobs = append(jobs, river.InsertManyParams{Args: riverwork.RunArgs{RunID: r.ID}})
		}
	}
	return out, jobs, nil
}

// runDefaults fills what a caller may leave out.
func runDefaults(r store.NewRun) store.NewRun {
	if r.Workspace == "" {
		r.Workspace = store.DefaultWorkspace
	}
	if r.Status == "" {
		r.Status = store.StatusQueued
	}
	r.CreatedAt = nowOr(r.CreatedAt)
	return r
}

// initialAttempt counts a run created already started (an inline run) as
// its first attempt.
func initialAttempt(s store.Status) int {
	if s == store.StatusQueued {
		return 0
	}
	return 1
}

const runColumns = `id, workspace, flow_id, flow_name, flow_version, trigger_kind, trigger_data,
	input, status, dedupe_key, output, response, error, attempt, parent_id, from_step, created_at,
	started_at, ended_at`

func scanRun(r rowScanner) (store.Run, error) {
	var run store.Run
	var created, started, ended sql.NullInt64
	err := r.Scan(&run.ID, &run.Workspace, &run.FlowID, &run.FlowName, &run.FlowVersion,
		&run.Trigger, jsonDest(&run.TriggerData), jsonDest(&run.Input), &run.Status, &run.DedupeKey,
		jsonDest(&run.Output), jsonDest(&run.Response), jsonDest(&run.Error), &run.Attempt,
		&run.ParentID, &run.FromStep, &created, &started, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return run, store.ErrNotFound
	}
	run.CreatedAt, run.StartedAt, run.EndedAt = timeOf(created), timeOf(started), timeOf(ended)
	return run, err
}

// getRunSQL reads one run by id.
const getRunSQL = `SELECT ` + runColumns + ` FROM runs WHERE id = ?`

// GetRun finds a run by id.
func (s *Store) GetRun(ctx context.Context, id string) (store.Run, error) {
	r, err := scanRun(s.stmts.getRun.QueryRowContext(ctx, id))
	if err != nil {
		return r, fmt.Errorf("run %s: %w", id, err)
	}
	return r, nil
}

// UpdateRun moves a run to a new state unless it is final already; the
// check and the change are one statement, so two updaters cannot both win.
func (s *Store) UpdateRun(ctx context.Context, u store.RunUpdate) error {
	return updateRun(ctx, s.stmts.updateRun, s.write, u)
}

// updateRunSQL moves a run to a new state unless it is final already.
const updateRunSQL = `UPDATE runs SET status = ?,
	output = COALESCE(?, output), response = COALESCE(?, response), error = COALESCE(?, error),
	attempt = CASE WHEN ? > 0 THEN ? ELSE attempt + ? END,
	started_at = COALESCE(?, started_at), ended_at = COALESCE(?, ended_at),
	input = CASE WHEN ? THEN NULL ELSE input END
	WHERE id = ? AND status NOT IN ('succeeded', 'failed', 'cancelled')`

// rowQuerier is the database or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// updateRun runs update, updateRunSQL, and when it changes nothing asks
// db, the same database or transaction, why.
func updateRun(ctx context.Context, update *sql.Stmt, db rowQuerier, u store.RunUpdate) error {
	if u.Status == "" {
		return fmt.Errorf("update run %s: no state given", u.ID)
	}
	at := nowOr(u.At)
	var started, ended any
	inc := 0
	if u.Status == store.StatusRunning {
		started, inc = timeValue(at), 1
	}
	if u.Status.Final() {
		ended = timeValue(at)
	}
	res, err := update.ExecContext(ctx, string(u.Status), jsonValue(u.Output),
		jsonValue(u.Response), jsonValue(u.Error), u.Attempt, u.Attempt, inc, started, ended,
		u.DropInput, u.ID)
	if err != nil {
		return fmt.Errorf("update run %s: %w", u.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var status string
	err = db.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, u.ID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("update run %s: %w", u.ID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("update run %s: %w", u.ID, err)
	}
	return fmt.Errorf("update run %s: %w", u.ID, store.ErrFinished)
}
