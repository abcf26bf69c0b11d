package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/bistro-dev/bistro/internal/store"
)

// cookieOf is the session cookie a sign-in answered with.
func cookieOf(t *testing.T, r response) string {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "bistro_session" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v: want HttpOnly and SameSite=Lax", c)
			}
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no session cookie in %v", r.header)
	return ""
}

// TestSignInWithPassword signs in as a person, uses the session cookie,
// is refused a cross-site change, and signs out.
func TestSignInWithPassword(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	u, err := f.people.Auth.CreateUser(ctx, auth.NewUser{Email: "sam@example.com", Name: "Sam", Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.people.Auth.SetMember(ctx, store.DefaultWorkspace, u.ID, store.RoleBuilder); err != nil {
		t.Fatal(err)
	}

	bad := f.do(t, "POST", "/api/v1/session", "-", `{"email":"sam@example.com","password":"wrong"}`)
	if bad.status != http.StatusUnauthorized || strings.Contains(bad.raw, "wrong") {
		t.Errorf("wrong password: %d %s", bad.status, bad.raw)
	}
	in := f.do(t, "POST", "/api/v1/session", "-", `{"email":"sam@example.com","password":"a long enough secret"}`)
	if in.status != http.StatusOK || in.str("user.email") != "sam@example.com" || in.str("workspaces.0.role") != "builder" {
		t.Fatalf("sign-in: %d %s", in.status, in.raw)
	}
	cookie := http.Header{"Cookie": {cookieOf(t, in)}}

	me := f.doWith(t, "GET", "/api/v1/me", "-", "", cookie)
	if me.status != http.StatusOK || me.str("via") != "session" || me.str("workspace") != "default" {
		t.Errorf("me: %d %s", me.status, me.raw)
	}
	if got := f.doWith(t, "GET", "/api/v1/flows", "-", "", cookie); got.status != http.StatusOK {
		t.Errorf("flows with the session: %d %s", got.status, got.raw)
	}
	// A builder is not an admin.
	if got := f.doWith(t, "GET", "/api/v1/users", "-", "", cookie); got.status != http.StatusForbidden ||
		!strings.Contains(got.str("detail"), "only platform admins") {
		t.Errorf("users as a builder: %d %s", got.status, got.raw)
	}
	// Another site's page cannot use the session to change anything.
	cross := http.Header{"Cookie": cookie["Cookie"], "Sec-Fetch-Site": {"cross-site"}}
	if got := f.doWith(t, "POST", "/api/v1/flows/leads/disable", "-", "", cross); got.status != http.StatusForbidden ||
		!strings.Contains(got.raw, "another web site") {
		t.Errorf("cross-site disable: %d %s", got.status, got.raw)
	}
	if f.backend.Flows["leads"].Enabled != true {
		t.Error("the cross-site request disabled the flow")
	}
	// Webhooks are called from anywhere.
	if got := f.doWith(t, "POST", "/hooks/whleads", "-", `{}`, http.Header{"Sec-Fetch-Site": {"cross-site"}}); got.status == http.StatusForbidden {
		t.Errorf("cross-site webhook: %d %s", got.status, got.raw)
	}

	out := f.doWith(t, "DELETE", "/api/v1/session", "-", "", cookie)
	if out.status != http.StatusNoContent {
		t.Fatalf("sign-out: %d %s", out.status, out.raw)
	}
	if got := f.doWith(t, "GET", "/api/v1/me", "-", "", cookie); got.status != http.StatusUnauthorized {
		t.Errorf("me after sign-out: %d", got.status)
	}
}

// TestSetupOnlyFromTheMachine creates the first admin over the API: the
// test server is on 127.0.0.1, a proxied request is not.
func TestSetupOnlyFromTheMachine(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if got := f.do(t, "GET", "/api/v1/setup", "-", ""); got.str("needed") != "true" || got.str("local") != "true" {
		t.Fatalf("setup state: %s", got.raw)
	}
	body := `{"email":"it@example.com","password":"correct horse battery"}`
	proxied := f.doWith(t, "POST", "/api/v1/setup", "-", body, http.Header{"X-Forwarded-For": {"203.0.113.9"}})
	if proxied.status != http.StatusForbidden || !strings.Contains(proxied.str("detail"), "server's own machine") {
		t.Errorf("proxied setup: %d %s", proxied.status, proxied.raw)
	}
	short := f.do(t, "POST", "/api/v1/setup", "-", `{"email":"it@example.com","password":"short"}`)
	if short.status != http.StatusUnprocessableEntity || short.str("errors.0.location") != "body.password" {
		t.Errorf("short password: %d %s", short.status, short.raw)
	}
	ok := f.do(t, "POST", "/api/v1/setup", "-", body)
	if ok.status != http.StatusCreated || ok.str("admin") != "true" {
		t.Fatalf("setup: %d %s", ok.status, ok.raw)
	}
	cookieOf(t, ok)
	if again := f.do(t, "POST", "/api/v1/setup", "-", body); again.status != http.StatusForbidden {
		t.Errorf("second setup: %d %s", again.status, again.raw)
	}
}

// TestOwnersManageMembersAndTokens has an admin add a person, make them
// an owner, and the owner add a viewer whose token cannot do more.
func TestOwnersManageMembersAndTokens(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, email := range []string{"olga@example.com", "vic@example.com"} {
		if got := f.do(t, "POST", "/api/v1/users", "", `{"email":"`+email+`","password":"a long enough secret"}`); got.status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", email, got.status, got.raw)
		}
	}
	if got := f.do(t, "PUT", "/api/v1/workspaces/default/members", "", `{"email":"olga@example.com","role":"owner"}`); got.status != http.StatusOK {
		t.Fatalf("make olga owner: %d %s", got.status, got.raw)
	}
	in := f.do(t, "POST", "/api/v1/session", "-", `{"email":"olga@example.com","password":"a long enough secret"}`)
	olga := http.Header{"Cookie": {cookieOf(t, in)}}
	if got := f.doWith(t, "PUT", "/api/v1/workspaces/default/members", "-", `{"email":"vic@example.com","role":"viewer"}`, olga); got.status != http.StatusOK {
		t.Fatalf("olga adds vic: %d %s", got.status, got.raw)
	}
	if got := f.doWith(t, "PUT", "/api/v1/workspaces/elsewhere/members", "-", `{"email":"vic@example.com","role":"viewer"}`, olga); got.status != http.StatusForbidden {
		t.Errorf("olga in another workspace: %d %s", got.status, got.raw)
	}
	members := f.doWith(t, "GET", "/api/v1/workspaces/default/members", "-", "", olga)
	if !strings.Contains(members.raw, "vic@example.com") || !strings.Contains(members.raw, `"role":"owner"`) {
		t.Errorf("members: %s", members.raw)
	}

	in = f.do(t, "POST", "/api/v1/session", "-", `{"email":"vic@example.com","password":"a long enough secret"}`)
	vic := http.Header{"Cookie": {cookieOf(t, in)}}
	if got := f.doWith(t, "POST", "/api/v1/tokens", "-", `{"name":"more","role":"builder"}`, vic); got.status != http.StatusForbidden ||
		got.str("errors.0.location") != "body.role" {
		t.Errorf("a viewer's builder token: %d %s", got.status, got.raw)
	}
	tok := f.doWith(t, "POST", "/api/v1/tokens", "-", `{"name":"report","role":"viewer"}`, vic)
	secret := tok.str("secret")
	if tok.status != http.StatusCreated || !strings.HasPrefix(secret, "bistro_") || tok.str("token.workspace") != "default" {
		t.Fatalf("vic's token: %d %s", tok.status, tok.raw)
	}
	if got := f.do(t, "GET", "/api/v1/flows", secret, ""); got.status != http.StatusOK {
		t.Errorf("flows with vic's token: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "POST", "/api/v1/flows/leads/disable", secret, ""); got.status != http.StatusForbidden ||
		!strings.Contains(got.str("detail"), "needs the role builder") {
		t.Errorf("disable with vic's token: %d %s", got.status, got.raw)
	}
	list := f.doWith(t, "GET", "/api/v1/tokens", "-", "", vic)
	if strings.Contains(list.raw, secret) || !strings.Contains(list.raw, "report") || strings.Contains(list.raw, "bst_") {
		t.Errorf("vic's tokens: %s", list.raw)
	}
	// Removed from the workspace, vic's token stops working there.
	if got := f.doWith(t, "DELETE", "/api/v1/workspaces/default/members/"+in.str("user.id"), "-", "", olga); got.status != http.StatusNoContent {
		t.Fatalf("remove vic: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "GET", "/api/v1/flows", secret, ""); got.status != http.StatusForbidden {
		t.Errorf("flows after removal: %d %s", got.status, got.raw)
	}
}
