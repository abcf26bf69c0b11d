// Package httpconn is the connection side of the http connector: a stored
// connection gives http steps a base address, default headers, a timeout
// and credentials (basic, bearer, an api key or OAuth2 client credentials),
// so that IT keeps an API's secrets in one place and flows only name the
// connection.
//
// Credentials are added by the connection's HTTP client, and only to
// requests for the base address's origin (scheme, host and port): a
// redirect or a next page that leads elsewhere goes without them.
package httpconn

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/clock"
)

// maxRedirects is how many redirects one request follows.
const maxRedirects = 10

// Conn is an open http connection. It is safe for concurrent use.
type Conn struct {
	base    *url.URL
	origin  string
	headers http.Header
	timeout time.Duration
	client  *http.Client
	auth    authenticator // nil: no credentials
	static  []string      // secret values from the settings
}

// Open opens a connection from settings already checked against the http
// connector's spec (defaults filled in). clk drives token expiry; nil is
// the real clock. Nothing is contacted yet: the first request, or Ping,
// fetches an OAuth2 token when one is needed.
func Open(_ context.Context, config map[string]any, env connector.Env, clk clock.Clock) (*Conn, error) {
	if env.HTTP == nil {
		return nil, connector.Permanent(errors.New("the http connection cannot open: Bistro lent it no HTTP client"))
	}
	if clk == nil {
		clk = clock.Real{}
	}
	c, err := settings(config)
	if err != nil {
		return nil, connector.Permanent(err)
	}
	a, secrets, err := newAuth(group(config, "auth"), env.HTTP, clk)
	if err != nil {
		return nil, connector.Permanent(err)
	}
	c.auth, c.static = a, secrets
	c.client = &http.Client{
		Transport:     &transport{base: baseTransport(env.HTTP), origin: c.origin, auth: a},
		CheckRedirect: limitRedirects,
	}
	return c, nil
}

// settings reads everything but the credentials.
func settings(config map[string]any) (*Conn, error) {
	base, err := ParseBase(str(config, "base_url"))
	if err != nil {
		return nil, err
	}
	c := &Conn{base: base, origin: Origin(base), headers: http.Header{}}
	for name, v := range group(config, "headers") {
		if !validHeaderName(name) {
			return nil, fmt.Errorf("headers: %q is not a valid header name (letters, digits and - only)", name)
		}
		text, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("headers.%s: the value must be text", name)
		}
		c.headers.Set(name, text)
	}
	if t := str(config, "timeout"); t != "" {
		if c.timeout, err = time.ParseDuration(t); err != nil || c.timeout <= 0 {
			return nil, fmt.Errorf("timeout: %q is not a length of time; write it like 10s or 1m", t)
		}
	}
	return c, nil
}

// ParseBase checks a base address: an absolute http or https address with
// a host and without a user name or password in it.
func ParseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("base_url: this is not a web address; it must start with http:// or https:// and name a host, e.g. https://api.example.com/v1")
	case u.User != nil:
		return nil, errors.New("base_url: put the user name and password in auth.basic, not in the address")
	case u.Fragment != "":
		return nil, errors.New("base_url: remove the part after #")
	}
	return u, nil
}

// Origin is scheme://host:port of u, the port always written: the only
// place a connection's credentials go.
func Origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// BaseURL is the connection's base address. Callers must not change it.
func (c *Conn) BaseURL() *url.URL { return c.base }

// Client is the HTTP client that adds the connection's credentials to
// requests for the base address's origin, through Bistro's guarded
// network access. Callers may copy it to set their own redirect policy.
func (c *Conn) Client() *http.Client { return c.client }

// Headers are the headers to send with every request to the base
// address's origin. Callers must not change them.
func (c *Conn) Headers() http.Header { return c.headers }

// Timeout is how long one request may take when the step does not say; 0
// when the settings give none.
func (c *Conn) Timeout() time.Duration { return c.timeout }

// Secrets are the values to keep out of messages and records: the
// settings' secrets, a basic-auth header made of them, and the access
// tokens the connection fetched.
func (c *Conn) Secrets() []string {
	if o, ok := c.auth.(*oauth); ok {
		return append(slices.Clone(c.static), o.issued()...)
	}
	return c.static
}

// Do refuses: an http connection serves the http step, not action steps.
func (c *Conn) Do(context.Context, connector.Request, func(map[string]any) error) error {
	return connector.Permanent(errors.New("an http connection is used by the http step, not by 'action:'; write the step as `http: {connection: NAME, url: /path}`"))
}

// Ping checks the connection: it fetches a token when the connection uses
// OAuth2, then asks the base address; any answer but 401 or a server
// error means it works.
func (c *Conn) Ping(ctx context.Context) error {
	if o, ok := c.auth.(*oauth); ok {
		if _, _, err := o.token(ctx); err != nil {
			return err
		}
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String(), nil)
	if err != nil {
		return connector.Permanent(fmt.Errorf("%s cannot be asked: %w", c.base.Redacted(), err))
	}
	for name, vals := range c.headers {
		req.Header[name] = vals
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return c.pingError(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return connector.Permanent(fmt.Errorf("%s answered 401 Unauthorized: it refused the credentials; check the connection's auth settings", c.base.Redacted()))
	case resp.StatusCode >= 500:
		return connector.Retryable(fmt.Errorf("%s answered %s", c.base.Redacted(), resp.Status), 0)
	}
	return nil
}

func (c *Conn) pingError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, connector.ErrPermanent) || errors.Is(err, connector.ErrNotConnected) {
		return err
	}
	msg := scrub(fmt.Sprintf("could not reach %s: %v", c.base.Redacted(), err), c.Secrets())
	if isRefused(err) {
		return connector.Permanent(errors.New(msg))
	}
	return fmt.Errorf("%s: %w", msg, connector.ErrNotConnected)
}

// Close releases nothing: the connection shares Bistro's HTTP transport.
func (c *Conn) Close() error { return nil }

// limitRedirects stops a chain of redirects that is too long.
func limitRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("it was redirected more than %d times", maxRedirects)
	}
	return nil
}

// baseTransport is the transport of Bistro's guarded client.
func baseTransport(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// basicSecret is the value of a basic-auth header without its "Basic ".
func basicSecret(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// validHeaderName accepts RFC 9110 token characters.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)
		if !ok {
			return false
		}
	}
	return true
}

// minSecret is the shortest value blanked out of messages.
const minSecret = 3

// scrub blanks every secret, and its URL-escaped form, out of msg.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		msg = strings.ReplaceAll(msg, s, "REDACTED")
		if e := url.QueryEscape(s); e != s {
			msg = strings.ReplaceAll(msg, e, "REDACTED")
		}
	}
	return msg
}

// str reads a text setting; a missing one is "".
func str(m map[string]any, name string) string {
	s, _ := m[name].(string)
	return s
}

// group reads a nested group of settings; a missing one is nil.
func group(m map[string]any, name string) map[string]any {
	g, _ := m[name].(map[string]any)
	return g
}
