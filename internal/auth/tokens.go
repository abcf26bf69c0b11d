package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// NewToken is an API token to create.
type NewToken struct {
	Name      string
	Workspace string // the workspace it may act in; ignored for admin tokens
	Role      string // a workspace role, or "admin"
	ExpiresIn time.Duration
}

// CreateToken creates an API token for the principal's person (or, for
// an installation token, another installation token). A token never gets
// more than its creator has: an admin token only from an admin, a
// workspace role only up to the creator's role there. The secret is in
// the answer once and never again.
func (s *Service) CreateToken(ctx context.Context, p Principal, in NewToken) (store.Token, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return store.Token{}, "", invalid("body.name", "give the token a name that says what it is for, e.g. 'nightly export'")
	}
	if err := s.mayGrant(ctx, p, &in); err != nil {
		return store.Token{}, "", err
	}
	secret, hash := newSecret("bistro_")
	t := store.Token{ID: uuid.Must(uuid.NewV7()).String(), Name: in.Name, Hash: hash, Role: in.Role,
		Workspace: in.Workspace, UserID: p.User.ID, CreatedAt: s.now()}
	if in.ExpiresIn > 0 {
		t.ExpiresAt = t.CreatedAt.Add(in.ExpiresIn)
	}
	if err := s.st.CreateToken(ctx, t); err != nil {
		return store.Token{}, "", fmt.Errorf("create token %q: %w", t.Name, err)
	}
	t.Hash = nil
	return t, secret, s.record(ctx, audit.Change{Workspace: t.Workspace, Action: "token.create",
		Target: tokenTarget(t), After: tokenView(t)})
}

// mayGrant checks that the principal may give the token its role.
func (s *Service) mayGrant(ctx context.Context, p Principal, in *NewToken) error {
	if in.Role == store.RoleAdmin {
		if !p.Admin() {
			return &Error{Kind: Forbidden, Field: "body.role", Message: "only platform admins can create admin tokens"}
		}
		in.Workspace = ""
		return nil
	}
	if !ValidRole(in.Role) {
		return invalid("body.role", "'%s' is not a role; use one of viewer, operator, builder, owner or admin", in.Role)
	}
	if _, err := s.st.GetWorkspace(ctx, in.Workspace); err != nil {
		return notFoundAs(err, invalid("body.workspace", "there is no workspace '%s'", in.Workspace))
	}
	have, err := s.Role(ctx, p, in.Workspace)
	if err != nil {
		return err
	}
	if Rank(have) < Rank(in.Role) {
		return &Error{Kind: Forbidden, Field: "body.role",
			Message: fmt.Sprintf("you cannot create a token with the role %s in workspace '%s': it is more than you may do there", in.Role, in.Workspace)}
	}
	return nil
}

// ListTokens lists the principal's person's tokens, or with all (admins
// only) every token.
func (s *Service) ListTokens(ctx context.Context, p Principal, all bool) ([]store.Token, error) {
	if all || p.User.ID == "" {
		if !p.Admin() {
			return nil, refuse(Forbidden, "only platform admins can list every token")
		}
		return s.st.ListTokens(ctx, store.TokenFilter{})
	}
	return s.st.ListTokens(ctx, store.TokenFilter{UserID: p.User.ID})
}

// RevokeToken revokes a token of the principal's person, or any token
// for an admin.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id string) error {
	t, err := s.st.GetToken(ctx, id)
	missing := refuse(NotFound, "there is no token with id '%s'", id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.Admin() && (t.UserID != p.User.ID || t.UserID == "")) {
		return missing
	}
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	if err := s.st.RevokeToken(ctx, id, s.now()); err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	t.Hash = nil
	return s.record(ctx, audit.Change{Workspace: t.Workspace, Action: "token.revoke", Target: tokenTarget(t), Before: tokenView(t)})
}

func tokenTarget(t store.Token) store.AuditTarget {
	return store.AuditTarget{Kind: "token", ID: t.ID, Name: t.Name}
}

func tokenView(t store.Token) map[string]any {
	v := map[string]any{"id": t.ID, "name": t.Name, "role": t.Role, "workspace": t.Workspace, "user_id": t.UserID}
	if !t.ExpiresAt.IsZero() {
		v["expires_at"] = t.ExpiresAt
	}
	return v
}
