package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

var workspaceID = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// CreateWorkspace adds a workspace (a platform admin's job).
func (s *Service) CreateWorkspace(ctx context.Context, id, name string) (store.Workspace, error) {
	if !workspaceID.MatchString(id) {
		return store.Workspace{}, invalid("body.id", "'%s' cannot be a workspace id: use lower-case letters, digits and dashes, starting with a letter, e.g. hr or sales-emea", id)
	}
	w := store.Workspace{ID: id, Name: strings.TrimSpace(name), CreatedAt: s.now()}
	if w.Name == "" {
		w.Name = id
	}
	if err := s.st.CreateWorkspace(ctx, w); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return w, &Error{Kind: Conflict, Field: "body.id", Message: fmt.Sprintf("there is a workspace '%s' already", id)}
		}
		return w, fmt.Errorf("create workspace %s: %w", id, err)
	}
	return w, s.record(ctx, audit.Change{Workspace: id, Action: "workspace.create",
		Target: store.AuditTarget{Kind: "workspace", ID: id, Name: w.Name}, After: w})
}

// GetWorkspace returns a workspace.
func (s *Service) GetWorkspace(ctx context.Context, id string) (store.Workspace, error) {
	w, err := s.st.GetWorkspace(ctx, id)
	return w, notFoundAs(err, refuse(NotFound, "there is no workspace '%s'", id))
}

// ListMembers lists a workspace's members.
func (s *Service) ListMembers(ctx context.Context, workspace string) ([]store.Member, error) {
	if _, err := s.GetWorkspace(ctx, workspace); err != nil {
		return nil, err
	}
	return s.st.ListMembers(ctx, workspace)
}

// SetMember gives a user a role in a workspace.
func (s *Service) SetMember(ctx context.Context, workspace, userID, role string) (store.Member, error) {
	if !ValidRole(role) {
		return store.Member{}, invalid("body.role", "'%s' is not a role; use one of viewer, operator, builder or owner", role)
	}
	if _, err := s.GetWorkspace(ctx, workspace); err != nil {
		return store.Member{}, err
	}
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return store.Member{}, err
	}
	if !u.Active {
		return store.Member{}, refuse(Conflict, "%s is deactivated: reactivate the user first", u.Email)
	}
	before, _ := s.member(ctx, userID, workspace)
	m := store.Member{Workspace: workspace, UserID: userID, Role: role, Source: "manual", CreatedAt: s.now(), Email: u.Email, Name: u.Name}
	if err := s.st.SetMember(ctx, m); err != nil {
		return m, fmt.Errorf("set the role of %s in %s: %w", u.Email, workspace, err)
	}
	return m, s.record(ctx, audit.Change{Workspace: workspace, Action: "member.set", Target: userTarget(u),
		Before: roleView(workspace, before), After: roleView(workspace, role)})
}

// RemoveMember takes a user out of a workspace.
func (s *Service) RemoveMember(ctx context.Context, workspace, userID string) error {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	before, err := s.member(ctx, userID, workspace)
	if err != nil {
		return err
	}
	if err := s.st.RemoveMember(ctx, workspace, userID); err != nil {
		return notFoundAs(err, refuse(NotFound, "%s is not a member of workspace '%s'", u.Email, workspace))
	}
	return s.record(ctx, audit.Change{Workspace: workspace, Action: "member.remove", Target: userTarget(u),
		Before: roleView(workspace, before)})
}

func roleView(workspace, role string) any {
	if role == "" {
		return nil
	}
	return map[string]string{"workspace": workspace, "role": role}
}
