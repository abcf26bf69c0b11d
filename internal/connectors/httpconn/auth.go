package httpconn

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/egress"
)

// authenticator adds credentials to a request bound for the base origin.
type authenticator interface {
	// apply sets the credentials on req, which the caller owns. fresh
	// reports that they were just obtained (a new token), so a 401 would
	// not be cured by obtaining them again; used names what was sent, for
	// renew.
	apply(req *http.Request) (used string, fresh bool, err error)
	// renew forgets the credentials used, after the server refused them;
	// it reports whether asking again can give other ones.
	renew(used string) bool
}

// newAuth reads the auth settings: at most one kind. It returns the
// authenticator (nil for none) and the secret values to keep out of
// messages.
func newAuth(a map[string]any, hc *http.Client, clk clock.Clock) (authenticator, []string, error) {
	kinds := 0
	for _, k := range []string{"basic", "bearer", "api_key", "oauth2"} {
		if a[k] != nil {
			kinds++
		}
	}
	if kinds > 1 {
		return nil, nil, errors.New("auth: give only one of basic, bearer, api_key and oauth2")
	}
	switch {
	case a["basic"] != nil:
		b := group(a, "basic")
		user, pass := str(b, "username"), str(b, "password")
		cred := basicSecret(user, pass)
		return header{name: "Authorization", value: "Basic " + cred}, []string{pass, cred}, nil
	case a["bearer"] != nil:
		tok := str(a, "bearer")
		return header{name: "Authorization", value: "Bearer " + tok}, []string{tok}, nil
	case a["api_key"] != nil:
		return newAPIKey(group(a, "api_key"))
	case a["oauth2"] != nil:
		o, err := newOAuth(group(a, "oauth2"), hc, clk)
		if err != nil {
			return nil, nil, err
		}
		return o, []string{o.cfg.ClientSecret}, nil
	}
	return nil, nil, nil
}

func newAPIKey(k map[string]any) (authenticator, []string, error) {
	name, param, value := str(k, "header"), str(k, "query"), str(k, "value")
	switch {
	case (name == "") == (param == ""):
		return nil, nil, errors.New("auth.api_key: give exactly one of header and query")
	case name != "" && !validHeaderName(name):
		return nil, nil, fmt.Errorf("auth.api_key.header: %q is not a valid header name (letters, digits and - only)", name)
	case name != "":
		return header{name: name, value: value}, []string{value}, nil
	}
	return queryKey{param: param, value: value}, []string{value}, nil
}

// header sends a fixed header: basic, bearer or an api key.
type header struct{ name, value string }

func (h header) apply(req *http.Request) (string, bool, error) {
	req.Header.Set(h.name, h.value)
	return "", false, nil
}

func (header) renew(string) bool { return false }

// queryKey sends an api key as a query parameter.
type queryKey struct{ param, value string }

func (k queryKey) apply(req *http.Request) (string, bool, error) {
	u := *req.URL
	q := u.Query()
	q.Set(k.param, k.value)
	u.RawQuery = q.Encode()
	req.URL = &u
	return "", false, nil
}

func (queryKey) renew(string) bool { return false }

// transport adds the credentials to requests for the base origin only,
// hop by hop: a redirect is a new request through it, so credentials
// never follow a redirect to another origin.
type transport struct {
	base   http.RoundTripper
	origin string
	auth   authenticator
}

// RoundTrip sends req, with the credentials when it goes to the base
// origin. A 401 to credentials that were not just obtained (a cached
// token) makes it obtain them once more and send the request again.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.auth == nil || Origin(req.URL) != t.origin {
		return t.base.RoundTrip(req)
	}
	resp, used, fresh, err := t.send(req, req.Body)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || fresh {
		return resp, err
	}
	body, ok := rewind(req)
	if !ok || !t.auth.renew(used) {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp, _, _, err = t.send(req, body)
	return resp, err
}

// send sends a copy of req with body and the credentials; a RoundTripper
// must not change the request it is given.
func (t *transport) send(req *http.Request, body io.ReadCloser) (*http.Response, string, bool, error) {
	out := req.Clone(req.Context())
	out.Body = body
	used, fresh, err := t.auth.apply(out)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, "", false, err
	}
	resp, err := t.base.RoundTrip(out)
	return resp, used, fresh, err
}

// rewind gives the request's body again for a second attempt.
func rewind(req *http.Request) (io.ReadCloser, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	b, err := req.GetBody()
	return b, err == nil
}

// isRefused reports a connection the network policy refused.
func isRefused(err error) bool { return egress.IsRefused(err) }

// redactedURL is an address for a message: no user info, no query.
func redactedURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}
