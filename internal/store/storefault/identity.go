package storefault

import (
	"context"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

func init() {
	for _, m := range []string{
		"CreateUser", "GetUser", "UserByEmail", "UserBySubject", "ListUsers", "UpdateUser",
		"CountAdmins", "UserByResetHash", "LoginFailed", "LoginSucceeded",
		"DeactivateUser", "ReactivateUser",
		"CreateWorkspace", "GetWorkspace", "ListWorkspaces",
		"SetMember", "RemoveMember", "ListMembers", "Memberships", "ReplaceSSOMembers",
		"CreateSession", "SessionByHash", "TouchSession", "DeleteSession", "DeleteUserSessions",
		"ListTokens", "GetToken", "RevokeToken",
		"Setting", "InitSetting",
	} {
		methods[m] = true
	}
}

func (w *wrapped) CreateUser(ctx context.Context, u store.User) error {
	return do0(ctx, w.f, "CreateUser", []any{u}, func() error { return w.inner.CreateUser(ctx, u) })
}

func (w *wrapped) GetUser(ctx context.Context, id string) (store.User, error) {
	return do(ctx, w.f, "GetUser", []any{id}, func() (store.User, error) { return w.inner.GetUser(ctx, id) })
}

func (w *wrapped) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return do(ctx, w.f, "UserByEmail", []any{email}, func() (store.User, error) {
		return w.inner.UserByEmail(ctx, email)
	})
}

func (w *wrapped) UserBySubject(ctx context.Context, issuer, subject string) (store.User, error) {
	return do(ctx, w.f, "UserBySubject", []any{issuer, subject}, func() (store.User, error) {
		return w.inner.UserBySubject(ctx, issuer, subject)
	})
}

func (w *wrapped) ListUsers(ctx context.Context) ([]store.User, error) {
	return do(ctx, w.f, "ListUsers", nil, func() ([]store.User, error) { return w.inner.ListUsers(ctx) })
}

func (w *wrapped) UpdateUser(ctx context.Context, u store.User) error {
	return do0(ctx, w.f, "UpdateUser", []any{u}, func() error { return w.inner.UpdateUser(ctx, u) })
}

func (w *wrapped) CountAdmins(ctx context.Context) (int, error) {
	return do(ctx, w.f, "CountAdmins", nil, func() (int, error) { return w.inner.CountAdmins(ctx) })
}

func (w *wrapped) UserByResetHash(ctx context.Context, hash []byte, now time.Time) (store.User, error) {
	return do(ctx, w.f, "UserByResetHash", []any{hash, now}, func() (store.User, error) {
		return w.inner.UserByResetHash(ctx, hash, now)
	})
}

func (w *wrapped) LoginFailed(ctx context.Context, userID string, lockAfter int, lockUntil time.Time) (store.User, error) {
	return do(ctx, w.f, "LoginFailed", []any{userID, lockAfter, lockUntil}, func() (store.User, error) {
		return w.inner.LoginFailed(ctx, userID, lockAfter, lockUntil)
	})
}

func (w *wrapped) LoginSucceeded(ctx context.Context, userID string) error {
	return do0(ctx, w.f, "LoginSucceeded", []any{userID}, func() error { return w.inner.LoginSucceeded(ctx, userID) })
}

func (w *wrapped) DeactivateUser(ctx context.Context, d store.Deactivation) (store.Deactivated, error) {
	return do(ctx, w.f, "DeactivateUser", []any{d}, func() (store.Deactivated, error) {
		return w.inner.DeactivateUser(ctx, d)
	})
}

func (w *wrapped) ReactivateUser(ctx context.Context, userID string) error {
	return do0(ctx, w.f, "ReactivateUser", []any{userID}, func() error { return w.inner.ReactivateUser(ctx, userID) })
}

func (w *wrapped) CreateWorkspace(ctx context.Context, ws store.Workspace) error {
	return do0(ctx, w.f, "CreateWorkspace", []any{ws}, func() error { return w.inner.CreateWorkspace(ctx, ws) })
}

