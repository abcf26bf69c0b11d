package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/bistro-dev/bistro/internal/store"
)

// Roles lists the workspace roles from the least to the most allowed.
var Roles = []string{store.RoleViewer, store.RoleOperator, store.RoleBuilder, store.RoleOwner}

// Rank orders roles: viewer 1 ... owner 4, admin 5; 0 for no role.
func Rank(role string) int {
	switch role {
	case store.RoleViewer:
		return 1
	case store.RoleOperator:
		return 2
	case store.RoleBuilder:
		return 3
	case store.RoleOwner:
		return 4
	case store.RoleAdmin:
		return 5
	}
	return 0
}

// ValidRole reports whether role is a workspace role.
func ValidRole(role string) bool { r := Rank(role); return r >= 1 && r <= 4 }

// Principal is who made a request: a person (by session or by one of
// their tokens), or an installation token that belongs to nobody.
type Principal struct {
	User      store.User   // zero for installation tokens
	Token     *store.Token // the token used; nil for a browser session
	SessionID string
}

// Admin reports whether the principal acts as a platform admin: an admin
// person (through a session or one of their admin tokens), or an
// installation admin token.
func (p Principal) Admin() bool {
	if p.Token != nil && p.Token.Role != store.RoleAdmin {
		return false
	}
	if p.User.ID == "" {
		return p.Token != nil
	}
	return p.User.Admin
}

// Actor is the principal as the audit log names it.
func (p Principal) Actor() store.AuditActor {
	if p.User.ID != "" {
		return userActor(p.User)
	}
	if p.Token != nil {
		return store.AuditActor{Kind: "token", ID: p.Token.ID, Name: p.Token.Name}
	}
	return store.AuditActor{Kind: "anonymous"}
}

// Role is the principal's role in a workspace: "admin" for platform
// admins, "" for none. A token never does more than its own role, in its
// own workspace, nor more than its person may do now.
func (s *Service) Role(ctx context.Context, p Principal, workspace string) (string, error) {
	if p.Admin() {
		return store.RoleAdmin, nil
	}
	if workspace == "" {
		return "", nil
	}
	if p.Token != nil && p.Token.Workspace != workspace {
		return "", nil
	}
	role := ""
	if p.Token != nil {
		role = p.Token.Role
	}
	if p.User.ID == "" {
		return role, nil
	}
	m, err := s.member(ctx, p.User.ID, workspace)
	if err != nil || m == "" {
		return "", err
	}
	if role == "" || Rank(m) < Rank(role) {
		role = m
	}
	return role, nil
}

// member is the user's role in the workspace, "" when not a member.
func (s *Service) member(ctx context.Context, userID, workspace string) (string, error) {
	ms, err := s.st.Memberships(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("memberships of %s: %w", userID, err)
	}
	for _, m := range ms {
		if m.Workspace == workspace {
			return m.Role, nil
		}
	}
	return "", nil
}

// HomeWorkspace is the workspace a request is about when it names none:
// a token's own, else "default" for admins and its members, else the
// person's first workspace; "" for a person in no workspace.
func (s *Service) HomeWorkspace(ctx context.Context, p Principal) (string, error) {
	if p.Token != nil && p.Token.Workspace != "" && p.Token.Role != store.RoleAdmin {
		return p.Token.Workspace, nil
	}
	if p.Admin() || p.User.ID == "" {
		return store.DefaultWorkspace, nil
	}
	ms, err := s.st.Memberships(ctx, p.User.ID)
	if err != nil {
		return "", fmt.Errorf("memberships of %s: %w", p.User.ID, err)
	}
	for _, m := range ms {
		if m.Workspace == store.DefaultWorkspace {
			return m.Workspace, nil
		}
	}
	if len(ms) > 0 {
		return ms[0].Workspace, nil
	}
	return "", nil
}

// WorkspaceRole is a workspace with the principal's role in it.
type WorkspaceRole struct {
	Workspace store.Workspace
	Role      string
}

// Workspaces lists the workspaces the principal may see, with its role
// in each: every workspace for platform admins.
func (s *Service) Workspaces(ctx context.Context, p Principal) ([]WorkspaceRole, error) {
	all, err := s.st.ListWorkspaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	var out []WorkspaceRole
	for _, w := range all {
		role, err := s.Role(ctx, p, w.ID)
		if err != nil {
			return nil, err
		}
		if role != "" {
			out = append(out, WorkspaceRole{Workspace: w, Role: role})
		}
	}
	return out, nil
}

func notFoundAs(err error, e *Error) error {
	if errors.Is(err, store.ErrNotFound) {
		return e
	}
	return err
}
