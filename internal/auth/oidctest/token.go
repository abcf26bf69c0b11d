package oidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// token redeems an authorization code for an access token and an ID
// token, as RFC 6749 and RFC 7636 say.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	if !p.clientAuthenticated(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "wrong client_id or client_secret")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code")
		return
	}
	g, ok := p.redeem(r.PostForm.Get("code"))
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code is unknown or was already used")
		return
	}
	if msg := checkGrant(g, r.PostForm); msg != "" {
		oauthError(w, http.StatusBadRequest, "invalid_grant", msg)
		return
	}
	p.issue(w, g)
}

// clientAuthenticated accepts client_secret_basic and client_secret_post.
func (p *Provider) clientAuthenticated(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 2.3.1: the basic credentials are form-encoded first.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == p.ClientID && subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) == 1
}

// redeem takes the code's grant, once.
func (p *Provider) redeem(code string) (grant, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.codes[code]
	delete(p.codes, code)
	return g, ok
}

// checkGrant checks the redirect URI and the PKCE verifier against the
// authorization; "" when they match.
func checkGrant(g grant, form url.Values) string {
	if form.Get("redirect_uri") != g.redirectURI {
		return "redirect_uri differs from the authorization's"
	}
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		return "code_verifier does not match the code_challenge"
	}
	return ""
}

func (p *Provider) issue(w http.ResponseWriter, g grant) {
	access := rand.Text()
	idToken, err := p.sign(p.claims(g, access))
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": 3600, "id_token": idToken})
}

// claims are the ID token's, misbehaving as the provider is told to.
func (p *Provider) claims(g grant, access string) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": p.Issuer(), "sub": g.user.sub, "aud": p.ClientID,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": g.nonce, "at_hash": atHash(access),
		"email": g.user.email, "email_verified": true, "name": g.user.name, "groups": g.user.groups}
	if p.WrongNonce {
		c["nonce"] = "not-" + g.nonce
	}
	if p.WrongAudience {
		c["aud"] = "another-client"
	}
	if p.Expired {
		c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	}
	maps.Copy(c, g.extra)
	maps.DeleteFunc(c, func(_ string, v any) bool { return v == nil })
	return c
}

// atHash is the left half of the access token's SHA-256 (OpenID Connect
// Core 3.1.3.6), for RS256.
func atHash(access string) string {
	sum := sha256.Sum256([]byte(access))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func (p *Provider) sign(claims map[string]any) (string, error) {
	key := p.key
	if p.WrongKey {
		key = p.other
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("oidctest: signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("oidctest: claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("oidctest: sign: %w", err)
	}
	return jws.CompactSerialize()
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
