package apitest

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/store/storefault"
)

// Token is the secret of the installation's admin token the test server
// holds. It also holds "bst_expired" (expired), "bst_viewer" (a viewer of
// the default workspace) and "bst_outsider" (a builder of the workspace
// "elsewhere" only, with a token for the default workspace).
const Token = "bst_secret_admin"

// People is the real store behind the API's sign-in: a SQLite database
// of the test's own, behind a fault-injecting wrapper.
type People struct {
	Store  store.Store
	Faults *storefault.Faults
	Auth   *auth.Service
	Guard  *guard.Service
}

// NewPeople opens the store, seeds the tokens named at Token and the
// workspace "elsewhere", and builds the auth service on it. Sign-in
// attempts are not rate limited unless limit is given.
func NewPeople(t testing.TB, limit *auth.Limiter) *People {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	wrapped, faults := storefault.Wrap(st)
	if limit == nil {
		limit = auth.NewLimiter(1, 1<<30, 100)
	}
	p := &People{Store: wrapped, Faults: faults,
		Auth:  auth.New(auth.Config{Store: wrapped, Audit: audit.Log{Store: wrapped}, SignInLimit: limit}),
		Guard: guard.New(guard.Config{Store: wrapped, Audit: audit.Log{Store: wrapped}, Known: known})}
	if err := wrapped.CreateWorkspace(ctx, store.Workspace{ID: "elsewhere", Name: "Elsewhere", CreatedAt: T0}); err != nil {
		t.Fatal(err)
	}
	p.AddToken(t, Token, store.Token{ID: "tok-admin", Name: "admin", Role: store.RoleAdmin})
	p.AddToken(t, "bst_expired", store.Token{ID: "tok-old", Name: "old", Role: store.RoleAdmin, ExpiresAt: T0})
	p.AddToken(t, "bst_viewer", store.Token{ID: "tok-viewer", Name: "viewer", Role: store.RoleViewer, Workspace: store.DefaultWorkspace})
	// The outsider's token is for the default workspace, which its person
	// has since left: it may do nothing there.
	outsider := store.User{ID: "user-outsider", Email: "outsider@example.com", Active: true, CreatedAt: T0, UpdatedAt: T0}
	if err := wrapped.CreateUser(ctx, outsider); err != nil {
		t.Fatal(err)
	}
	if err := wrapped.SetMember(ctx, store.Member{Workspace: "elsewhere", UserID: outsider.ID, Role: store.RoleBuilder, Source: "manual", CreatedAt: T0}); err != nil {
		t.Fatal(err)
	}
	p.AddToken(t, "bst_outsider", store.Token{ID: "tok-outsider", Name: "outsider", Role: store.RoleBuilder,
		Workspace: store.DefaultWorkspace, UserID: outsider.ID})
	return p
}

// known reports whether a connector exists.
func known(id string) bool {
	_, ok := connectors.Lookup(id)
	return ok
}

// AddToken stores a token whose secret is secret.
func (p *People) AddToken(t testing.TB, secret string, tok store.Token) {
	t.Helper()
	sum := sha256.Sum256([]byte(secret))
	tok.Hash = sum[:]
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = T0
	}
	if err := p.Store.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}
