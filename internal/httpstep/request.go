package httpstep

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/fault"
)

// request is one request ready to send, with what must be kept secret.
type request struct {
	method string
	url    *url.URL
	header http.Header
	body   []byte
	// origin is scheme://host:port of the step's url: the only place
	// credentials are sent.
	origin string
	// credHeaders are the headers that carry credentials.
	credHeaders []string
	keyQuery    string // the api key's query parameter, if any
	keyValue    string
	secrets     []string // values to blank out of every message
	timeout     time.Duration
	via         *via // the connection, if any
}

func (s *Step) buildRequest(vars expr.Vars, v *via) (*request, error) {
	raw, err := s.url.String(vars)
	if err != nil {
		return nil, fault.Permanent(fmt.Errorf("url: %w", err))
	}
	r := &request{method: s.method, header: http.Header{}, timeout: s.timeout, via: v}
	if v != nil {
		r.url, err = connURL(v.conn.BaseURL(), raw)
		r.origin = origin(v.conn.BaseURL())
		if t := v.conn.Timeout(); t > 0 && !s.ownTime {
			r.timeout = t
		}
	} else {
		r.url, err = parseURL(raw)
		if err == nil {
			r.origin = origin(r.url)
		}
	}
	if err != nil {
		return nil, fault.Permanent(err)
	}
	u := r.url
	q, err := s.queryValues(u, vars)
	if err != nil {
		return nil, fault.Permanent(err)
	}
	if err := s.setHeaders(r, vars); err != nil {
		return nil, fault.Permanent(err)
	}
	if v != nil {
		r.setConnHeaders(v.conn.Headers())
	}
	if err := s.setBody(r, vars); err != nil {
		return nil, fault.Permanent(err)
	}
	if err := s.setAuth(r, q, vars); err != nil {
		return nil, fault.Permanent(err)
	}
	setIdempotencyKey(r, vars)
	if len(s.query) > 0 || r.keyQuery != "" {
		u.RawQuery = q.Encode()
	}
	r.addQuerySecrets(q)
	if p := s.paginate; p != nil && p.pageParam != "" {
		r = r.withParam(p.pageParam, fmt.Sprint(p.pageStart))
	}
	return r, nil
}

// parseURL accepts only absolute http and https addresses.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url: %q is not a web address; it must start with http:// or https:// and name a host", redactRaw(raw))
	}
	return u, nil
}

func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// queryValues merges the query setting into the url's own query; a
// setting replaces a parameter of the same name, a list repeats it, and
// nothing leaves it out.
func (s *Step) queryValues(u *url.URL, vars expr.Vars) (url.Values, error) {
	q := u.Query()
	for _, p := range s.query {
		v, err := p.val.Eval(vars)
		if err != nil {
			return nil, fmt.Errorf("query.%s: %w", p.name, err)
		}
		switch v := v.(type) {
		case nil:
		case []any:
			q.Del(p.name)
			for _, e := range v {
				q.Add(p.name, text(e))
			}
		default:
			q.Set(p.name, text(v))
		}
	}
	return q, nil
}

// text renders a value for a query or form: objects and lists as JSON.
func text(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return expr.Text(v)
}

func (s *Step) setHeaders(r *request, vars expr.Vars) error {
	for _, h := range s.headers {
		v, err := h.tmpl.String(vars)
		if err != nil {
			return fmt.Errorf("headers.%s: %w", h.name, err)
		}
		// An empty value means "not this time", e.g. an optional header
		// computed from the record.
		if v != "" {
			r.header.Set(h.name, v)
		}
	}
	return nil
}

func (s *Step) setBody(r *request, vars expr.Vars) error {
	switch {
	case s.json != nil:
		v, err := s.json.Eval(vars)
		if err != nil {
			return fmt.Errorf("json: %w", err)
		}
		if r.body, err = json.Marshal(v); err != nil {
			return fmt.Errorf("json: the value cannot be sent as JSON: %w", err)
		}
		setDefault(r.header, "Content-Type", "application/json")
	case len(s.form) > 0:
		f := url.Values{}
		for _, p := range s.form {
			v, err := p.tmpl.String(vars)
			if err != nil {
				return fmt.Errorf("form.%s: %w", p.name, err)
			}
			f.Set(p.name, v)
		}
		r.body = []byte(f.Encode())
		setDefault(r.header, "Content-Type", "application/x-www-form-urlencoded")
	case s.body != nil:
		v, err := s.body.String(vars)
		if err != nil {
			return fmt.Errorf("body: %w", err)
		}
		r.body = []byte(v)
	}
	return nil
}

