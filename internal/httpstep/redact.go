package httpstep

import (
	"errors"
	"net/url"
	"strings"

	"github.com/bistro-dev/bistro/internal/fault"
)

const redacted = "REDACTED"

// secretParams are query parameters that usually carry credentials; their
// values never appear in messages even when not set through auth.
var secretParams = map[string]bool{
	"access_token": true, "api_key": true, "apikey": true, "api-key": true, "key": true,
	"token": true, "secret": true, "client_secret": true, "password": true,
	"signature": true, "sig": true, "auth": true,
}

// display renders the request's url for a message: no user info and no
// credential values in the query.
func (r *request) display(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		for name := range q {
			if name == r.keyQuery || secretParams[strings.ToLower(name)] {
				q[name] = []string{redacted}
			}
		}
		c.RawQuery = q.Encode()
	}
	return r.clean(c.String())
}

// redactRaw hides what could be a secret in an address that did not parse.
func redactRaw(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		if i := strings.IndexAny(raw, "?@"); i >= 0 {
			return raw[:i] + "…"
		}
		return raw
	}
	return (&request{}).display(u)
}

// clean blanks every secret value out of msg, the connection's included.
func (r *request) clean(msg string) string {
	for _, s := range r.secrets {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	if r.via != nil {
		for _, s := range r.via.conn.Secrets() {
			if len(s) < minSecret {
				continue
			}
			msg = strings.ReplaceAll(msg, s, redacted)
			msg = strings.ReplaceAll(msg, url.QueryEscape(s), redacted)
		}
	}
	return msg
}

// scrub returns err with every secret blanked out of its message, keeping
// its fault class.
func (r *request) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.clean(msg)
	if clean == msg {
		return err
	}
	plain := errors.New(clean)
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return plain
	}
	if fe.Transient {
		return fault.Transient(plain, fe.RetryAfter)
	}
	return fault.Permanent(plain)
}
