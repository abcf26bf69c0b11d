package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

// EventCursor returns the flow's poll cursor; "" when it has none.
func (s *Store) EventCursor(ctx context.Context, flowID string) (string, error) {
	var c string
	err := s.pool.QueryRow(ctx, `SELECT cursor FROM event_cursors WHERE flow_id = $1`, flowID).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the event cursor: %w", err)
	}
	return c, nil
}

// SetEventCursor saves the flow's poll cursor.
func (s *Store) SetEventCursor(ctx context.Context, flowID, cursor string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO event_cursors (flow_id, cursor, updated_at)
		VALUES ($1, $2, $3) ON CONFLICT (flow_id) DO UPDATE SET cursor = excluded.cursor,
		updated_at = excluded.updated_at`, flowID, cursor, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("save the event cursor: %w", err)
	}
	return nil
}

// AddDeadLetter stores a dead letter unless one with its ID is there.
func (s *Store) AddDeadLetter(ctx context.Context, d store.DeadLetter) error {
	record := d.Record
	if len(record) == 0 {
		record = []byte("null")
	}
	if d.Workspace == "" {
		d.Workspace = store.DefaultWorkspace
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO dead_letters (id, workspace, flow_id, run_id,
		source, message_id, record, error, attempts, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
		d.ID, d.Workspace, d.FlowID, d.RunID, d.Source, d.MessageID, string(record),
		d.Error, d.Attempts, nowOr(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("add a dead letter: %w", err)
	}
	return nil
}

const deadLetterColumns = `d.id, d.workspace, d.flow_id, coalesce(f.name, ''), d.run_id, d.source,
	d.message_id, d.record::text, d.error, d.attempts, d.created_at
	FROM dead_letters d LEFT JOIN flows f ON f.id = d.flow_id`

func scanDeadLetter(row pgx.Row) (store.DeadLetter, error) {
	var d store.DeadLetter
	var record string
	err := row.Scan(&d.ID, &d.Workspace, &d.FlowID, &d.FlowName, &d.RunID, &d.Source, &d.MessageID,
		&record, &d.Error, &d.Attempts, &d.CreatedAt)
	d.Record, d.CreatedAt = []byte(record), d.CreatedAt.UTC()
	return d, err
}

// ListDeadLetters lists dead letters, newest first.
func (s *Store) ListDeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]store.DeadLetter, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deadLetterColumns+`
		WHERE ($1 = '' OR d.workspace = $1) AND ($2 = '' OR d.flow_id = $2)
		ORDER BY d.created_at DESC, d.id DESC LIMIT $3`, f.Workspace, f.FlowID, store.DeadLetterLimit(f.Limit))
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
	d, err := scanDeadLetter(s.pool.QueryRow(ctx, `SELECT `+deadLetterColumns+` WHERE d.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("dead letter %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("dead letter %s: %w", id, err)
	}
	return d, nil
}

// DeleteDeadLetter deletes one dead letter.
func (s *Store) DeleteDeadLetter(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM dead_letters WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete dead letter %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("dead letter %s: %w", id, store.ErrNotFound)
	}
	return nil
}