func setDefault(h http.Header, name, value string) {
	if h.Get(name) == "" {
		h.Set(name, value)
	}
}

func (s *Step) setAuth(r *request, q url.Values, vars expr.Vars) error {
	a := s.auth
	if a == nil {
		return nil
	}
	switch {
	case a.user != nil:
		user, pass, err := evalPair(a.user, a.pass, "auth.basic.username", "auth.basic.password", vars)
		if err != nil {
			return err
		}
		cred := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		r.header.Set("Authorization", "Basic "+cred)
		r.credHeaders = append(r.credHeaders, "Authorization")
		r.addSecret(pass, cred)
	case a.bearer != nil:
		tok, err := a.bearer.String(vars)
		if err != nil {
			return fmt.Errorf("auth.bearer: %w", err)
		}
		r.header.Set("Authorization", "Bearer "+tok)
		r.credHeaders = append(r.credHeaders, "Authorization")
		r.addSecret(tok)
	default:
		return s.setAPIKey(r, q, vars)
	}
	return nil
}

func (s *Step) setAPIKey(r *request, q url.Values, vars expr.Vars) error {
	a := s.auth
	key, err := a.key.String(vars)
	if err != nil {
		return fmt.Errorf("auth.api_key.value: %w", err)
	}
	r.addSecret(key)
	if a.keyHeader != "" {
		r.header.Set(a.keyHeader, key)
		r.credHeaders = append(r.credHeaders, a.keyHeader)
		return nil
	}
	r.keyQuery, r.keyValue = a.keyQuery, key
	q.Set(a.keyQuery, key)
	return nil
}

func evalPair(a, b *expr.Template, fa, fb string, vars expr.Vars) (string, string, error) {
	x, err := a.String(vars)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", fa, err)
	}
	y, err := b.String(vars)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", fb, err)
	}
	return x, y, nil
}

// minSecret is the shortest value blanked out of messages: blanking a
// one-letter password would mangle every message without hiding anything.
const minSecret = 3

func (r *request) addSecret(values ...string) {
	for _, v := range values {
		if len(v) < minSecret {
			continue
		}
		r.secrets = append(r.secrets, v)
		if e := url.QueryEscape(v); e != v {
			r.secrets = append(r.secrets, e)
		}
	}
}

// addQuerySecrets keeps values of parameters that usually carry
// credentials out of messages, wherever a server repeats them.
func (r *request) addQuerySecrets(q url.Values) {
	for name, vals := range q {
		if secretParams[strings.ToLower(name)] {
			r.addSecret(vals...)
		}
	}
}

// withParam returns a copy of r with one query parameter set, for the
// next page of cursor and page paging.
func (r *request) withParam(name, value string) *request {
	c := *r
	u := *r.url
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	c.url = &u
	return &c
}

// follow returns the request for a next-page address. Credentials go only
// to the step's own origin; there the api key is put back in the query,
// since next links rarely repeat it.
func (r *request) follow(u *url.URL) *request {
	c := *r
	c.header = r.header.Clone()
	if origin(u) != r.origin {
		for _, h := range r.credHeaders {
			c.header.Del(h)
		}
		c.url = u
		return &c
	}
	if r.keyQuery != "" {
		q := u.Query()
		q.Set(r.keyQuery, r.keyValue)
		u.RawQuery = q.Encode()
	}
	c.url = u
	return &c
}

// setIdempotencyKey sends the engine's key for this step attempt with
// requests that change something (not GET or HEAD), unless the flow sets
// the header itself. A retried request, or the same run executed again
// after a crash, carries the same key, so APIs that honour
// Idempotency-Key apply the change once.
func setIdempotencyKey(r *request, vars expr.Vars) {
	key, _ := vars[expr.VarIdempotencyKey].(string)
	if key == "" || r.method == http.MethodGet || r.method == http.MethodHead || r.header.Get("Idempotency-Key") != "" {
		return
	}
	r.header.Set("Idempotency-Key", key)
}

// pageKey gives every page after the first its own idempotency key: each
// page is a different request, and must not be answered as the first.
func pageKey(r *request, vars expr.Vars, page int) {
	key, _ := vars[expr.VarIdempotencyKey].(string)
	if page > 1 && key != "" && strings.HasPrefix(r.header.Get("Idempotency-Key"), key) {
		r.header.Set("Idempotency-Key", fmt.Sprintf("%s/page-%d", key, page))
	}
}
