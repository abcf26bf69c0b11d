package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/auth/oidctest"
)

const testRedirect = "https://bistro.example.com/auth/callback"

// setupOIDC starts a provider and an OIDC client of it.
func setupOIDC(t *testing.T) (*oidctest.Provider, *OIDC) {
	t.Helper()
	p := oidctest.New(t)
	o, err := NewOIDC(t.Context(), OIDCConfig{Issuer: p.Issuer(), ClientID: p.ClientID,
		ClientSecret: p.ClientSecret, RedirectURL: testRedirect}, p.Client())
	if err != nil {
		t.Fatal(err)
	}
	return p, o
}

// signIn runs a sign-in through the provider: what Begin kept, and the
// state and code of the callback.
func signIn(t *testing.T, p *oidctest.Provider, o *OIDC) (Pending, string, string) {
	t.Helper()
	authURL, pending, err := o.Begin()
	if err != nil {
		t.Fatal(err)
	}
	callback, err := p.Authorize(authURL)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(callback)
	if err != nil || !strings.HasPrefix(callback, testRedirect+"?") {
		t.Fatalf("callback %q (%v); want one to %s", callback, err, testRedirect)
	}
	return pending, u.Query().Get("state"), u.Query().Get("code")
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	p, o := setupOIDC(t)
	p.SetUser("u-42", "ana@example.com", "Ana Lopez", []string{"hr-team", "finance"})
	pending, state, code := signIn(t, p, o)
	id, err := o.Finish(t.Context(), pending, state, code)
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{Issuer: p.Issuer(), Subject: "u-42", Email: "ana@example.com", EmailVerified: true,
		Name: "Ana Lopez", Groups: []string{"hr-team", "finance"}}
	if id.Issuer != want.Issuer || id.Subject != want.Subject || id.Email != want.Email ||
		id.EmailVerified != want.EmailVerified || id.Name != want.Name || !slices.Equal(id.Groups, want.Groups) {
		t.Errorf("identity = %+v; want %+v", id, want)
	}
	if _, err := o.Finish(t.Context(), pending, state, code); err == nil {
		t.Error("a code redeemed twice was accepted")
	}
}

func TestOIDCBeginIsFreshEachTime(t *testing.T) {
	t.Parallel()
	_, o := setupOIDC(t)
	u1, p1, _ := o.Begin()
	_, p2, _ := o.Begin()
	if p1.State == p2.State || p1.Nonce == p2.Nonce || p1.Verifier == p2.Verifier {
		t.Errorf("two sign-ins share a secret: %+v %+v", p1, p2)
	}
	q, _ := url.Parse(u1)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Query().Get(k) == "" {
			t.Errorf("the authorization URL %s has no %s", u1, k)
		}
	}
	if strings.Contains(u1, p1.Verifier) {
		t.Error("the PKCE verifier is in the authorization URL; only its challenge may be")
	}
}

func TestOIDCGroupsClaim(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		claim string
		value any
		want  []string
	}{
		"a single string":  {"groups", "hr-team", []string{"hr-team"}},
		"a custom claim":   {"roles", []string{"a", "b"}, []string{"a", "b"}},
		"no groups at all": {"groups", nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := oidctest.New(t)
			p.SetClaim(c.claim, c.value)
			o, err := NewOIDC(t.Context(), OIDCConfig{Issuer: p.Issuer(), ClientID: p.ClientID,
				ClientSecret: p.ClientSecret, RedirectURL: testRedirect, GroupsClaim: c.claim}, p.Client())
			if err != nil {
				t.Fatal(err)
			}
			pending, state, code := signIn(t, p, o)
			id, err := o.Finish(t.Context(), pending, state, code)
			if err != nil || !slices.Equal(id.Groups, c.want) {
				t.Errorf("groups = %q, %v; want %q", id.Groups, err, c.want)
			}
		})
	}
}

func TestOIDCGroupsNotStrings(t *testing.T) {
	t.Parallel()
	p, o := setupOIDC(t)
	p.SetClaim("groups", map[string]int{"hr": 1})
	pending, state, code := signIn(t, p, o)
	_, err := o.Finish(t.Context(), pending, state, code)
	wantPlain(t, err, `the identity provider's "groups" claim is not a list of group names`)
}