func (w *wrapped) GetWorkspace(ctx context.Context, id string) (store.Workspace, error) {
	return do(ctx, w.f, "GetWorkspace", []any{id}, func() (store.Workspace, error) {
		return w.inner.GetWorkspace(ctx, id)
	})
}

func (w *wrapped) ListWorkspaces(ctx context.Context) ([]store.Workspace, error) {
	return do(ctx, w.f, "ListWorkspaces", nil, func() ([]store.Workspace, error) { return w.inner.ListWorkspaces(ctx) })
}

func (w *wrapped) SetMember(ctx context.Context, m store.Member) error {
	return do0(ctx, w.f, "SetMember", []any{m}, func() error { return w.inner.SetMember(ctx, m) })
}

func (w *wrapped) RemoveMember(ctx context.Context, workspace, userID string) error {
	return do0(ctx, w.f, "RemoveMember", []any{workspace, userID}, func() error {
		return w.inner.RemoveMember(ctx, workspace, userID)
	})
}

func (w *wrapped) ListMembers(ctx context.Context, workspace string) ([]store.Member, error) {
	return do(ctx, w.f, "ListMembers", []any{workspace}, func() ([]store.Member, error) {
		return w.inner.ListMembers(ctx, workspace)
	})
}

func (w *wrapped) Memberships(ctx context.Context, userID string) ([]store.Member, error) {
	return do(ctx, w.f, "Memberships", []any{userID}, func() ([]store.Member, error) {
		return w.inner.Memberships(ctx, userID)
	})
}

func (w *wrapped) ReplaceSSOMembers(ctx context.Context, userID string, ms []store.Member) error {
	return do0(ctx, w.f, "ReplaceSSOMembers", []any{userID, ms}, func() error {
		return w.inner.ReplaceSSOMembers(ctx, userID, ms)
	})
}

func (w *wrapped) CreateSession(ctx context.Context, s store.Session) error {
	return do0(ctx, w.f, "CreateSession", []any{s}, func() error { return w.inner.CreateSession(ctx, s) })
}

func (w *wrapped) SessionByHash(ctx context.Context, hash []byte, now time.Time) (store.Session, error) {
	return do(ctx, w.f, "SessionByHash", []any{hash, now}, func() (store.Session, error) {
		return w.inner.SessionByHash(ctx, hash, now)
	})
}

func (w *wrapped) TouchSession(ctx context.Context, id string, seen time.Time) error {
	return do0(ctx, w.f, "TouchSession", []any{id, seen}, func() error { return w.inner.TouchSession(ctx, id, seen) })
}

func (w *wrapped) DeleteSession(ctx context.Context, id string) error {
	return do0(ctx, w.f, "DeleteSession", []any{id}, func() error { return w.inner.DeleteSession(ctx, id) })
}

func (w *wrapped) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	return do(ctx, w.f, "DeleteUserSessions", []any{userID}, func() (int, error) {
		return w.inner.DeleteUserSessions(ctx, userID)
	})
}

func (w *wrapped) ListTokens(ctx context.Context, tf store.TokenFilter) ([]store.Token, error) {
	return do(ctx, w.f, "ListTokens", []any{tf}, func() ([]store.Token, error) { return w.inner.ListTokens(ctx, tf) })
}

func (w *wrapped) GetToken(ctx context.Context, id string) (store.Token, error) {
	return do(ctx, w.f, "GetToken", []any{id}, func() (store.Token, error) { return w.inner.GetToken(ctx, id) })
}

func (w *wrapped) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return do0(ctx, w.f, "RevokeToken", []any{id, at}, func() error { return w.inner.RevokeToken(ctx, id, at) })
}

func (w *wrapped) Setting(ctx context.Context, key string) ([]byte, error) {
	return do(ctx, w.f, "Setting", []any{key}, func() ([]byte, error) { return w.inner.Setting(ctx, key) })
}

func (w *wrapped) InitSetting(ctx context.Context, key string, value []byte) ([]byte, error) {
	return do(ctx, w.f, "InitSetting", []any{key, value}, func() ([]byte, error) {
		return w.inner.InitSetting(ctx, key, value)
	})
}
