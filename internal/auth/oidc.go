package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCConfig is how Bistro signs people in with an OpenID Connect
// identity provider (Okta, Entra ID, Google, Keycloak, ...).
type OIDCConfig struct {
	// Issuer is the provider's address; its discovery document is at
	// Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are Bistro's registration at the provider.
	ClientID     string
	ClientSecret string
	// RedirectURL is Bistro's callback, as registered at the provider.
	RedirectURL string
	// Scopes default to openid, email and profile; openid is always asked.
	Scopes []string
	// GroupsClaim is the ID token claim that lists the person's groups;
	// default "groups".
	GroupsClaim string
}

// OIDC signs people in with an OpenID Connect provider, using the
// authorization code flow with PKCE.
type OIDC struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client // nil for http.DefaultClient
	groups   string
}

// Pending is what the caller keeps (in a cookie) between sending the
// browser to the provider and the provider sending it back to Finish.
type Pending struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// Identity is who the provider says signed in.
type Identity struct {
	Issuer        string
	Subject       string // the provider's stable id of the person
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
}

// NewOIDC discovers the provider at cfg.Issuer. client, when not nil,
// makes every request to the provider: discovery, keys and tokens.
func NewOIDC(ctx context.Context, cfg OIDCConfig, client *http.Client) (*OIDC, error) {
	if err := checkOIDCConfig(cfg); err != nil {
		return nil, err
	}
	p, err := oidc.NewProvider(withClient(ctx, client), cfg.Issuer)
	var mismatch *oidc.IssuerMismatchError
	if errors.As(err, &mismatch) {
		return nil, fmt.Errorf("the identity provider at %s gives its address as %s; set the issuer to exactly that: %w",
			cfg.Issuer, mismatch.Discovered, err)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot reach the identity provider at %s: %w", cfg.Issuer, err)
	}
	o := &OIDC{client: client, groups: cfg.GroupsClaim}
	if o.groups == "" {
		o.groups = "groups"
	}
	o.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: scopes(cfg.Scopes)}
	o.oauth.Endpoint.AuthStyle = authStyle(p)
	o.verifier = p.Verifier(&oidc.Config{ClientID: cfg.ClientID})
	return o, nil
}

func checkOIDCConfig(cfg OIDCConfig) error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"the issuer (the identity provider's address)", cfg.Issuer},
		{"the client id", cfg.ClientID},
		{"the redirect URL", cfg.RedirectURL},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("single sign-on needs %s", strings.Join(missing, ", "))
	}
	return nil
}

// authStyle is how the provider wants the client secret sent. Guessing
// (oauth2's default) sends the code twice when the first try fails, and
// the second answer, "code already used", hides the first one's reason.
func authStyle(p *oidc.Provider) oauth2.AuthStyle {
	var d struct {
		Methods []string `json:"token_endpoint_auth_methods_supported"`
	}
	_ = p.Claims(&d)
	switch {
	case len(d.Methods) == 0 || slices.Contains(d.Methods, "client_secret_basic"):
		return oauth2.AuthStyleInHeader // the default when the list is absent (OpenID Connect Discovery 1.0, 3)
	case slices.Contains(d.Methods, "client_secret_post"):
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleAutoDetect
}

// scopes are the configured ones, or the defaults, always with openid:
// without it the provider sends no ID token.
func scopes(configured []string) []string {
	if len(configured) == 0 {
		return []string{oidc.ScopeOpenID, "email", "profile"}
	}
	if slices.Contains(configured, oidc.ScopeOpenID) {
		return configured
	}
	return append([]string{oidc.ScopeOpenID}, configured...)
}

// withClient makes ctx carry client for go-oidc and oauth2, which read it
// from the same context key.
func withClient(ctx context.Context, client *http.Client) context.Context {
	if client == nil {
		return ctx
	}
	return oidc.ClientContext(ctx, client)
}

// Begin starts a sign-in: the URL to send the browser to and what to keep
// until it comes back. The state ties the callback to this browser, the
// nonce ties the ID token to this sign-in, and the PKCE verifier makes a
// stolen code useless to anyone else. err is always nil (crypto/rand
// cannot fail); it is there so callers need not change if that does.
func (o *OIDC) Begin() (authURL string, p Pending, err error) {
	p = Pending{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier()}
	authURL = o.oauth.AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier))
	return authURL, p, nil
}

// The plain answers of Finish.
var (
	errOIDCState = errors.New("the sign-in took too long or was started in another browser; please try again")
	errOIDCNonce = errors.New("the identity provider's answer does not belong to this sign-in; please try again")
	errOIDCNoID  = errors.New("the identity provider sent no ID token; check that the scopes include openid")
	errOIDCNoSub = errors.New("the identity provider did not say who signed in (the ID token has no subject)")
)

// Finish completes a sign-in when the provider sends the browser back
// with state and code: it checks the state, exchanges the code for
// tokens, verifies the ID token (signature, issuer, audience, expiry,
// nonce) and returns who signed in.
func (o *OIDC) Finish(ctx context.Context, p Pending, state, code string) (Identity, error) {
	if p.State == "" || subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) != 1 {
		return Identity{}, errOIDCState
	}
	ctx = withClient(ctx, o.client)
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("the identity provider did not accept the sign-in; please try again: %w", err)
	}
	idt, err := o.verify(ctx, tok, p.Nonce)
	if err != nil {
		return Identity{}, err
	}
	return o.identity(idt)
}

// verify checks the ID token that came with tok.
func (o *OIDC) verify(ctx context.Context, tok *oauth2.Token, nonce string) (*oidc.IDToken, error) {
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, errOIDCNoID
	}
	idt, err := o.verifier.Verify(ctx, raw)
	var expired *oidc.TokenExpiredError
	if errors.As(err, &expired) {
		return nil, fmt.Errorf("the identity provider's answer has expired; check that this server's clock is right, then try again: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("the identity provider's answer could not be verified; please try again: %w", err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, errOIDCNonce
	}
	// at_hash is optional in this flow; when present it must match.
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, fmt.Errorf("the identity provider's answer could not be verified; please try again: %w", err)
		}
	}
	return idt, nil
}

// identity reads who signed in from the ID token's claims.
func (o *OIDC) identity(idt *oidc.IDToken) (Identity, error) {
	if idt.Subject == "" {
		return Identity{}, errOIDCNoSub
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("the identity provider's answer could not be read: %w", err)
	}
	id := Identity{Issuer: idt.Issuer, Subject: idt.Subject,
		Email: claimString(claims["email"]), Name: claimString(claims["name"]),
		EmailVerified: claimBool(claims["email_verified"])}
	groups, err := claimStrings(claims[o.groups])
	if err != nil {
		return Identity{}, fmt.Errorf("the identity provider's %q claim is not a list of group names: %w", o.groups, err)
	}
	id.Groups = groups
	return id, nil
}

// claimString is a string claim, or "" when it is absent or not a string.
func claimString(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// claimBool reads a boolean claim; some providers (AWS Cognito) send
// email_verified as the string "true".
func claimBool(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	return claimString(raw) == "true"
}

// claimStrings reads a list of strings; a single string is a list of one,
// as some providers send a person with one group.
func claimStrings(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []string{one}, nil
}
