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

// CreateToken stores a token; a token with the same hash is a conflict.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	if t.ID == "" {
		t.ID = uuid.Must(uuid.NewV7()).String()
	}
	if t.Workspace == "" {
		t.Workspace = store.DefaultWorkspace
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO tokens (id, name, hash, role, workspace,
		created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Hash, t.Role, t.Workspace, timeValue(nowOr(t.CreatedAt)), timeValue(t.ExpiresAt))
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("create token %q: %w", t.Name, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Name, err)
	}
	return nil
}

// TokenByHash finds a token that has not expired.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	var t store.Token
	var created, expires sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT id, name, hash, role, workspace, created_at,
		expires_at FROM tokens WHERE hash = ? AND (expires_at IS NULL OR expires_at > ?)`,
		hash, timeValue(time.Now())).Scan(&t.ID, &t.Name, &t.Hash, &t.Role, &t.Workspace,
		&created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("token: %w", err)
	}
	t.CreatedAt, t.ExpiresAt = timeOf(created), timeOf(expires)
	return t, nil
}

// CountTokens counts the tokens that have not expired.
func (s *Store) CountTokens(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM tokens
		WHERE expires_at IS NULL OR expires_at > ?`, timeValue(time.Now())).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}
