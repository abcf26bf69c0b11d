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

// CreateSession stores a session; one whose hash exists is a conflict.
func (s *Store) CreateSession(ctx context.Context, x store.Session) error {
	if x.ID == "" {
		x.ID = uuid.Must(uuid.NewV7()).String()
	}
	created := nowOr(x.CreatedAt)
	seen := x.LastSeen
	if seen.IsZero() {
		seen = created
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id, hash, user_id, source, user_agent,
		created_at, expires_at, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		x.ID, x.Hash, x.UserID, x.Source, x.UserAgent, timeValue(created), timeValue(x.ExpiresAt),
		timeValue(seen))
	if err := memberErr(uniqueErr(err)); err != nil {
		return fmt.Errorf("create a session of %s: %w", x.UserID, err)
	}
	return nil
}

// SessionByHash finds a live session of an active user.
func (s *Store) SessionByHash(ctx context.Context, hash []byte, now time.Time) (store.Session, error) {
	var x store.Session
	var created, expires, seen *time.Time
	err := s.pool.QueryRow(ctx, `SELECT s.id, s.hash, s.user_id, s.source, s.user_agent,
		s.created_at, s.expires_at, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = $1 AND s.expires_at > $2 AND u.active`, hash, timeValue(nowOr(now))).Scan(
		&x.ID, &x.Hash, &x.UserID, &x.Source, &x.UserAgent, &created, &expires, &seen)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	x.CreatedAt, x.ExpiresAt, x.LastSeen = timeOf(created), timeOf(expires), timeOf(seen)
	return x, nil
}

// TouchSession records when the session was last used.
func (s *Store) TouchSession(ctx context.Context, id string, seen time.Time) error {
	res, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen = $1 WHERE id = $2`,
		timeValue(nowOr(seen)), id)
	return affectedOne(res, err, "session "+id)
}

// DeleteSession deletes a session, if it is there.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}

// DeleteUserSessions deletes every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	res, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fmt.Errorf("delete the sessions of %s: %w", userID, err)
	}
	return int(res.RowsAffected()), nil
}
