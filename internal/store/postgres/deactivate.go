package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

// DeactivateUser takes a user's access away in one transaction, and pauses
// or hands over their flows.
func (s *Store) DeactivateUser(ctx context.Context, d store.Deactivation) (store.Deactivated, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.Deactivated{}, fmt.Errorf("deactivate user %s: %w", d.UserID, err)
	}
	defer tx.Rollback(ctx)
	out, err := deactivate(ctx, tx, d)
	if err != nil {
		return store.Deactivated{}, fmt.Errorf("deactivate user %s: %w", d.UserID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return store.Deactivated{}, fmt.Errorf("deactivate user %s: %w", d.UserID, err)
	}
	return out, nil
}

func deactivate(ctx context.Context, tx pgx.Tx, d store.Deactivation) (store.Deactivated, error) {
	at := timeValue(nowOr(d.At))
	// Only an active user changes, so a second call finds nothing to do;
	// the row lock makes a concurrent one wait and then find nothing too.
	n, err := exec(ctx, tx, `UPDATE users SET active = FALSE, deactivated_at = $1, updated_at = $1
		WHERE id = $2 AND active`, at, d.UserID)
	if err != nil || n == 0 {
		return store.Deactivated{}, userExists(ctx, tx, d.UserID, err)
	}
	if d.ReassignTo != "" {
		if err := activeUser(ctx, tx, d.ReassignTo); err != nil {
			return store.Deactivated{}, fmt.Errorf("hand the flows over to %s: %w", d.ReassignTo, err)
		}
	}
	var out store.Deactivated
	if out.Sessions, err = exec(ctx, tx, `DELETE FROM sessions WHERE user_id = $1`, d.UserID); err != nil {
		return out, err
	}
	if out.Tokens, err = exec(ctx, tx, `UPDATE tokens SET revoked_at = $1
		WHERE user_id = $2 AND revoked_at IS NULL`, at, d.UserID); err != nil {
		return out, err
	}
	if _, err = exec(ctx, tx, `DELETE FROM members WHERE user_id = $1`, d.UserID); err != nil {
		return out, err
	}
	out.Reassigned = d.ReassignTo != ""
	if out.Reassigned {
		out.Flows, err = exec(ctx, tx, `UPDATE flows SET owner = $1, updated_at = $2 WHERE owner = $3`,
			d.ReassignTo, at, d.UserID)
	} else {
		out.Flows, err = exec(ctx, tx, `UPDATE flows SET enabled = FALSE, updated_at = $1 WHERE owner = $2`,
			at, d.UserID)
	}
	return out, err
}

// exec runs a statement in tx and says how many rows it changed.
func exec(ctx context.Context, tx pgx.Tx, query string, args ...any) (int, error) {
	res, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return int(res.RowsAffected()), nil
}

// userExists is err, or ErrNotFound when there is no such user: what a
// change that touched no row means.
func userExists(ctx context.Context, q querier, id string, err error) error {
	if err != nil {
		return err
	}
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// activeUser is nil when the user exists and is active, ErrNotFound
// otherwise: an inactive user cannot take anything over. FOR SHARE keeps
// them active until the hand-over commits.
func activeUser(ctx context.Context, q querier, id string) error {
	var active bool
	err := q.QueryRow(ctx, `SELECT active FROM users WHERE id = $1 FOR SHARE`, id).Scan(&active)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !active) {
		return store.ErrNotFound
	}
	return err
}

// ReactivateUser marks a user active again.
func (s *Store) ReactivateUser(ctx context.Context, userID string) error {
	res, err := s.pool.Exec(ctx, `UPDATE users SET active = TRUE, deactivated_at = NULL,
		updated_at = CASE WHEN active THEN updated_at ELSE $1 END WHERE id = $2`,
		timeValue(nowOr(timeZero)), userID)
	return affectedOne(res, err, "reactivate user "+userID)
}
