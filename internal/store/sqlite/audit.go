package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/store"
)

// AuditCheckpointFile is the file in the data directory that holds the
// newest checkpoint of the audit log, beside the one in the database: an
// attacker who removes the newest events and their checkpoints from the
// database must also find and change this file.
const AuditCheckpointFile = "audit-checkpoint.json"

const auditColumns = `seq, id, at, workspace, actor_kind, actor_id, actor_name, source, action,
	target_kind, target_id, target_name, state_before, state_after, key_id, prev_hash, hash`

// AppendAudit adds an event at the end of the chain. The one write
// connection (with BEGIN IMMEDIATE) serializes appends.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEvent, seal func(*store.AuditEvent)) (store.AuditEvent, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return e, fmt.Errorf("add to the audit log: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&e.Seq, &e.PrevHash); err != nil {
		return e, fmt.Errorf("add to the audit log: read its head: %w", err)
	}
	e.Seq++
	if e.ID == "" {
		e.ID = uuid.Must(uuid.NewV7()).String()
	}
	e.Time = nowOr(e.Time).Truncate(time.Microsecond)
	seal(&e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events (`+auditColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.ID, timeValue(e.Time), e.Workspace, e.Actor.Kind, e.Actor.ID, e.Actor.Name, e.Source, e.Action,
		e.Target.Kind, e.Target.ID, e.Target.Name, string(e.Before), string(e.After), e.KeyID, e.PrevHash, e.Hash)
	if err != nil {
		return e, fmt.Errorf("add to the audit log: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return e, fmt.Errorf("add to the audit log: move its head: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return e, fmt.Errorf("add to the audit log: %w", err)
	}
	return e, nil
}

// CheckpointAudit writes the head to the checkpoint table and to the
// checkpoint file. The file is replaced before the transaction commits,
// so that two checkpoints never leave the older one in the file.
func (s *Store) CheckpointAudit(ctx context.Context) (store.AuditCheckpoint, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("checkpoint the audit log: %w", err)
	}
	defer tx.Rollback()
	c := store.AuditCheckpoint{Where: "the database", At: nowOr(time.Time{}).Truncate(time.Microsecond)}
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&c.Seq, &c.Hash); err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("checkpoint the audit log: %w", err)
	}
	if c.Seq == 0 {
		return store.AuditCheckpoint{}, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, at) VALUES (?, ?, ?)
		ON CONFLICT (seq) DO NOTHING`, c.Seq, c.Hash, timeValue(c.At))
	if err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("checkpoint the audit log: %w", err)
	}
	if err := writeCheckpointFile(s.cfg.Dir, c); err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("checkpoint the audit log: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return store.AuditCheckpoint{}, fmt.Errorf("checkpoint the audit log: %w", err)
	}
	return c, nil
}

// checkpointFile is the content of AuditCheckpointFile.
type checkpointFile struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// writeCheckpointFile replaces the checkpoint file atomically: a new file
// synced to disk, renamed over the old one, and the directory synced.
func writeCheckpointFile(dir string, c store.AuditCheckpoint) error {
	data, err := json.Marshal(checkpointFile{Seq: c.Seq, Hash: c.Hash, At: c.At})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, AuditCheckpointFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, AuditCheckpointFile)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// AuditCheckpoints returns the newest checkpoint of the table and the one
// in the file. A missing or damaged file is reported as Unreadable when
// the table has a checkpoint, since the two are written together.
func (s *Store) AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error) {
	table := store.AuditCheckpoint{Where: "the database"}
	var at sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT seq, hash, at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`).
		Scan(&table.Seq, &table.Hash, &at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read the audit log's checkpoints: %w", err)
	}
	table.At = timeOf(at)
	file := readCheckpointFile(filepath.Join(s.cfg.Dir, AuditCheckpointFile))
	if file.Unreadable != "" && table.Seq == 0 {
		file.Unreadable = "" // never checkpointed: no file is expected
	}
	return []store.AuditCheckpoint{table, file}, nil
}

func readCheckpointFile(path string) store.AuditCheckpoint {
	c := store.AuditCheckpoint{Where: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		c.Unreadable = "the checkpoint file " + path + " is missing"
		return c
	}
	var f checkpointFile
	if err == nil {
		err = json.Unmarshal(data, &f)
	}
	if err != nil || f.Seq <= 0 || f.Hash == "" {
		c.Unreadable = "the checkpoint file " + path + " is damaged"
		return c
	}
	c.Seq, c.Hash, c.At = f.Seq, f.Hash, f.At.UTC()
	return c
}

// ListAudit lists audit events, newest first unless f.Oldest.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	where, args := auditWhere(f)
	q := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.Oldest {
		q += ` ORDER BY seq LIMIT ?`
	} else {
		q += ` ORDER BY seq DESC LIMIT ?`
	}
	rows, err := s.read.QueryContext(ctx, q, append(args, store.AuditLimit(f.Limit))...)
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
	add := func(cond string, arg ...any) {
		where = append(where, cond)
		args = append(args, arg...)
	}
	if f.Workspace != "" {
		add("(workspace = ? OR workspace = '')", f.Workspace)
	}
	if f.Action != "" {
		add("(action = ? OR substr(action, 1, length(?) + 1) = ? || '.')", f.Action, f.Action, f.Action)
	}
	if f.Target != "" {
		add("(target_id = ? OR target_name = ?)", f.Target, f.Target)
	}
	if f.Actor != "" {
		add("(actor_id = ? OR actor_name = ?)", f.Actor, f.Actor)
	}
	if !f.Since.IsZero() {
		add("at >= ?", timeValue(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", timeValue(f.Until))
	}
	if f.Before > 0 {
		add("seq < ?", f.Before)
	}
	if f.After > 0 {
		add("seq > ?", f.After)
	}
	return where, args
}

func scanAuditEvent(r rowScanner) (store.AuditEvent, error) {
	var e store.AuditEvent
	var at sql.NullInt64
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

// AuditReader reads the audit log of a data directory without locking
// it or changing anything, so that the log can be verified while a server
// uses the directory (SQLite's WAL lets readers in beside the writer).
type AuditReader struct{ s *Store }

// OpenAuditReader opens dir's database read-only for its audit log.
func OpenAuditReader(ctx context.Context, dir string) (*AuditReader, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("there is no Bistro database in %s (%s): is it the server's data directory?", dir, FileName)
	}
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open the database %s: %w", path, err)
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'`).Scan(&n)
	if err == nil && n == 0 {
		err = errors.New("it has no audit log yet: start this version of bistro on it once")
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read the database %s: %w", path, err)
	}
	return &AuditReader{s: &Store{read: db, cfg: Config{Dir: dir}}}, nil
}

// ListAudit lists audit events, as Store.ListAudit.
func (a *AuditReader) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	return a.s.ListAudit(ctx, f)
}

// AuditCheckpoints returns the newest checkpoints, as
// Store.AuditCheckpoints.
func (a *AuditReader) AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error) {
	return a.s.AuditCheckpoints(ctx)
}

// Close releases the database.
func (a *AuditReader) Close() error { return a.s.read.Close() }
