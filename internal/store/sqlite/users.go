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

const userColumns = `id, email, name, admin, active, password_hash, issuer, subject, failed_logins,
	locked_until, reset_hash, reset_expires, created_at, updated_at, deactivated_at`

func scanUser(r rowScanner) (store.User, error) {
	var u store.User
	var locked, expires, created, updated, deactivated sql.NullInt64
	err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Admin, &u.Active, &u.PasswordHash, &u.Issuer, &u.Subject,
		&u.FailedLogins, &locked, &u.ResetHash, &expires, &created, &updated, &deactivated)
	if errors.Is(err, sql.ErrNoRows) {
		return u, store.ErrNotFound
	}
	u.LockedUntil, u.ResetExpires = timeOf(locked), timeOf(expires)
	u.CreatedAt, u.UpdatedAt, u.DeactivatedAt = timeOf(created), timeOf(updated), timeOf(deactivated)
	return u, err
}

// bytesValue is b for the database: NULL when empty, so that it reads
// back as nil.
func bytesValue(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// uniqueErr turns a unique violation into store.ErrConflict.
func uniqueErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return store.ErrConflict
	}
	return err
}

// CreateUser stores a new user.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.ID == "" {
		u.ID = uuid.Must(uuid.NewV7()).String()
	}
	created := nowOr(u.CreatedAt)
	_, err := s.write.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.Admin, u.Active, u.PasswordHash, u.Issuer, u.Subject, u.FailedLogins,
		timeValue(u.LockedUntil), bytesValue(u.ResetHash), timeValue(u.ResetExpires),
		timeValue(created), timeValue(nowOr(u.UpdatedAt)), timeValue(u.DeactivatedAt))
	if err := uniqueErr(err); err != nil {
		return fmt.Errorf("create user %s: %w", u.Email, err)
	}
	return nil
}

// GetUser finds a user by id.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	return s.userWhere(ctx, "user "+id, `id = ?`, id)
}

// UserByEmail finds a user by email, without regard to case.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return s.userWhere(ctx, "user "+email, `lower(email) = lower(?)`, email)
}

// UserBySubject finds a user by their identity provider's subject.
func (s *Store) UserBySubject(ctx context.Context, issuer, subject string) (store.User, error) {
	if subject == "" {
		// Users without SSO have subject '' and must never match.
		return store.User{}, fmt.Errorf("user of %s: %w", issuer, store.ErrNotFound)
	}
	return s.userWhere(ctx, "user "+subject+" of "+issuer, `issuer = ? AND subject = ?`, issuer, subject)
}

// UserByResetHash finds the active user with this unexpired reset token.
func (s *Store) UserByResetHash(ctx context.Context, hash []byte, now time.Time) (store.User, error) {
	if len(hash) == 0 {
		return store.User{}, fmt.Errorf("user by reset token: %w", store.ErrNotFound)
	}
	return s.userWhere(ctx, "user by reset token", `reset_hash = ? AND reset_expires > ? AND active`,
		hash, timeValue(nowOr(now)))
}

func (s *Store) userWhere(ctx context.Context, what, where string, args ...any) (store.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...))
	if err != nil {
		return store.User{}, fmt.Errorf("%s: %w", what, err)
	}
	return u, nil
}

// ListUsers lists every user by email.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY lower(email), id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser saves a user's profile; the login counters and Active stay.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	res, err := s.write.ExecContext(ctx, `UPDATE users SET email = ?, name = ?, admin = ?,
		password_hash = ?, issuer = ?, subject = ?, reset_hash = ?, reset_expires = ?, updated_at = ?
		WHERE id = ?`,
		u.Email, u.Name, u.Admin, u.PasswordHash, u.Issuer, u.Subject, bytesValue(u.ResetHash),
		timeValue(u.ResetExpires), timeValue(nowOr(u.UpdatedAt)), u.ID)
	return affectedOne(res, uniqueErr(err), "update user "+u.ID)
}

// CountAdmins counts the active platform admins.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE admin AND active`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// LoginFailed counts a failed sign-in and locks the user at lockAfter, in
// one statement: the old row's values on the right of every assignment
// make the count and the lock agree. lockAfter 0 or less never locks.
func (s *Store) LoginFailed(ctx context.Context, userID string, lockAfter int, lockUntil time.Time) (store.User, error) {
	u, err := scanUser(s.write.QueryRowContext(ctx, `UPDATE users SET
		failed_logins = CASE WHEN ? > 0 AND failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END,
		locked_until = CASE WHEN ? > 0 AND failed_logins + 1 >= ? THEN ? ELSE locked_until END
		WHERE id = ? RETURNING `+userColumns,
		lockAfter, lockAfter, lockAfter, lockAfter, timeValue(lockUntil), userID))
	if err != nil {
		return store.User{}, fmt.Errorf("count a failed sign-in of %s: %w", userID, err)
	}
	return u, nil
}

// LoginSucceeded clears the failed sign-in count and the lock.
func (s *Store) LoginSucceeded(ctx context.Context, userID string) error {
	res, err := s.write.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL
		WHERE id = ?`, userID)
	return affectedOne(res, err, "clear the failed sign-ins of "+userID)
}
