package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

// CreateWorkspace stores a new workspace.
func (s *Store) CreateWorkspace(ctx context.Context, w store.Workspace) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)`,
		w.ID, w.Name, timeValue(nowOr(w.CreatedAt)))
	if err := uniqueErr(err); err != nil {
		return fmt.Errorf("create workspace %s: %w", w.ID, err)
	}
	return nil
}

func scanWorkspace(r rowScanner) (store.Workspace, error) {
	var w store.Workspace
	var created *time.Time
	err := r.Scan(&w.ID, &w.Name, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return w, store.ErrNotFound
	}
	w.CreatedAt = timeOf(created)
	return w, err
}

// GetWorkspace finds a workspace by id.
func (s *Store) GetWorkspace(ctx context.Context, id string) (store.Workspace, error) {
	w, err := scanWorkspace(s.pool.QueryRow(ctx, `SELECT id, name, created_at FROM workspaces
		WHERE id = $1`, id))
	if err != nil {
		return store.Workspace{}, fmt.Errorf("workspace %s: %w", id, err)
	}
	return w, nil
}

// ListWorkspaces lists every workspace by id.
func (s *Store) ListWorkspaces(ctx context.Context) ([]store.Workspace, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, created_at FROM workspaces ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	defer rows.Close()
	var out []store.Workspace
	for rows.Next() {
		w, err := scanWorkspace(rows)
		if err != nil {
			return nil, fmt.Errorf("list workspaces: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// sourceOr is a membership's source, "manual" when not given.
func sourceOr(source string) string {
	if source == "" {
		return "manual"
	}
	return source
}

// memberErr turns a missing user or workspace (a foreign key) into
// store.ErrNotFound.
func memberErr(err error) error {
	if pgCode(err) == foreignKeyViolation {
		return store.ErrNotFound
	}
	return err
}

// SetMember adds a membership or changes its role and source; it keeps
// the time the user first joined.
func (s *Store) SetMember(ctx context.Context, m store.Member) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO members (workspace, user_id, role, source, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace, user_id) DO UPDATE
		SET role = excluded.role, source = excluded.source`,
		m.Workspace, m.UserID, m.Role, sourceOr(m.Source), timeValue(nowOr(m.CreatedAt)))
	if err := memberErr(err); err != nil {
		return fmt.Errorf("set member %s of %s: %w", m.UserID, m.Workspace, err)
	}
	return nil
}

// RemoveMember removes a membership.
func (s *Store) RemoveMember(ctx context.Context, workspace, userID string) error {
	res, err := s.pool.Exec(ctx, `DELETE FROM members WHERE workspace = $1 AND user_id = $2`,
		workspace, userID)
	return affectedOne(res, err, fmt.Sprintf("member %s of %s", userID, workspace))
}

const memberSelect = `SELECT m.workspace, m.user_id, m.role, m.source, m.created_at, u.email, u.name
	FROM members m JOIN users u ON u.id = m.user_id`

// ListMembers lists a workspace's members by email.
func (s *Store) ListMembers(ctx context.Context, workspace string) ([]store.Member, error) {
	out, err := s.members(ctx, memberSelect+` WHERE m.workspace = $1 ORDER BY lower(u.email), u.id`, workspace)
	if err != nil {
		return nil, fmt.Errorf("list the members of %s: %w", workspace, err)
	}
	return out, nil
}

// Memberships lists a user's memberships by workspace.
func (s *Store) Memberships(ctx context.Context, userID string) ([]store.Member, error) {
	out, err := s.members(ctx, memberSelect+` WHERE m.user_id = $1 ORDER BY m.workspace`, userID)
	if err != nil {
		return nil, fmt.Errorf("list the memberships of %s: %w", userID, err)
	}
	return out, nil
}

func (s *Store) members(ctx context.Context, query string, args ...any) ([]store.Member, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Member
	for rows.Next() {
		var m store.Member
		var created *time.Time
		if err := rows.Scan(&m.Workspace, &m.UserID, &m.Role, &m.Source, &created, &m.Email, &m.Name); err != nil {
			return nil, err
		}
		m.CreatedAt = timeOf(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ReplaceSSOMembers replaces the user's memberships from single sign-on
// in one transaction. After the delete only manual memberships are left,
// so DO NOTHING is what keeps them.
func (s *Store) ReplaceSSOMembers(ctx context.Context, userID string, ms []store.Member) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("replace the sso memberships of %s: %w", userID, err)
	}
	defer tx.Rollback(ctx)
	if err := replaceSSOMembers(ctx, tx, userID, ms); err != nil {
		return fmt.Errorf("replace the sso memberships of %s: %w", userID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("replace the sso memberships of %s: %w", userID, err)
	}
	return nil
}

func replaceSSOMembers(ctx context.Context, tx pgx.Tx, userID string, ms []store.Member) error {
	if _, err := tx.Exec(ctx, `DELETE FROM members WHERE user_id = $1 AND source = 'sso'`, userID); err != nil {
		return err
	}
	for _, m := range ms {
		_, err := tx.Exec(ctx, `INSERT INTO members (workspace, user_id, role, source, created_at)
			VALUES ($1, $2, $3, 'sso', $4) ON CONFLICT (workspace, user_id) DO NOTHING`,
			m.Workspace, userID, m.Role, timeValue(nowOr(m.CreatedAt)))
		if err := memberErr(err); err != nil {
			return fmt.Errorf("workspace %s: %w", m.Workspace, err)
		}
	}
	return nil
}