func TestOIDCEmailVerifiedAsString(t *testing.T) {
	t.Parallel()
	p, o := setupOIDC(t)
	p.SetClaim("email_verified", "true")
	pending, state, code := signIn(t, p, o)
	if id, err := o.Finish(t.Context(), pending, state, code); err != nil || !id.EmailVerified {
		t.Errorf("email_verified \"true\" read as %v (%v); want true", id.EmailVerified, err)
	}
}

func TestOIDCStateMismatch(t *testing.T) {
	t.Parallel()
	p, o := setupOIDC(t)
	pending, _, code := signIn(t, p, o)
	for _, state := range []string{"", "another-state"} {
		_, err := o.Finish(t.Context(), pending, state, code)
		wantPlain(t, err, "the sign-in took too long or was started in another browser; please try again")
	}
	_, err := o.Finish(t.Context(), Pending{}, "", code)
	wantPlain(t, err, "the sign-in took too long or was started in another browser")
}

func TestOIDCWrongVerifier(t *testing.T) {
	t.Parallel()
	p, o := setupOIDC(t)
	pending, state, code := signIn(t, p, o)
	pending.Verifier = "a-verifier-that-was-never-sent-as-a-challenge-000000"
	_, err := o.Finish(t.Context(), pending, state, code)
	wantPlain(t, err, "the identity provider did not accept the sign-in; please try again")
	if !strings.Contains(err.Error(), "code_verifier does not match") {
		t.Errorf("error %q does not say the provider refused the PKCE verifier", err)
	}
}

func TestOIDCMisbehavingProvider(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		spoil func(*oidctest.Provider)
		want  string
	}{
		"wrong nonce":    {func(p *oidctest.Provider) { p.WrongNonce = true }, "the identity provider's answer does not belong to this sign-in"},
		"wrong audience": {func(p *oidctest.Provider) { p.WrongAudience = true }, "the identity provider's answer could not be verified"},
		"expired":        {func(p *oidctest.Provider) { p.Expired = true }, "the identity provider's answer has expired"},
		"wrong key":      {func(p *oidctest.Provider) { p.WrongKey = true }, "the identity provider's answer could not be verified"},
		"no subject":     {func(p *oidctest.Provider) { p.SetClaim("sub", nil) }, "the identity provider did not say who signed in"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, o := setupOIDC(t)
			c.spoil(p)
			pending, state, code := signIn(t, p, o)
			_, err := o.Finish(t.Context(), pending, state, code)
			wantPlain(t, err, c.want)
		})
	}
}

func TestOIDCUnreachableIssuer(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	issuer := gone.URL
	gone.Close()
	_, err := NewOIDC(t.Context(), OIDCConfig{Issuer: issuer, ClientID: "c", RedirectURL: testRedirect}, nil)
	wantPlain(t, err, "cannot reach the identity provider at "+issuer+": ")
}

func TestOIDCIssuerMismatch(t *testing.T) {
	t.Parallel()
	p := oidctest.New(t)
	issuer := p.Issuer() + "/" // a common slip, and an issuer other than the one the provider gives
	_, err := NewOIDC(t.Context(), OIDCConfig{Issuer: issuer, ClientID: p.ClientID, RedirectURL: testRedirect}, p.Client())
	wantPlain(t, err, "the identity provider at "+issuer+" gives its address as "+p.Issuer())
}

func TestOIDCConfigMissing(t *testing.T) {
	t.Parallel()
	_, err := NewOIDC(t.Context(), OIDCConfig{ClientID: "c"}, nil)
	wantPlain(t, err, "single sign-on needs the issuer (the identity provider's address), the redirect URL")
}

func TestOIDCScopes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want []string }{
		{nil, []string{"openid", "email", "profile"}},
		{[]string{"email", "groups"}, []string{"openid", "email", "groups"}},
		{[]string{"profile", "openid"}, []string{"profile", "openid"}},
	} {
		if got := scopes(c.in); !slices.Equal(got, c.want) {
			t.Errorf("scopes(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// wantPlain fails unless err's message starts with the plain words want.
func wantPlain(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v; want one starting %q", err, want)
	}
}
