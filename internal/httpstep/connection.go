package httpstep

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Connection is a stored http connection a step sends its requests
// through (internal/connectors/httpconn implements it).
type Connection interface {
	// BaseURL is where the step's relative url is added.
	BaseURL() *url.URL
	// Client adds the connection's credentials to requests for the base
	// address's origin, and to no other.
	Client() *http.Client
	// Headers go with every request to the base address's origin.
	Headers() http.Header
	// Timeout applies when the step sets none; 0: the step's default.
	Timeout() time.Duration
	// Secrets are values that must not appear in messages or records
	// (passwords, keys, access tokens).
	Secrets() []string
}

// via is what a request needs of its connection: the connection and a
// client that follows redirects the step's way.
type via struct {
	conn Connection
	http *http.Client
}

func newVia(conn Connection) *via {
	if conn == nil {
		return nil
	}
	hc := *conn.Client()
	hc.CheckRedirect = checkRedirect
	hc.Timeout = 0 // the step's timeout applies per request
	return &via{conn: conn, http: &hc}
}

// connURL resolves the step's url against the connection's base address.
// A path (or anything without a scheme) is added to base_url's path; an
// absolute address must be on base_url's origin, where the credentials go.
func connURL(base *url.URL, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	ref, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url: %q is not a web address or a path", redactRaw(raw))
	}
	if ref.Scheme != "" || ref.Host != "" {
		u, err := parseURL(raw)
		if err != nil {
			return nil, err
		}
		if origin(u) != origin(base) {
			return nil, fmt.Errorf("url: %s is not on the connection's address %s; a step with a connection only calls its connection's host: write a path such as /contacts, or remove the connection",
				redactRaw(raw), (&url.URL{Scheme: base.Scheme, Host: base.Host}).String())
		}
		return u, nil
	}
	u := *base
	if ref.Path != "" {
		// Joined escaped, so that an escaped / in a record's id stays one.
		joined := strings.TrimSuffix(base.EscapedPath(), "/") + "/" + strings.TrimPrefix(ref.EscapedPath(), "/")
		if u.Path, err = url.PathUnescape(joined); err != nil {
			return nil, fmt.Errorf("url: %q is not a valid path", redactRaw(raw))
		}
		u.RawPath = joined
	}
	q := base.Query()
	for name, vals := range ref.Query() {
		q[name] = vals
	}
	u.RawQuery = q.Encode()
	if len(q) == 0 {
		u.RawQuery = ""
	}
	u.Fragment = ""
	return &u, nil
}

// setConnHeaders adds the connection's headers the step does not set
// itself; like credentials, they go only to the connection's origin.
func (r *request) setConnHeaders(h http.Header) {
	for name, vals := range h {
		if r.header.Get(name) == "" {
			r.header[http.CanonicalHeaderKey(name)] = vals
			r.credHeaders = append(r.credHeaders, name)
		}
	}
}

// cleanResponse blanks the connection's secrets out of an answer, so an
// API that echoes a token does not put it in records.
func (r *request) cleanResponse(h http.Header, body []byte) []byte {
	if r.via == nil {
		return body
	}
	for _, s := range r.via.conn.Secrets() {
		if len(s) < minSecret {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s)} {
			if bytes.Contains(body, []byte(form)) {
				body = bytes.ReplaceAll(body, []byte(form), []byte(redacted))
			}
			for _, vals := range h {
				for i, v := range vals {
					vals[i] = strings.ReplaceAll(v, form, redacted)
				}
			}
		}
	}
	return body
}
