package httpconn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/clock"
)

// Refreshing a token shortly before it expires keeps a request from
// setting out with a token that dies on the way.
const (
	refreshMargin = time.Minute // at most this long before expiry
	keepIssued    = 4           // access tokens remembered for scrubbing
)

// oauth obtains tokens with the OAuth2 client credentials grant and keeps
// the current one until shortly before it expires.
type oauth struct {
	cfg    *clientcredentials.Config
	client *http.Client // the token endpoint's client: guarded, no redirects
	clock  clock.Clock
	where  string // the token endpoint, for messages

	mu      sync.Mutex // held while fetching, so that one fetch serves all
	current *token

	tmu    sync.Mutex // apart from mu: scrubbing must not wait for a fetch
	tokens []string   // the last access tokens fetched, newest last
}

type token struct {
	tok     *oauth2.Token
	refresh time.Time // zero: until refused
}

func newOAuth(o map[string]any, hc *http.Client, clk clock.Clock) (*oauth, error) {
	u, err := url.Parse(strings.TrimSpace(str(o, "token_url")))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, errors.New("auth.oauth2.token_url: this is not a web address; it must start with https:// and name a host, e.g. https://id.example.com/oauth2/token")
	}
	params := url.Values{}
	if aud := str(o, "audience"); aud != "" {
		params.Set("audience", aud)
	}
	for name, v := range group(o, "params") {
		if name == "grant_type" || name == "scope" || name == "client_secret" {
			return nil, fmt.Errorf("auth.oauth2.params: %q is set by Bistro; remove it", name)
		}
		params.Set(name, fmt.Sprint(v))
	}
	var scopes []string
	if list, ok := o["scopes"].([]any); ok {
		for _, s := range list {
			scopes = append(scopes, fmt.Sprint(s))
		}
	}
	cfg := &clientcredentials.Config{
		ClientID: str(o, "client_id"), ClientSecret: str(o, "client_secret"),
		TokenURL: u.String(), Scopes: scopes, EndpointParams: params,
	}
	// The token endpoint is asked through Bistro's guarded transport, and
	// never redirected: a redirect would carry the client secret along.
	client := &http.Client{Transport: baseTransport(hc), Timeout: hc.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return &oauth{cfg: cfg, client: client, clock: clk, where: redactedURL(u)}, nil
}

func (o *oauth) apply(req *http.Request) (string, bool, error) {
	tok, fresh, err := o.token(req.Context())
	if err != nil {
		return "", false, err
	}
	tok.SetAuthHeader(req)
	return tok.AccessToken, fresh, nil
}

// renew forgets the token the server refused, unless another request
// already replaced it.
func (o *oauth) renew(used string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.current != nil && o.current.tok.AccessToken == used {
		o.current = nil
	}
	return true
}

// token returns the current token, fetching a new one when there is none
// or it is about to expire; fresh reports a fetch. Requests that need a
// token at the same time wait for one fetch.
func (o *oauth) token(ctx context.Context) (*oauth2.Token, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t := o.current; t != nil && (t.refresh.IsZero() || o.clock.Now().Before(t.refresh)) {
		return t.tok, false, nil
	}
	fetched := o.clock.Now()
	tok, err := o.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, o.client))
	if err != nil {
		return nil, false, o.explain(ctx, err)
	}
	if tok.AccessToken == "" {
		return nil, false, connector.Permanent(fmt.Errorf("the token endpoint %s answered without an access token", o.where))
	}
	o.current = &token{tok: tok, refresh: refreshAt(fetched, lifetime(tok))}
	o.remember(tok.AccessToken)
	return tok, true, nil
}

func (o *oauth) remember(access string) {
	o.tmu.Lock()
	defer o.tmu.Unlock()
	o.tokens = append(o.tokens, access)
	if len(o.tokens) > keepIssued {
		o.tokens = o.tokens[len(o.tokens)-keepIssued:]
	}
}

// issued are the access tokens fetched lately.
func (o *oauth) issued() []string {
	o.tmu.Lock()
	defer o.tmu.Unlock()
	return append([]string(nil), o.tokens...)
}

// lifetime is how long the token lasts from when it was asked for, read
// from expires_in; 0 when the endpoint does not say.
func lifetime(tok *oauth2.Token) time.Duration {
	var secs float64
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		secs = v
	case string:
		secs, _ = strconv.ParseFloat(v, 64)
	}
	if secs <= 0 && !tok.Expiry.IsZero() {
		return time.Until(tok.Expiry).Round(time.Second)
	}
	return time.Duration(secs * float64(time.Second))
}

// refreshAt is when a token fetched at from, lasting life, is replaced: a
// tenth of its life before it expires, at most refreshMargin before.
func refreshAt(from time.Time, life time.Duration) time.Time {
	if life <= 0 {
		return time.Time{}
	}
	return from.Add(life - min(life/10, refreshMargin))
}

// explain words a failure to get a token for the person who set up the
// connection. The client secret never appears: the endpoint's answer is
// scrubbed of it.
func (o *oauth) explain(ctx context.Context, err error) error {
	secrets := []string{o.cfg.ClientSecret}
	if ctx.Err() != nil {
		return fmt.Errorf("the token endpoint %s did not answer in time: %w", o.where, ctx.Err())
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		msg := scrub(fmt.Sprintf("could not get a token from the token endpoint %s: %v", o.where, unwrapURL(err)), secrets)
		if isRefused(err) {
			return connector.Permanent(errors.New(msg))
		}
		return fmt.Errorf("%s: %w", msg, connector.ErrNotConnected)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	detail := scrub(describe(re), secrets)
	switch {
	case re.ErrorCode == "invalid_client" || status == http.StatusUnauthorized:
		return connector.Permanent(fmt.Errorf("the token endpoint %s refused the client id or secret%s; check auth.oauth2.client_id and client_secret", o.where, detail))
	case re.ErrorCode == "invalid_scope":
		scopes := "the client's default scopes"
		if len(o.cfg.Scopes) > 0 {
			scopes = "the scopes " + strings.Join(o.cfg.Scopes, ", ")
		}
		return connector.Permanent(fmt.Errorf("the token endpoint %s refused %s%s", o.where, scopes, detail))
	case re.ErrorCode == "unauthorized_client" || re.ErrorCode == "unsupported_grant_type":
		return connector.Permanent(fmt.Errorf("the token endpoint %s does not let this client use client credentials%s", o.where, detail))
	case status == http.StatusTooManyRequests || status >= 500:
		return connector.Retryable(fmt.Errorf("the token endpoint %s answered %d %s%s; trying again later", o.where, status, http.StatusText(status), detail), 0)
	case status >= 300 && status < 400:
		return connector.Permanent(fmt.Errorf("the token endpoint %s answered with a redirect to another address; set token_url to the address it gives tokens at", o.where))
	}
	return connector.Permanent(fmt.Errorf("the token endpoint %s refused to give a token (%d %s)%s", o.where, status, http.StatusText(status), detail))
}

// describe is what the endpoint said about the error, for a message.
func describe(re *oauth2.RetrieveError) string {
	switch {
	case re.ErrorDescription != "":
		return ": " + re.ErrorDescription
	case re.ErrorCode != "":
		return ": " + re.ErrorCode
	}
	body := strings.TrimSpace(string(re.Body))
	if len(body) > 200 {
		body = strings.ToValidUTF8(body[:200], "") + "…"
	}
	if body == "" {
		return ""
	}
	return ": " + body
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
