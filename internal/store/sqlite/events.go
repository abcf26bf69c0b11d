package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// EventCursor returns the flow's poll cursor; "" when it has none.
func (s *Store) EventCursor(ctx context.Context, flowID string) (string, error) {
	var c string
	err := s.read.QueryRowContext(ctx, `SELECT cursor FROM event_cursors WHERE flow_id = ?`, flowID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the event cursor: %w", err)
	}
	return c, nil
}

// SetEventCursor saves the flow's poll cursor.
func (s *Store) SetEventCursor(ctx context.Context, flowID, cursor string) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO event_cursors (flow_id, cursor, updated_at)
		VALUES (?, ?, ?) ON CONFLICT (flow_id) DO UPDATE SET cursor = excluded.cursor,
		updated_at = excluded.updated_at`, flowID, cursor, timeValue(time.Now()))
	if err != nil {
		return fmt.Errorf("save the event cursor: %w", err)
	}
	return nil
}

// AddDeadLetter stores a dead letter unless one with its ID is there.
func (s *Store) AddDeadLetter(ctx context.Context, d store.DeadLetter) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO dead_letters (id, workspace, flow_id, run_id,
		source, message_id, record, error, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		d.ID, workspaceOr(d.Workspace), d.FlowID, d.RunID, d.Source, d.MessageID, recordText(d.Record),
		d.Error, d.Attempts, timeValue(nowOr(d.CreatedAt)))
	if err != nil {
		return fmt.Errorf("add a dead letter: %w", err)
	}
	return nil
}

const deadLetterColumns = `d.id, d.workspace, d.flow_id, coalesce(f.name, ''), d.run_id, d.source,
	d.message_id, d.record, d.error, d.attempts, d.created_at
	FROM dead_letters d LEFT JOIN flows f ON f.id = d.flow_id`

func scanDeadLetter(row interface{ Scan(...any) error }) (store.DeadLetter, error) {
	var d store.DeadLetter
	var created sql.NullInt64
	err := row.Scan(&d.ID, &d.Workspace, &d.FlowID, &d.FlowName, &d.RunID, &d.Source, &d.MessageID,
		jsonDest(&d.Record), &d.Error, &d.Attempts, &created)
	d.CreatedAt = timeOf(created)
	return d, err
}

// ListDeadLetters lists dead letters, newest first.
func (s *Store) ListDeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]store.DeadLetter, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+deadLetterColumns+`
		WHERE (? = '' OR d.workspace = ?) AND (? = '' OR d.flow_id = ?)
		ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
		f.Workspace, f.Workspace, f.FlowID, f.FlowID, store.DeadLetterLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer rows.Close()
	var out []store.DeadLetter
	for rows.Next() {
		d, err := scanDeadLetter(rows)
		if err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// GetDeadLetter returns one dead letter.
func (s *Store) GetDeadLetter(ctx context.Context, id string) (store.DeadLetter, error) {
	d, err := scanDeadLetter(s.read.QueryRowContext(ctx, `SELECT `+deadLetterColumns+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("dead letter %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("dead letter %s: %w", id, err)
	}
	return d, nil
}

// DeleteDeadLetter deletes one dead letter.
func (s *Store) DeleteDeadLetter(ctx context.Context, id string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM dead_letters WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete dead letter %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("dead letter %s: %w", id, store.ErrNotFound)
	}
	return nil
}

func workspaceOr(w string) string {
	if w == "" {
		return store.DefaultWorkspace
	}
	return w
}

// recordText is a dead letter's record as stored: JSON text, "null" when none.
func recordText(b []byte) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}
