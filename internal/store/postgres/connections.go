package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

const connectionColumns = `id, workspace, name, connector, config, labels,
	created_at, created_by, updated_at, updated_by`

// querier is what reads need: the pool, or the write transaction that
// must see its own changes.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func scanConnection(r rowScanner) (store.Connection, error) {
	var c store.Connection
	var config, labels []byte
	var created, updated *time.Time
	err := r.Scan(&c.ID, &c.Workspace, &c.Name, &c.Connector, &config, &labels,
		&created, &c.CreatedBy, &updated, &c.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.Config = json.RawMessage(config)
	c.CreatedAt, c.UpdatedAt = timeOf(created), timeOf(updated)
	c.Secrets = map[string][]byte{}
	if err := json.Unmarshal(labels, &c.Labels); err != nil {
		return c, err
	}
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	return c, nil
}

// labelsValue is the labels as a JSON list, never null.
func labelsValue(labels []string) string {
	if len(labels) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(labels) // a list of strings always encodes
	return string(b)
}

func configValue(config json.RawMessage) string {
	if len(config) == 0 {
		return "{}"
	}
	return string(config)
}

// PutConnection creates or updates a connection and its secrets in one
// transaction.
func (s *Store) PutConnection(ctx context.Context, in store.PutConnection) (store.Connection, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.Connection{}, fmt.Errorf("save connection %q: %w", in.Name, err)
	}
	defer tx.Rollback(ctx)
	c, err := putConnection(ctx, tx, in)
	if err != nil {
		return store.Connection{}, fmt.Errorf("save connection %q: %w", in.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return store.Connection{}, fmt.Errorf("save connection %q: %w", in.Name, err)
	}
	return c, nil
}

func putConnection(ctx context.Context, tx pgx.Tx, in store.PutConnection) (store.Connection, error) {
	now := timeValue(nowOr(timeZero))
	_, err := tx.Exec(ctx, `INSERT INTO connections (`+connectionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, connector = excluded.connector,
			config = excluded.config, labels = excluded.labels,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		in.ID, in.Workspace, in.Name, in.Connector, configValue(in.Config), labelsValue(in.Labels),
		now, in.By, now, in.By)
	if pgCode(err) == uniqueViolation {
		return store.Connection{}, store.ErrConflict
	}
	if err != nil {
		return store.Connection{}, err
	}
	for _, field := range in.Clear {
		if _, err := tx.Exec(ctx, `DELETE FROM connection_secrets
			WHERE connection_id = $1 AND field = $2`, in.ID, field); err != nil {
			return store.Connection{}, err
		}
	}
	for field, envelope := range in.Secrets {
		_, err := tx.Exec(ctx, `INSERT INTO connection_secrets (connection_id, field, envelope)
			VALUES ($1, $2, $3) ON CONFLICT (connection_id, field) DO UPDATE SET envelope = excluded.envelope`,
			in.ID, field, string(envelope))
		if err != nil {
			return store.Connection{}, err
		}
	}
	c, err := scanConnection(tx.QueryRow(ctx, `SELECT `+connectionColumns+
		` FROM connections WHERE id = $1`, in.ID))
	if err != nil {
		return c, err
	}
	if c.Workspace != in.Workspace {
		// The id belongs to another workspace's connection: never update
		// it from here.
		return store.Connection{}, store.ErrConflict
	}
	return c, readSecrets(ctx, tx, []*store.Connection{&c})
}

// readSecrets fills in the envelopes of the connections.
func readSecrets(ctx context.Context, q querier, conns []*store.Connection) error {
	if len(conns) == 0 {
		return nil
	}
	byID := make(map[string]*store.Connection, len(conns))
	ids := make([]string, 0, len(conns))
	for _, c := range conns {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	rows, err := q.Query(ctx, `SELECT connection_id, field, envelope FROM connection_secrets
		WHERE connection_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, field, envelope string
		if err := rows.Scan(&id, &field, &envelope); err != nil {
			return err
		}
		byID[id].Secrets[field] = []byte(envelope)
	}
	return rows.Err()
}

// GetConnection finds a connection by name in a workspace.
func (s *Store) GetConnection(ctx context.Context, workspace, name string) (store.Connection, error) {
	c, err := scanConnection(s.pool.QueryRow(ctx, `SELECT `+connectionColumns+
		` FROM connections WHERE workspace = $1 AND name = $2`, workspace, name))
	if err == nil {
		err = readSecrets(ctx, s.pool, []*store.Connection{&c})
	}
	if err != nil {
		return store.Connection{}, fmt.Errorf("connection %q: %w", name, err)
	}
	return c, nil
}

// ListConnections lists a workspace's connections by name.
func (s *Store) ListConnections(ctx context.Context, workspace string) ([]store.Connection, error) {
	out, err := s.listConnections(ctx, workspace)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return out, nil
}

func (s *Store) listConnections(ctx context.Context, workspace string) ([]store.Connection, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+connectionColumns+
		` FROM connections WHERE workspace = $1 ORDER BY name`, workspace)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ptrs := make([]*store.Connection, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, readSecrets(ctx, s.pool, ptrs)
}

// DeleteConnection deletes a connection; its secrets go with it.
func (s *Store) DeleteConnection(ctx context.Context, workspace, name string) error {
	res, err := s.pool.Exec(ctx, `DELETE FROM connections WHERE workspace = $1 AND name = $2`,
		workspace, name)
	return affectedOne(res, err, fmt.Sprintf("connection %q", name))
}

// ListSealed returns every secret envelope, for key rotation.
func (s *Store) ListSealed(ctx context.Context) ([]store.Sealed, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.connection_id, c.workspace, c.name, s.field, s.envelope
		FROM connection_secrets s JOIN connections c ON c.id = s.connection_id
		ORDER BY c.workspace, c.name, s.field`)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	defer rows.Close()
	var out []store.Sealed
	for rows.Next() {
		var x store.Sealed
		var envelope string
		if err := rows.Scan(&x.ConnectionID, &x.Workspace, &x.Name, &x.Field, &envelope); err != nil {
			return nil, fmt.Errorf("list secrets: %w", err)
		}
		x.Envelope = []byte(envelope)
		out = append(out, x)
	}
	return out, rows.Err()
}

// Reseal replaces envelopes that are still the ones read, in one
// transaction.
func (s *Store) Reseal(ctx context.Context, changes []store.Reseal) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("replace secrets: %w", err)
	}
	defer tx.Rollback(ctx)
	n := 0
	for _, c := range changes {
		res, err := tx.Exec(ctx, `UPDATE connection_secrets SET envelope = $1
			WHERE connection_id = $2 AND field = $3 AND envelope = $4`,
			string(c.New), c.ConnectionID, c.Field, string(c.Old))
		if err != nil {
			return 0, fmt.Errorf("replace secrets: %w", err)
		}
		n += int(res.RowsAffected())
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("replace secrets: %w", err)
	}
	return n, nil
}

// DumpConnection returns every stored column of a connection and of its
// secrets' rows as text, exactly as the database holds them: tests read it
// to check that no secret is stored in clear.
func (s *Store) DumpConnection(ctx context.Context, id string) (string, error) {
	var b strings.Builder
	for _, q := range []string{
		`SELECT row_to_json(c)::text FROM connections c WHERE id = $1`,
		`SELECT row_to_json(x)::text FROM connection_secrets x WHERE connection_id = $1`,
	} {
		rows, err := s.pool.Query(ctx, q, id)
		if err != nil {
			return "", err
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return "", err
		}
		for _, t := range texts {
			b.WriteString(t + "\n")
		}
	}
	return b.String(), nil
}
