package api

import (
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// User is a person as the API shows them: never a password hash.
type User struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Admin         bool       `json:"admin" doc:"A platform admin (IT): may do everything in every workspace"`
	Active        bool       `json:"active" doc:"False once deactivated: the person cannot sign in"`
	Password      bool       `json:"password" doc:"Whether the person has a password (else they sign in with single sign-on)"`
	SSO           bool       `json:"sso" doc:"Whether the person is known to the identity provider"`
	Locked        bool       `json:"locked" doc:"Locked for a while after too many wrong passwords"`
	CreatedAt     time.Time  `json:"created_at"`
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
}

func userOut(u store.User) User {
	out := User{ID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, Active: u.Active,
		Password: u.PasswordHash != "", SSO: u.Subject != "", Locked: u.LockedUntil.After(time.Now()),
		CreatedAt: u.CreatedAt.UTC()}
	out.DeactivatedAt = timePtr(u.DeactivatedAt)
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// WorkspaceAccess is a workspace with the caller's role in it.
type WorkspaceAccess struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role" enum:"viewer,operator,builder,owner,admin"`
}

// Me is who is signed in.
type Me struct {
	User       *User             `json:"user,omitempty" doc:"The person; absent for an installation token"`
	Via        string            `json:"via" enum:"session,token" doc:"How the request was authenticated"`
	TokenID    string            `json:"token_id,omitempty" doc:"The token's id, when the request was authenticated with one"`
	TokenName  string            `json:"token_name,omitempty"`
	Admin      bool              `json:"admin" doc:"Whether the caller acts as a platform admin"`
	Workspace  string            `json:"workspace" doc:"The workspace requests are about when they name none ('' when the person is in none)"`
	Workspaces []WorkspaceAccess `json:"workspaces" doc:"Every workspace the caller may use, with the role there"`
}

// Token is an API token as the API shows it: never its secret or hash.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role" enum:"viewer,operator,builder,owner,admin"`
	Workspace string     `json:"workspace,omitempty" doc:"The workspace it acts in; empty for admin tokens"`
	UserID    string     `json:"user_id,omitempty" doc:"The person it belongs to; empty for a token of the installation"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func tokenOut(t store.Token) Token {
	return Token{ID: t.ID, Name: t.Name, Role: t.Role, Workspace: t.Workspace, UserID: t.UserID,
		CreatedAt: t.CreatedAt.UTC(), ExpiresAt: timePtr(t.ExpiresAt), RevokedAt: timePtr(t.RevokedAt)}
}

// Workspace is a team's space.
type Workspace struct {
	ID        string    `json:"id" doc:"Short lower-case id, e.g. hr"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is a person's role in a workspace.
type Member struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role" enum:"viewer,operator,builder,owner"`
	Source string `json:"source" enum:"manual,sso" doc:"sso when the role comes from the identity provider's groups"`
}
