package oidctest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

const redirect = "https://app.example.com/callback?from=test"

// setup starts a provider and an oauth2 client of it that sends its
// secret as style says.
func setup(t *testing.T, style oauth2.AuthStyle) (*Provider, *oauth2.Config) {
	t.Helper()
	p := New(t)
	return p, &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: redirect,
		Scopes:   []string{oidc.ScopeOpenID},
		Endpoint: oauth2.Endpoint{AuthURL: p.Issuer() + "/authorize", TokenURL: p.Issuer() + "/token", AuthStyle: style}}
}

// authorize runs the authorization with a PKCE verifier and returns the
// code.
func authorize(t *testing.T, p *Provider, c *oauth2.Config, verifier string) string {
	t.Helper()
	callback, err := p.Authorize(c.AuthCodeURL("st", oidc.Nonce("n-1"), oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(callback)
	q := u.Query()
	if q.Get("state") != "st" || q.Get("from") != "test" || q.Get("code") == "" {
		t.Fatalf("callback %s lost the state, the redirect's query or the code", callback)
	}
	return q.Get("code")
}

func TestDiscoveryAndKeys(t *testing.T) {
	t.Parallel()
	p := New(t)
	var d map[string]any
	getJSON(t, p, "/.well-known/openid-configuration", &d)
	if d["issuer"] != p.Issuer() || d["token_endpoint"] != p.Issuer()+"/token" || d["jwks_uri"] != p.Issuer()+"/jwks" {
		t.Errorf("discovery = %v", d)
	}
	var set jose.JSONWebKeySet
	getJSON(t, p, "/jwks", &set)
	if len(set.Key(keyID)) != 1 || !set.Keys[0].Valid() || !set.Keys[0].IsPublic() {
		t.Errorf("key set = %+v; want one public key %s", set, keyID)
	}
}

func getJSON(t *testing.T, p *Provider, path string, v any) {
	t.Helper()
	resp, err := p.Client().Get(p.Issuer() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestAuthorizeRefusesBadRequests(t *testing.T) {
	t.Parallel()
	p, c := setup(t, oauth2.AuthStyleInHeader)
	good := url.Values{"client_id": {p.ClientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"code_challenge": {"abc"}, "code_challenge_method": {"S256"}}
	for name, change := range map[string][2]string{
		"unknown client":   {"client_id", "someone-else"},
		"no redirect":      {"redirect_uri", ""},
		"relative":         {"redirect_uri", "/callback"},
		"implicit flow":    {"response_type", "token"},
		"plain PKCE":       {"code_challenge_method", "plain"},
		"no PKCE":          {"code_challenge", ""},
		"no PKCE method":   {"code_challenge_method", ""},
		"response missing": {"response_type", ""},
	} {
		q := maps.Clone(good) // Set replaces a value's slice, so a shallow copy will do
		q.Set(change[0], change[1])
		if cb, err := p.Authorize(c.Endpoint.AuthURL + "?" + q.Encode()); err == nil {
			t.Errorf("%s: authorized, redirecting to %s", name, cb)
		}
	}
	if _, err := p.Authorize(c.Endpoint.AuthURL + "?" + good.Encode()); err != nil {
		t.Errorf("a good request refused: %v", err)
	}
}

func TestTokenIssuesAVerifiableIDToken(t *testing.T) {
	t.Parallel()
	for name, style := range map[string]oauth2.AuthStyle{"basic": oauth2.AuthStyleInHeader, "post": oauth2.AuthStyleInParams} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, c := setup(t, style)
			p.SetUser("s-7", "lee@example.com", "Lee", []string{"ops"})
			v := oauth2.GenerateVerifier()
			tok, err := c.Exchange(oidc.ClientContext(t.Context(), p.Client()), authorize(t, p, c, v), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			idt := verify(t, p, tok)
			var claims struct {
				Email  string   `json:"email"`
				Groups []string `json:"groups"`
			}
			_ = idt.Claims(&claims)
			if idt.Subject != "s-7" || idt.Nonce != "n-1" || claims.Email != "lee@example.com" || !slices.Equal(claims.Groups, []string{"ops"}) {
				t.Errorf("ID token: sub %q nonce %q claims %+v", idt.Subject, idt.Nonce, claims)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
		})
	}
}

func verify(t *testing.T, p *Provider, tok *oauth2.Token) *oidc.IDToken {
	t.Helper()
	ctx := oidc.ClientContext(t.Context(), p.Client())
	prov, err := oidc.NewProvider(ctx, p.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&oidc.Config{ClientID: p.ClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	return idt
}

func TestTokenRefusals(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		spoil func(c *oauth2.Config, code, verifier *string)
		want  string
	}{
		"wrong secret":   {func(c *oauth2.Config, _, _ *string) { c.ClientSecret = "guess" }, "invalid_client"},
		"wrong verifier": {func(_ *oauth2.Config, _, v *string) { *v = oauth2.GenerateVerifier() }, "code_verifier does not match"},
		"no verifier":    {func(_ *oauth2.Config, _, v *string) { *v = "" }, "code_verifier does not match"},
		"wrong redirect": {func(c *oauth2.Config, _, _ *string) { c.RedirectURL = "https://evil.example.com/" }, "redirect_uri differs"},
		"unknown code":   {func(_ *oauth2.Config, code, _ *string) { *code = "made-up" }, "the code is unknown"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, cfg := setup(t, oauth2.AuthStyleInHeader)
			v := oauth2.GenerateVerifier()
			code := authorize(t, p, cfg, v)
			c.spoil(cfg, &code, &v)
			_, err := cfg.Exchange(oidc.ClientContext(t.Context(), p.Client()), code, oauth2.VerifierOption(v))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("exchange: %v; want an error with %q", err, c.want)
			}
		})
	}
}

func TestCodesAreSingleUse(t *testing.T) {
	t.Parallel()
	p, c := setup(t, oauth2.AuthStyleInHeader)
	v := oauth2.GenerateVerifier()
	code := authorize(t, p, c, v)
	ctx := oidc.ClientContext(t.Context(), p.Client())
	if _, err := c.Exchange(ctx, code, oauth2.VerifierOption(v)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exchange(ctx, code, oauth2.VerifierOption(v)); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("second exchange: %v; want the code refused", err)
	}
}

func TestTokenRefusesOtherGrants(t *testing.T) {
	t.Parallel()
	p := New(t)
	resp, err := p.Client().PostForm(p.Issuer()+"/token", url.Values{"grant_type": {"password"},
		"client_id": {p.ClientID}, "client_secret": {p.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var e struct{ Error string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusBadRequest || e.Error != "unsupported_grant_type" {
		t.Errorf("password grant: %s %q; want 400 unsupported_grant_type", resp.Status, e.Error)
	}
}
