// Package oidctest is an OpenID Connect provider for tests, started
// inside the test: discovery, keys, an authorization endpoint that signs
// the configured person in at once (no login page), and a token endpoint
// that checks the client, the single use of codes and PKCE. Fields make
// it misbehave, to test that a client refuses what it should.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// keyID names the provider's signing key in its key set.
const keyID = "oidctest-key"

// Provider is an OpenID Connect provider served over TLS on loopback.
// Set its misbehaviours before a sign-in starts.
type Provider struct {
	// ClientID and ClientSecret are the one client registered.
	ClientID     string
	ClientSecret string

	// WrongNonce puts a nonce other than the one asked for in ID tokens.
	WrongNonce bool
	// WrongAudience issues ID tokens for another client.
	WrongAudience bool
	// Expired issues ID tokens that expired an hour ago.
	Expired bool
	// WrongKey signs ID tokens with a key that is not in the key set.
	WrongKey bool

	srv   *httptest.Server
	key   *rsa.PrivateKey
	other *rsa.PrivateKey // for WrongKey

	mu    sync.Mutex
	user  user
	extra map[string]any
	codes map[string]grant
}

// user is the person the next authorization signs in.
type user struct {
	sub, email, name string
	groups           []string
}

// grant is what an authorization code stands for until it is redeemed.
type grant struct {
	redirectURI string
	challenge   string
	nonce       string
	user        user
	extra       map[string]any
}

// New starts a provider, stopped when the test ends. Until SetUser says
// otherwise it signs in sub "user-1", sam@example.com, "Sam Example",
// with no groups.
func New(t testing.TB) *Provider {
	t.Helper()
	p := &Provider{ClientID: "bistro-test", ClientSecret: "bistro-test-secret",
		key: newKey(t), other: newKey(t), codes: map[string]grant{},
		user: user{sub: "user-1", email: "sam@example.com", name: "Sam Example"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewTLSServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func newKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("oidctest: generate a signing key: %v", err)
	}
	return k
}

// Issuer is the provider's address, https on loopback.
func (p *Provider) Issuer() string { return p.srv.URL }

// Client is an HTTP client that trusts the provider's certificate; give
// it to the code under test.
func (p *Provider) Client() *http.Client { return p.srv.Client() }

// SetUser sets the person the next authorizations sign in.
func (p *Provider) SetUser(sub, email, name string, groups []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = user{sub: sub, email: email, name: name, groups: groups}
}

// SetClaim adds a claim to the ID tokens of the next authorizations,
// replacing a standard one of the same name (nil removes it).
func (p *Provider) SetClaim(name string, value any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.extra == nil {
		p.extra = map[string]any{}
	}
	p.extra[name] = value
}

// Authorize does what a browser does with authURL: it asks the provider,
// which signs the person in at once, and returns the callback URL the
// provider redirects to, with its code and state.
func (p *Provider) Authorize(authURL string) (callbackURL string, err error) {
	c := *p.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(authURL)
	if err != nil {
		return "", fmt.Errorf("oidctest: authorize: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("oidctest: authorize answered %s: %s", resp.Status, body)
	}
	return resp.Header.Get("Location"), nil
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer(),
		"authorization_endpoint":                p.Issuer() + "/authorize",
		"token_endpoint":                        p.Issuer() + "/token",
		"jwks_uri":                              p.Issuer() + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{string(jose.RS256)},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: keyID, Algorithm: string(jose.RS256), Use: "sig"},
	}}
	writeJSON(w, http.StatusOK, set)
}

// authorize signs the current user in and redirects to the client's
// callback with a new code.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != p.ClientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("redirect_uri") == "" || err != nil || !redirect.IsAbs():
		http.Error(w, "redirect_uri is missing or not an absolute URL", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "PKCE with code_challenge_method S256 is required", http.StatusBadRequest)
		return
	}
	code := p.newGrant(q.Get("redirect_uri"), q.Get("code_challenge"), q.Get("nonce"))
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (p *Provider) newGrant(redirectURI, challenge, nonce string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	extra := make(map[string]any, len(p.extra))
	for k, v := range p.extra {
		extra[k] = v
	}
	code := rand.Text()
	p.codes[code] = grant{redirectURI: redirectURI, challenge: challenge, nonce: nonce, user: p.user, extra: extra}
	return code
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
