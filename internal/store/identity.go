package store

import (
	"context"
	"time"
)

// IdentityStore keeps people and access: users, workspaces and who is a
// member of which with what role, browser sessions, and installation
// settings such as the random signing key. Secrets are never stored in
// clear: passwords as argon2id hashes, session and reset tokens as
// sha256 hashes (like API tokens).
type IdentityStore interface {
	// CreateUser stores a new user. A user whose email (compared without
	// case) or whose SSO identity (Issuer, Subject) exists is ErrConflict.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	// UserByEmail finds a user by email, without regard to case.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UserBySubject finds the user an identity provider knows by subject.
	UserBySubject(ctx context.Context, issuer, subject string) (User, error)
	// ListUsers lists every user, by email.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser saves a user's profile: Email, Name, Admin, PasswordHash,
	// Issuer, Subject, ResetHash and ResetExpires (the login counters and
	// Active are changed only by the calls below). An email taken by
	// another user is ErrConflict.
	UpdateUser(ctx context.Context, u User) error
	// CountAdmins counts the active platform admins.
	CountAdmins(ctx context.Context) (int, error)
	// UserByResetHash finds the active user whose password reset token has
	// this sha256 and has not expired at now.
	UserByResetHash(ctx context.Context, hash []byte, now time.Time) (User, error)

	// LoginFailed counts a failed sign-in in one statement (so concurrent
	// failures all count): when the count reaches lockAfter, the user is
	// locked until lockUntil and the count starts again. It returns the
	// user as stored after the change.
	LoginFailed(ctx context.Context, userID string, lockAfter int, lockUntil time.Time) (User, error)
	// LoginSucceeded clears the failed sign-in count and any lock (a
	// password reset unlocks the account too).
	LoginSucceeded(ctx context.Context, userID string) error

	// DeactivateUser, in one transaction, marks the user inactive, deletes
	// their sessions, revokes their API tokens and removes their
	// memberships, and pauses (disables) or hands over (Owner = ReassignTo)
	// the flows they own. Deactivating an inactive user is not an error and
	// changes nothing.
	DeactivateUser(ctx context.Context, d Deactivation) (Deactivated, error)
	// ReactivateUser marks an inactive user active again (with no sessions,
	// tokens or memberships: those were removed).
	ReactivateUser(ctx context.Context, userID string) error

	// CreateWorkspace stores a new workspace; a taken ID is ErrConflict.
	CreateWorkspace(ctx context.Context, w Workspace) error
	GetWorkspace(ctx context.Context, id string) (Workspace, error)
	// ListWorkspaces lists every workspace by id.
	ListWorkspaces(ctx context.Context) ([]Workspace, error)

	// SetMember makes a user a member of a workspace with a role, or
	// changes the role of a member.
	SetMember(ctx context.Context, m Member) error
	// RemoveMember removes a membership; ErrNotFound when there was none.
	RemoveMember(ctx context.Context, workspace, userID string) error
	// ListMembers lists a workspace's members by email, with Email and
	// Name filled in from their users.
	ListMembers(ctx context.Context, workspace string) ([]Member, error)
	// Memberships lists a user's memberships by workspace id.
	Memberships(ctx context.Context, userID string) ([]Member, error)
	// ReplaceSSOMembers replaces the user's memberships that came from
	// single sign-on (Source "sso") with ms, in one transaction. A
	// membership set by hand is kept, and wins over one in ms for the same
	// workspace.
	ReplaceSSOMembers(ctx context.Context, userID string, ms []Member) error

	// CreateSession stores a session.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash finds a session by the sha256 of its cookie value that
	// has not expired at now and whose user is active.
	SessionByHash(ctx context.Context, hash []byte, now time.Time) (Session, error)
	// TouchSession records that the session was used at seen.
	TouchSession(ctx context.Context, id string, seen time.Time) error
	// DeleteSession deletes one session; a missing one is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions deletes every session of a user and says how many.
	DeleteUserSessions(ctx context.Context, userID string) (int, error)

	// ListTokens lists API tokens (never their hashes), newest first;
	// revoked and expired ones too, so they can be told apart.
	ListTokens(ctx context.Context, f TokenFilter) ([]Token, error)
	// GetToken finds a token by id.
	GetToken(ctx context.Context, id string) (Token, error)
	// RevokeToken marks a token revoked at at; TokenByHash no longer finds
	// it. Revoking a revoked token is not an error.
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// Setting returns an installation setting; ErrNotFound when unset.
	Setting(ctx context.Context, key string) ([]byte, error)
	// InitSetting stores the setting when it is unset and returns the
	// value now stored: the given one, or the one another process stored
	// first. That is how every node of an installation agrees on one
	// random signing key.
	InitSetting(ctx context.Context, key string, value []byte) ([]byte, error)
}

// User is a person who signs in. Platform admins (Admin) manage the
// whole installation; everyone else has roles in workspaces.
type User struct {
	ID           string
	Email        string // unique without regard to case; stored as given
	Name         string
	Admin        bool // platform admin (IT)
	Active       bool
	PasswordHash string // argon2id in the PHC string format; "" for SSO-only users
	Issuer       string // the identity provider that knows the user ("" for none)
	Subject      string // the user's id at that provider
	FailedLogins int
	LockedUntil  time.Time // zero: not locked
	ResetHash    []byte    // sha256 of a pending password reset token
	ResetExpires time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// DeactivatedAt is when the user was deactivated; zero while active.
	DeactivatedAt time.Time
}

// Workspace is a team's space: every flow, connection and run belongs to
// exactly one.
type Workspace struct {
	ID        string // a short lower-case slug, e.g. "hr"; "default" exists from the start
	Name      string
	CreatedAt time.Time
}

// Workspace roles, from the least to the most allowed. Platform admins
// (User.Admin) may do everything in every workspace without a role.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleBuilder  = "builder"
	RoleOwner    = "owner"
	// RoleAdmin is the role of a token that acts as a platform admin.
	RoleAdmin = "admin"
)

// Member is a user's role in a workspace.
type Member struct {
	Workspace string
	UserID    string
	Role      string // viewer, operator, builder or owner
	Source    string // "manual", or "sso" when it came from the identity provider's groups
	CreatedAt time.Time
	// Filled in by ListMembers:
	Email string
	Name  string
}

// Session is a signed-in browser. Only the sha256 of the cookie value is
// stored, so a copy of the database signs nobody in.
type Session struct {
	ID        string
	Hash      []byte
	UserID    string
	Source    string // the client's address at sign-in
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
}

// TokenFilter selects tokens; zero fields do not filter.
type TokenFilter struct {
	UserID    string
	Workspace string
}

// Deactivation is a user to deactivate and what becomes of their flows.
type Deactivation struct {
	UserID string
	// ReassignTo, when set, is the user who owns the flows from now on;
	// otherwise the flows are paused (disabled).
	ReassignTo string
	At         time.Time
}

// Deactivated says what a deactivation changed.
type Deactivated struct {
	Sessions   int
	Tokens     int
	Flows      int // flows paused or handed over
	Reassigned bool
}
