package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/store"
)

// tokenColumns leave out the hash: only TokenByHash, which was given it,
// answers with it.
const tokenColumns = `t.id, t.name, t.role, t.workspace, t.user_id, t.created_at, t.expires_at, t.revoked_at`

// liveToken is the condition of a token that signs in: not expired, not
// revoked, and of no user or of an active one (u is the LEFT JOIN of its
// user, so a token of a user who is gone still works as the installation's).
const liveToken = `(t.expires_at IS NULL OR t.expires_at > ?) AND t.revoked_at IS NULL
	AND (u.id IS NULL OR u.active)`

func scanToken(r rowScanner, extra ...any) (store.Token, error) {
	var t store.Token
	var created, expires, revoked sql.NullInt64
	dest := append([]any{&t.ID, &t.Name, &t.Role, &t.Workspace, &t.UserID, &created, &expires, &revoked}, extra...)
	err := r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
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
	_, err := s.write.ExecContext(ctx, `INSERT INTO tokens (id, name, hash, role, workspace, user_id,
		created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Hash, t.Role, t.Workspace, t.UserID, timeValue(nowOr(t.CreatedAt)),
		timeValue(t.ExpiresAt), timeValue(t.RevokedAt))
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("create token %q: %w", t.Name, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Name, err)
	}
	return nil
}

// TokenByHash finds a live token.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	var h []byte
	t, err := scanToken(s.read.QueryRowContext(ctx, `SELECT `+tokenColumns+`, t.hash
		FROM tokens t LEFT JOIN users u ON u.id = t.user_id
		WHERE t.hash = ? AND `+liveToken, hash, timeValue(time.Now())), &h)
	if err != nil {
		return store.Token{}, fmt.Errorf("token: %w", err)
	}
	t.Hash = h
	return t, nil
}

// CountTokens counts the live tokens, those TokenByHash finds.
func (s *Store) CountTokens(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM tokens t
		LEFT JOIN users u ON u.id = t.user_id WHERE `+liveToken, timeValue(time.Now())).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}

// ListTokens lists tokens without their hashes, newest first.
func (s *Store) ListTokens(ctx context.Context, f store.TokenFilter) ([]store.Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens t
		WHERE (? = '' OR t.user_id = ?) AND (? = '' OR t.workspace = ?)
		ORDER BY t.created_at DESC, t.id DESC`, f.UserID, f.UserID, f.Workspace, f.Workspace)
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
	t, err := scanToken(s.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens t WHERE t.id = ?`, id))
	if err != nil {
		return store.Token{}, fmt.Errorf("token %s: %w", id, err)
	}
	return t, nil
}

// RevokeToken marks a token revoked; a revoked one keeps the time it was
// first revoked.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`,
		timeValue(nowOr(at)), id)
	return affectedOne(res, err, "revoke token "+id)
}
