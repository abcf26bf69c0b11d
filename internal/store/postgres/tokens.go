package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

// tokenColumns leave out the hash: only TokenByHash, which was given it,
// answers with it.
const tokenColumns = `t.id, t.name, t.role, t.workspace, t.user_id, t.created_at, t.expires_at, t.revoked_at`

// liveToken is the condition of a token that signs in: not expired, not
// revoked, and of no user or of an active one (u is the LEFT JOIN of its
// user, so a token of a user who is gone still works as the installation's).
const liveToken = `(t.expires_at IS NULL OR t.expires_at > $1) AND t.revoked_at IS NULL
	AND (u.id IS NULL OR u.active)`

func scanToken(r rowScanner, extra ...any) (store.Token, error) {
	var t store.Token
	var created, expires, revoked *time.Time
	dest := append([]any{&t.ID, &t.Name, &t.Role, &t.Workspace, &t.UserID, &created, &expires, &revoked}, extra...)
	err := r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, store.ErrNotFound
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = timeOf(created), timeOf(expires), timeOf(revoked)
	return t, err
}

// CreateToken stores a token; a token with the same hash is a conflict.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	if t.ID == "" {
		t.ID = uuid.Must(uuid.NewV7()).String()
	}
	if t.Workspace == "" {
		t.Workspace = store.DefaultWorkspace
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (id, name, hash, role, workspace, user_id,
		created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.Name, t.Hash, t.Role, t.Workspace, t.UserID, timeValue(nowOr(t.CreatedAt)),
		timeValue(t.ExpiresAt), timeValue(t.RevokedAt))
	if err := uniqueErr(err); err != nil {
		return fmt.Errorf("create token %q: %w", t.Name, err)
	}
	return nil
}

// TokenByHash finds a live token.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	var h []byte
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+`, t.hash
		FROM tokens t LEFT JOIN users u ON u.id = t.user_id
		WHERE t.hash = $2 AND `+liveToken, timeValue(time.Now()), hash), &h)
	if err != nil {
		return store.Token{}, fmt.Errorf("token: %w", err)
	}
	t.Hash = h
	return t, nil
}

// CountTokens counts the live tokens, those TokenByHash finds.
func (s *Store) CountTokens(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM tokens t
		LEFT JOIN users u ON u.id = t.user_id WHERE `+liveToken, timeValue(time.Now())).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}

// ListTokens lists tokens without their hashes, newest first.
func (s *Store) ListTokens(ctx context.Context, f store.TokenFilter) ([]store.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens t
		WHERE ($1 = '' OR t.user_id = $1) AND ($2 = '' OR t.workspace = $2)
		ORDER BY t.created_at DESC, t.id DESC`, f.UserID, f.Workspace)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetToken finds a token by id, without its hash.
func (s *Store) GetToken(ctx context.Context, id string) (store.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens t WHERE t.id = $1`, id))
	if err != nil {
		return store.Token{}, fmt.Errorf("token %s: %w", id, err)
	}
	return t, nil
}

// RevokeToken marks a token revoked; a revoked one keeps the time it was
// first revoked.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.pool.Exec(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`,
		timeValue(nowOr(at)), id)
	return affectedOne(res, err, "revoke token "+id)
}
