package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

const auditColumns = `seq, id, at, workspace, actor_kind, actor_id, actor_name, source, action,
	target_kind, target_id, target_name, state_before, state_after, key_id, prev_hash, hash`

// AppendAudit adds an event at the end of the chain. Locking the head row
// serializes appends across every process that shares the database: the
// next append waits for this transaction and then reads its head.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEvent, seal func(*store.AuditEvent)) (store.AuditEvent, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return e, fmt.Errorf("add to the audit log: %w", err)
	}
	defer tx.Rollback(ctx)
	err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&e.Seq, &e.PrevHash)
	if err != nil {
		return e, fmt.Errorf("add to the audit log: read its head: %w", err)
	}
	e.Seq++
	if e.ID == "" {
		e.ID = uuid.Must(uuid.NewV7()).String()
	}
	e.Time = nowOr(e.Time).Truncate(time.Microsecond)
	seal(&e)
	_, err = tx.Exec(ctx, `INSERT INTO audit_events (`+auditColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		e.Seq, e.ID, timeValue(e.Time), e.Workspace, e.Actor.Kind, e.Actor.ID, e.Actor.Name, e.Source, e.Action,
		e.Target.Kind, e.Target.ID, e.Target.Name, string(e.Before), string(e.After), e.KeyID, e.PrevHash, e.Hash)
	if err != nil {
		return e, fmt.Errorf("add to the audit log: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return e, fmt.Errorf("add to the audit log: move its head: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return e, fmt.Errorf("add to the audit log: %w", err)
	}
	return e, nil
}

// CheckpointAudit writes the head to the checkpoint table. PostgreSQL has
// no data directory of Bistro's to put a second copy in: export the log
// to a SIEM for that.
func (s *Store) CheckpointAudit(ctx context.Context) (store.AuditCheckpoint, error) {
	c := store.AuditCheckpoint{Where: "the database", At: nowOr(time.Time{}).Truncate(time.Microsecond)}
	err := s.pool.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&c.Seq, &c.Hash)
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("checkpoint the audit log: %w", err)
	}
	if c.Seq == 0 {
		return store.AuditCheckpoint{}, nil
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO audit_checkpoints (seq, hash, at) VALUES ($1, $2, $3)
		ON CONFLICT (seq) DO NOTHING`, c.Seq, c.Hash, timeValue(c.At))
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("checkpoint the audit log: %w", err)
	}
	return c, nil
}

// AuditCheckpoints returns the newest checkpoint of the table.
func (s *Store) AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error) {
	c := store.AuditCheckpoint{Where: "the database"}
	var at *time.Time
	err := s.pool.QueryRow(ctx, `SELECT seq, hash, at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`).
		Scan(&c.Seq, &c.Hash, &at)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("read the audit log's checkpoints: %w", err)
	}
	c.At = timeOf(at)
	return []store.AuditCheckpoint{c}, nil
}

// ListAudit lists audit events, newest first unless f.Oldest.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	where, args := auditWhere(f)
	q := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, store.AuditLimit(f.Limit))
	order := "DESC"
	if f.Oldest {
		order = "ASC"
	}
	q += fmt.Sprintf(` ORDER BY seq %s LIMIT $%d`, order, len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list the audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list the audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func auditWhere(f store.AuditFilter) ([]string, []any) {
	var where []string
	var args []any
	// add numbers each condition's placeholder ("%[1]d", used as often as
	// the condition needs it) as it is added.
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Workspace != "" {
		add("(workspace = $%[1]d OR workspace = '')", f.Workspace)
	}
	if f.Action != "" {
		add("(action = $%[1]d OR substr(action, 1, length($%[1]d) + 1) = $%[1]d || '.')", f.Action)
	}
	if f.Target != "" {
		add("(target_id = $%[1]d OR target_name = $%[1]d)", f.Target)
	}
	if f.Actor != "" {
		add("(actor_id = $%[1]d OR actor_name = $%[1]d)", f.Actor)
	}
	if !f.Since.IsZero() {
		add("at >= $%d", timeValue(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < $%d", timeValue(f.Until))
	}
	if f.Before > 0 {
		add("seq < $%d", f.Before)
	}
	if f.After > 0 {
		add("seq > $%d", f.After)
	}
	return where, args
}

func scanAuditEvent(r rowScanner) (store.AuditEvent, error) {
	var e store.AuditEvent
	var at *time.Time
	var before, after string
	err := r.Scan(&e.Seq, &e.ID, &at, &e.Workspace, &e.Actor.Kind, &e.Actor.ID, &e.Actor.Name, &e.Source, &e.Action,
		&e.Target.Kind, &e.Target.ID, &e.Target.Name, &before, &after, &e.KeyID, &e.PrevHash, &e.Hash)
	e.Time = timeOf(at)
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return e, err
}
