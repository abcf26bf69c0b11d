package auth_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/bistro-dev/bistro/internal/auth/oidctest"
	"github.com/bistro-dev/bistro/internal/clock/clocktest"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
)

// t0 is now: the stores judge token expiry by the wall clock.
var t0 = time.Now().UTC().Truncate(time.Second)

type fixture struct {
	st    store.Store
	svc   *auth.Service
	clock *clocktest.Manual
	admin auth.SignedIn
}

var here = auth.Client{Address: "192.0.2.1", UserAgent: "test"}

// newService is the service on a SQLite store of the test's own, with
// the first admin set up.
func newService(t *testing.T, cfg auth.Config) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), sqlite.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{st: st, clock: clocktest.NewManual(t0)}
	cfg.Store, cfg.Audit, cfg.Clock = st, audit.Log{Store: st}, f.clock
	f.svc = auth.New(cfg)
	f.admin, err = f.svc.Setup(t.Context(), auth.NewUser{Email: "it@example.com", Name: "IT", Password: "correct horse battery"}, here)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// person adds a user with a password and a role in the default workspace.
func (f *fixture) person(t *testing.T, email, role string) store.User {
	t.Helper()
	u, err := f.svc.CreateUser(t.Context(), auth.NewUser{Email: email, Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		if _, err := f.svc.SetMember(t.Context(), store.DefaultWorkspace, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func kind(t *testing.T, err error, want auth.Kind) {
	t.Helper()
	if auth.KindOf(err) != want {
		t.Fatalf("error %v (kind %d); want kind %d", err, auth.KindOf(err), want)
	}
}

func TestSetupOnlyOnce(t *testing.T) {
	t.Parallel()
	f := newService(t, auth.Config{})
	if need, err := f.svc.NeedsSetup(t.Context()); err != nil || need {
		t.Fatalf("NeedsSetup after setup = %v, %v", need, err)
	}
	if !f.admin.User.Admin || f.admin.Secret == "" {
		t.Errorf("the first user = %+v; want an admin with a session", f.admin.User)
	}
	_, err := f.svc.Setup(t.Context(), auth.NewUser{Email: "eve@example.com", Password: "another long one"}, here)
	kind(t, err, auth.Forbidden)
}

func TestSignInAndLockout(t *testing.T) {
	t.Parallel()
	f := newService(t, auth.Config{LockAfter: 3, LockFor: 10 * time.Minute})
	ctx := t.Context()
	f.person(t, "sam@example.com", store.RoleBuilder)

	// A wrong password and an unknown email get the same answer.
	_, wrong := f.svc.SignIn(ctx, "sam@example.com", "nope", here)
	_, unknown := f.svc.SignIn(ctx, "nobody@example.com", "nope", here)
	kind(t, wrong, auth.Unauthenticated)
	if wrong.Error() != unknown.Error() {
		t.Errorf("wrong password %q, unknown email %q: the answers differ", wrong, unknown)
	}
	// Emails are matched without case and spaces.
	si, err := f.svc.SignIn(ctx, "  Sam@Example.com ", "a long enough secret", here)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Session(ctx, si.Secret)
	if err != nil || p.User.Email != "sam@example.com" {
		t.Fatalf("Session = %+v, %v", p.User, err)
	}
	// A success clears the count: three more wrong ones lock the account,
	// and then even the right password is refused until the lock ends.
	for i := range 3 {
		_, err = f.svc.SignIn(ctx, "sam@example.com", "nope", here)
		if i < 2 {
			kind(t, err, auth.Unauthenticated)
		}
	}
	kind(t, err, auth.Limited)
	_, err = f.svc.SignIn(ctx, "sam@example.com", "a long enough secret", here)
	kind(t, err, auth.Limited)
	var e *auth.Error
	if !errors.As(err, &e) || e.RetryAfter != 10*time.Minute || !strings.Contains(e.Message, "in 10 minutes") {
		t.Errorf("locked: %+v", e)
	}
	f.clock.Advance(10*time.Minute + time.Second)
	if _, err := f.svc.SignIn(ctx, "sam@example.com", "a long enough secret", here); err != nil {
		t.Errorf("after the lock: %v", err)
	}

	// Every attempt is in the audit log, never with the password.
	events, err := f.st.ListAudit(ctx, store.AuditFilter{Action: "auth", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, ev := range events {
		if ev.Action == "auth.sign_in_failed" {
			failed++
		}
		if strings.Contains(string(ev.After), "nope") || strings.Contains(string(ev.After), "secret") {
			t.Errorf("event %s holds a password: %s", ev.Action, ev.After)
		}
	}
	if failed != 6 {
		t.Errorf("%d failed sign-ins in the log; want 6", failed)
	}
}

func TestSignInRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	f := newService(t, auth.Config{SignInLimit: auth.NewLimiter(time.Minute, 2, 100)})
	for range 2 {
		_, err := f.svc.SignIn(t.Context(), "it@example.com", "nope", here)
		kind(t, err, auth.Unauthenticated)
	}
	_, err := f.svc.SignIn(t.Context(), "it@example.com", "correct horse battery", here)
	kind(t, err, auth.Limited)
	// Another address is not slowed by this one.
	if _, err := f.svc.SignIn(t.Context(), "it@example.com", "correct horse battery", auth.Client{Address: "192.0.2.9"}); err != nil {
		t.Error(err)
	}
}

func TestTokensNeverExceedTheirCreator(t *testing.T) {
	t.Parallel()
	f := newService(t, auth.Config{})
	ctx := t.Context()
	u := f.person(t, "op@example.com", store.RoleOperator)
	op := auth.Principal{User: u}

	_, _, err := f.svc.CreateToken(ctx, op, auth.NewToken{Name: "too much", Role: store.RoleBuilder, Workspace: store.DefaultWorkspace})
	kind(t, err, auth.Forbidden)
	_, _, err = f.svc.CreateToken(ctx, op, auth.NewToken{Name: "admin", Role: store.RoleAdmin})
	kind(t, err, auth.Forbidden)
	_, _, err = f.svc.CreateToken(ctx, op, auth.NewToken{Name: "", Role: store.RoleViewer, Workspace: store.DefaultWorkspace})
	kind(t, err, auth.Invalid)

	tok, secret, err := f.svc.CreateToken(ctx, op, auth.NewToken{Name: "nightly", Role: store.RoleOperator,
		Workspace: store.DefaultWorkspace, ExpiresIn: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Token(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if role, _ := f.svc.Role(ctx, p, store.DefaultWorkspace); role != store.RoleOperator {
		t.Errorf("the token's role = %q; want operator", role)
	}
	// Lowered to viewer, the person's token may only view, whatever it says.
	if _, err := f.svc.SetMember(ctx, store.DefaultWorkspace, u.ID, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if role, _ := f.svc.Role(ctx, p, store.DefaultWorkspace); role != store.RoleViewer {
		t.Errorf("after the demotion the token's role = %q; want viewer", role)
	}
	// Out of the workspace, it may do nothing there.
	if err := f.svc.RemoveMember(ctx, store.DefaultWorkspace, u.ID); err != nil {
		t.Fatal(err)
	}
	if role, _ := f.svc.Role(ctx, p, store.DefaultWorkspace); role != "" {
		t.Errorf("after leaving the token's role = %q; want none", role)
	}
	// It expires.
	f.clock.Advance(25 * time.Hour)
	_, err = f.svc.Token(ctx, secret)
	kind(t, err, auth.Unauthenticated)

	// Revoked, it stops at once; another person cannot revoke it.
	_, secret2, err := f.svc.CreateToken(ctx, auth.Principal{User: f.admin.User}, auth.NewToken{Name: "ci", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	kind(t, f.svc.RevokeToken(ctx, op, tok.ID), 0)
	p2, err := f.svc.Token(ctx, secret2)
	if err != nil || !p2.Admin() {
		t.Fatalf("admin token: %+v, %v", p2, err)
	}
	kind(t, f.svc.RevokeToken(ctx, op, p2.Token.ID), auth.NotFound)
	if err := f.svc.RevokeToken(ctx, auth.Principal{User: f.admin.User}, p2.Token.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Token(ctx, secret2)
	kind(t, err, auth.Unauthenticated)
}

func TestDeactivationEndsEverythingAtOnce(t *testing.T) {
	t.Parallel()
	f := newService(t, auth.Config{})
	ctx := t.Context()
	leaver := f.person(t, "leaver@example.com", store.RoleBuilder)
	heir := f.person(t, "heir@example.com", store.RoleBuilder)
	si, err := f.svc.SignIn(ctx, "leaver@example.com", "a long enough secret", here)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := f.svc.CreateToken(ctx, auth.Principal{User: leaver}, auth.NewToken{Name: "sync", Role: store.RoleBuilder, Workspace: store.DefaultWorkspace})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.st.PutFlow(ctx, store.PutFlow{Workspace: store.DefaultWorkspace, Name: "payroll", Trigger: "manual",
		Document: []byte("name: payroll\n"), Format: "yaml", Owner: leaver.ID}); err != nil {
		t.Fatal(err)
	}

	admin := auth.Principal{User: f.admin.User}
	_, err = f.svc.Deactivate(ctx, admin, leaver.ID, leaver.ID)
	kind(t, err, auth.Invalid)
	_, err = f.svc.Deactivate(ctx, admin, f.admin.User.ID, "")
	kind(t, err, auth.Conflict)

	d, err := f.svc.Deactivate(ctx, admin, leaver.ID, heir.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Sessions != 1 || d.Tokens != 1 || d.Flows != 1 {
		t.Errorf("deactivated: %+v; want 1 session, 1 token, 1 flow", d)
	}
	_, err = f.svc.Session(ctx, si.Secret)
	kind(t, err, auth.Unauthenticated)
	_, err = f.svc.Token(ctx, secret)
	kind(t, err, auth.Unauthenticated)
	_, err = f.svc.SignIn(ctx, "leaver@example.com", "a long enough secret", here)
	kind(t, err, auth.Unauthenticated)
	flow, err := f.st.GetFlow(ctx, store.DefaultWorkspace, "payroll")
	if err != nil || flow.Owner != heir.ID {
		t.Errorf("the flow after the hand-over: owner %q (%v); want %s", flow.Owner, err, heir.ID)
	}
	// Back, they may sign in, but have no roles until given them again.
	if _, err := f.svc.Reactivate(ctx, leaver.ID); err != nil {
		t.Fatal(err)
	}
	back, err := f.svc.SignIn(ctx, "leaver@example.com", "a long enough secret", here)
	if err != nil {
		t.Fatal(err)
	}
	if ws, _ := f.svc.Workspaces(ctx, auth.Principal{User: back.User}); len(ws) != 0 {
		t.Errorf("workspaces after coming back: %+v; want none", ws)
	}
}

func TestPasswordResetAndChange(t *testing.T) {
	t.Parallel()
	f := newService(t, auth.Config{})
	ctx := t.Context()
	u := f.person(t, "ana@example.com", store.RoleViewer)
	old, err := f.svc.SignIn(ctx, "ana@example.com", "a long enough secret", here)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.ResetPassword(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	kind(t, f.svc.CompleteReset(ctx, r.Secret, "short", here), auth.Invalid)
	if err := f.svc.CompleteReset(ctx, r.Secret, "a brand new passphrase", here); err != nil {
		t.Fatal(err)
	}
	kind(t, f.svc.CompleteReset(ctx, r.Secret, "yet another passphrase", here), auth.Invalid) // used once
	_, err = f.svc.Session(ctx, old.Secret)
	kind(t, err, auth.Unauthenticated)
	si, err := f.svc.SignIn(ctx, "ana@example.com", "a brand new passphrase", here)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ChangePassword(ctx, auth.Principal{User: si.User}, "wrong", "the third passphrase", here)
	kind(t, err, auth.Invalid)
	if _, err := f.svc.ChangePassword(ctx, auth.Principal{User: si.User}, "a brand new passphrase", "the third passphrase", here); err != nil {
		t.Fatal(err)
	}
	// A reset link expires after a day.
	r, err = f.svc.ResetPassword(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(auth.DefaultResetLifetime + time.Second)
	kind(t, f.svc.CompleteReset(ctx, r.Secret, "a fourth passphrase", here), auth.Invalid)
}

func TestLastAdminStays(t *testing.T) {
	t.Parallel()
	f := newService(t, auth.Config{})
	no := false
	_, err := f.svc.UpdateUser(t.Context(), f.admin.User.ID, auth.UserChange{Admin: &no})
	kind(t, err, auth.Conflict)
}

// TestSingleSignOn signs in through an identity provider started in the
// test: the person is created, their groups give roles, a changed group
// takes them away, and a forged state is refused.
func TestSingleSignOn(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t)
	const redirect = "https://bistro.example.com/auth/sso/callback"
	o, err := auth.NewOIDC(t.Context(), auth.OIDCConfig{Issuer: idp.Issuer(), ClientID: idp.ClientID,
		ClientSecret: idp.ClientSecret, RedirectURL: redirect}, idp.Client())
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), sqlite.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	if err := st.CreateWorkspace(ctx, store.Workspace{ID: "hr", Name: "HR", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	groups := []auth.GroupRole{{Group: "hr-team", Workspace: "hr", Role: store.RoleBuilder},
		{Group: "everyone", Workspace: store.DefaultWorkspace, Role: store.RoleViewer},
		{Group: "finance-team", Workspace: "finance", Role: store.RoleOwner}} // no such workspace yet
	sso, err := auth.NewSSO(ctx, st, o, groups, []string{"it-admins"})
	if err != nil {
		t.Fatal(err)
	}
	if missing, err := sso.MissingWorkspaces(ctx, st); err != nil || len(missing) != 1 || missing[0] != "finance" {
		t.Errorf("missing workspaces: %v, %v", missing, err)
	}
	svc := auth.New(auth.Config{Store: st, Audit: audit.Log{Store: st}, SSO: sso})

	signIn := func(t *testing.T) (auth.SignedIn, error) {
		t.Helper()
		to, cookie, err := svc.BeginSSO()
		if err != nil {
			t.Fatal(err)
		}
		back, err := idp.Authorize(to)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.Parse(back)
		return svc.FinishSSO(ctx, cookie, q.Query().Get("state"), q.Query().Get("code"), here)
	}
	roles := func(t *testing.T, u store.User) map[string]string {
		t.Helper()
		ws, err := svc.Workspaces(ctx, auth.Principal{User: u})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, w := range ws {
			out[w.Workspace.ID] = w.Role
		}
		return out
	}

	idp.SetUser("u-7", "Ana@Example.com", "Ana", []string{"hr-team", "everyone", "finance-team"})
	si, err := signIn(t)
	if err != nil {
		t.Fatal(err)
	}
	if si.User.Email != "ana@example.com" || si.User.Admin {
		t.Errorf("user from SSO: %+v", si.User)
	}
	if got := roles(t, si.User); got["hr"] != store.RoleBuilder || got[store.DefaultWorkspace] != store.RoleViewer || len(got) != 2 {
		t.Errorf("roles from groups: %v", got)
	}
	// Out of hr-team at the provider: out of hr at the next sign-in; a
	// role given by hand stays.
	if err := st.CreateWorkspace(ctx, store.Workspace{ID: "ops", Name: "Ops", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMember(ctx, store.Member{Workspace: "ops", UserID: si.User.ID, Role: store.RoleOwner, Source: "manual", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	idp.SetUser("u-7", "ana@example.com", "Ana", []string{"everyone"})
	again, err := signIn(t)
	if err != nil {
		t.Fatal(err)
	}
	if again.User.ID != si.User.ID {
		t.Errorf("the second sign-in made another user: %s, %s", again.User.ID, si.User.ID)
	}
	if got := roles(t, again.User); got["hr"] != "" || got[store.DefaultWorkspace] != store.RoleViewer || got["ops"] != store.RoleOwner {
		t.Errorf("roles after leaving hr-team: %v", got)
	}
	// In the admin group: a platform admin.
	idp.SetUser("u-7", "ana@example.com", "Ana", []string{"it-admins"})
	admin, err := signIn(t)
	if err != nil || !admin.User.Admin {
		t.Errorf("in it-admins: admin %v, %v", admin.User.Admin, err)
	}

	// A state cookie from elsewhere, or tampered with, is refused.
	to, cookie, err := svc.BeginSSO()
	if err != nil {
		t.Fatal(err)
	}
	back, err := idp.Authorize(to)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(back)
	_, err = svc.FinishSSO(ctx, cookie+"x", q.Query().Get("state"), q.Query().Get("code"), here)
	kind(t, err, auth.Unauthenticated)
	_, other, _ := svc.BeginSSO()
	_, err = svc.FinishSSO(ctx, other, q.Query().Get("state"), q.Query().Get("code"), here)
	kind(t, err, auth.Unauthenticated)
	// A deactivated person cannot come back through SSO.
	if _, err := st.DeactivateUser(ctx, store.Deactivation{UserID: si.User.ID, At: t0}); err != nil {
		t.Fatal(err)
	}
	_, err = signIn(t)
	kind(t, err, auth.Forbidden)
}
