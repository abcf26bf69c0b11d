package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/store"
)

const flowColumns = `f.id, f.workspace, f.name, f.enabled, f.version, v.trigger_kind, v.document,
	v.format, f.webhook_id, f.owner, f.created_at, f.updated_at`

const flowFrom = ` FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version`

type rowScanner interface{ Scan(dest ...any) error }

func scanFlow(r rowScanner) (store.Flow, error) {
	var f store.Flow
	var created, updated sql.NullInt64
	err := r.Scan(&f.ID, &f.Workspace, &f.Name, &f.Enabled, &f.Version, &f.Trigger, &f.Document,
		&f.Format, &f.WebhookID, &f.Owner, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return f, store.ErrNotFound
	}
	f.CreatedAt, f.UpdatedAt = timeOf(created), timeOf(updated)
	return f, err
}

// PutFlow creates the flow or adds a version when the document changed.
func (s *Store) PutFlow(ctx context.Context, in store.PutFlow) (store.Flow, bool, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.Flow{}, false, fmt.Errorf("save flow %q: %w", in.Name, err)
	}
	defer tx.Rollback()
	f, changed, err := putFlow(ctx, tx, in)
	if err != nil {
		return store.Flow{}, false, fmt.Errorf("save flow %q: %w", in.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return store.Flow{}, false, fmt.Errorf("save flow %q: %w", in.Name, err)
	}
	return f, changed, nil
}

func putFlow(ctx context.Context, tx *sql.Tx, in store.PutFlow) (store.Flow, bool, error) {
	hash := documentHash(in.Document)
	now := timeValue(nowOr(timeZero))
	var id, latest string
	var version int
	err := tx.QueryRowContext(ctx, `SELECT f.id, f.version, v.hash`+flowFrom+
		` WHERE f.workspace = ? AND f.name = ?`, in.Workspace, in.Name).Scan(&id, &version, &latest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id, version = uuid.Must(uuid.NewV7()).String(), 1
		_, err = tx.ExecContext(ctx, `INSERT INTO flows (id, workspace, name, enabled, version,
			webhook_id, owner, created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?, ?, ?)`,
			id, in.Workspace, in.Name, newWebhookID(), in.Owner, now, now)
	case err != nil:
		return store.Flow{}, false, err
	case latest == hash:
		f, err := scanFlow(tx.QueryRowContext(ctx, `SELECT `+flowColumns+flowFrom+` WHERE f.id = ?`, id))
		return f, false, err
	default:
		version++
		_, err = tx.ExecContext(ctx, `UPDATE flows SET version = ?, updated_at = ? WHERE id = ?`,
			version, now, id)
	}
	if err != nil {
		return store.Flow{}, false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO flow_versions (flow_id, version, document, format,
		trigger_kind, hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, version, in.Document, in.Format, in.Trigger, hash, in.By, now)
	if err != nil {
		return store.Flow{}, false, err
	}
	f, err := scanFlow(tx.QueryRowContext(ctx, `SELECT `+flowColumns+flowFrom+` WHERE f.id = ?`, id))
	return f, true, err
}

// GetFlow finds a flow by name in a workspace.
func (s *Store) GetFlow(ctx context.Context, workspace, name string) (store.Flow, error) {
	f, err := scanFlow(s.read.QueryRowContext(ctx, `SELECT `+flowColumns+flowFrom+
		` WHERE f.workspace = ? AND f.name = ?`, workspace, name))
	if err != nil {
		return f, fmt.Errorf("flow %q: %w", name, err)
	}
	return f, nil
}

// GetFlowByID finds a flow by id.
func (s *Store) GetFlowByID(ctx context.Context, id string) (store.Flow, error) {
	f, err := scanFlow(s.read.QueryRowContext(ctx, `SELECT `+flowColumns+flowFrom+` WHERE f.id = ?`, id))
	if err != nil {
		return f, fmt.Errorf("flow %s: %w", id, err)
	}
	return f, nil
}

// FlowByWebhookID finds a flow by the random part of its webhook URL (the
// column is unique, so indexed).
func (s *Store) FlowByWebhookID(ctx context.Context, webhookID string) (store.Flow, error) {
	f, err := scanFlow(s.read.QueryRowContext(ctx, `SELECT `+flowColumns+flowFrom+
		` WHERE f.webhook_id = ?`, webhookID))
	if err != nil {
		return f, fmt.Errorf("the flow of webhook %q: %w", webhookID, err)
	}
	return f, nil
}

// ListFlows lists a workspace's flows by name.
func (s *Store) ListFlows(ctx context.Context, workspace string) ([]store.Flow, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+flowColumns+flowFrom+
		` WHERE f.workspace = ? ORDER BY f.name`, workspace)
	if err != nil {
		return nil, fmt.Errorf("list flows: %w", err)
	}
	defer rows.Close()
	var out []store.Flow
	for rows.Next() {
		f, err := scanFlow(rows)
		if err != nil {
			return nil, fmt.Errorf("list flows: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// SetFlowEnabled turns a flow on or off.
func (s *Store) SetFlowEnabled(ctx context.Context, id string, enabled bool) error {
	res, err := s.write.ExecContext(ctx, `UPDATE flows SET enabled = ?, updated_at = ? WHERE id = ?`,
		enabled, timeValue(nowOr(timeZero)), id)
	return affectedOne(res, err, "flow "+id)
}

// DeleteFlow removes a flow and its versions; its runs stay.
func (s *Store) DeleteFlow(ctx context.Context, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM flows WHERE id = ?`, id)
	return affectedOne(res, err, "flow "+id)
}

// affectedOne turns "no row changed" into store.ErrNotFound.
func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}
