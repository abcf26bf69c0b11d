package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bistro-dev/bistro/internal/store"
)

// DeactivateUser takes a user's access away in one transaction, and pauses
// or hands over their flows.
func (s *Store) DeactivateUser(ctx context.Context, d store.Deactivation) (store.Deactivated, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.Deactivated{}, fmt.Errorf("deactivate user %s: %w", d.UserID, err)
	}
	defer tx.Rollback()
	out, err := deactivate(ctx, tx, d)
	if err != nil {
		return store.Deactivated{}, fmt.Errorf("deactivate user %s: %w", d.UserID, err)
	}
	if err := tx.Commit(); err != nil {
		return store.Deactivated{}, fmt.Errorf("deactivate user %s: %w", d.UserID, err)
	}
	return out, nil
}

func deactivate(ctx context.Context, tx *sql.Tx, d store.Deactivation) (store.Deactivated, error) {
	at := timeValue(nowOr(d.At))
	// Only an active user changes, so a second call finds nothing to do.
	n, err := exec(ctx, tx, `UPDATE users SET active = 0, deactivated_at = ?, updated_at = ?
		WHERE id = ? AND active`, at, at, d.UserID)
	if err != nil || n == 0 {
		return store.Deactivated{}, userExists(ctx, tx, d.UserID, err)
	}
	if d.ReassignTo != "" {
		if err := activeUser(ctx, tx, d.ReassignTo); err != nil {
			return store.Deactivated{}, fmt.Errorf("hand the flows over to %s: %w", d.ReassignTo, err)
		}
	}
	var out store.Deactivated
	if out.Sessions, err = exec(ctx, tx, `DELETE FROM sessions WHERE user_id = ?`, d.UserID); err != nil {
		return out, err
	}
	if out.Tokens, err = exec(ctx, tx, `UPDATE tokens SET revoked_at = ?
		WHERE user_id = ? AND revoked_at IS NULL`, at, d.UserID); err != nil {
		return out, err
	}
	if _, err = exec(ctx, tx, `DELETE FROM members WHERE user_id = ?`, d.UserID); err != nil {
		return out, err
	}
	out.Reassigned = d.ReassignTo != ""
	if out.Reassigned {
		out.Flows, err = exec(ctx, tx, `UPDATE flows SET owner = ?, updated_at = ? WHERE owner = ?`,
			d.ReassignTo, at, d.UserID)
	} else {
		out.Flows, err = exec(ctx, tx, `UPDATE flows SET enabled = 0, updated_at = ? WHERE owner = ?`,
			at, d.UserID)
	}
	return out, err
}

// exec runs a statement in tx and says how many rows it changed.
func exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// userExists is err, or ErrNotFound when there is no such user: what a
// change that touched no row means.
func userExists(ctx context.Context, q querier, id string, err error) error {
	if err != nil {
		return err
	}
	var one int
	err = q.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// activeUser is nil when the user exists and is active, ErrNotFound
// otherwise: an inactive user cannot take anything over.
func activeUser(ctx context.Context, q querier, id string) error {
	var active bool
	err := q.QueryRowContext(ctx, `SELECT active FROM users WHERE id = ?`, id).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return store.ErrNotFound
	}
	return err
}

// ReactivateUser marks a user active again.
func (s *Store) ReactivateUser(ctx context.Context, userID string) error {
	at := timeValue(nowOr(timeZero))
	res, err := s.write.ExecContext(ctx, `UPDATE users SET active = 1, deactivated_at = NULL,
		updated_at = CASE WHEN active THEN updated_at ELSE ? END WHERE id = ?`, at, userID)
	return affectedOne(res, err, "reactivate user "+userID)
}
