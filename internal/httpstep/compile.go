package httpstep

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// Defaults of the step's settings.
const (
	defaultTimeout    = 30 * time.Second
	defaultAttempts   = 3
	defaultBackoff    = time.Second
	defaultMaxBackoff = 30 * time.Second
	defaultMaxPages   = 100
)

type namedTemplate struct {
	name string
	tmpl *expr.Template
}

type namedValue struct {
	name string
	val  *expr.Value
}

// auth is the compiled auth setting; exactly one kind is set.
type auth struct {
	user, pass *expr.Template // basic
	bearer     *expr.Template
	keyHeader  string // api_key in a header
	keyQuery   string // api_key in a query parameter
	key        *expr.Template
}

var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true}

func compile(h *flow.HTTP, retry *flow.Retry, scope flow.Scope) (*Step, error) {
	if h == nil {
		return nil, errors.New("the http step has no settings")
	}
	vars := scope.Vars()
	respScope := scope
	respScope.Response = true
	respVars := respScope.Vars()
	s := &Step{method: strings.ToUpper(h.Method), into: h.Into, conn: h.Connection, ownTime: h.Timeout != ""}
	if s.method == "" {
		s.method = "GET"
	}
	if !methods[s.method] {
		return nil, fmt.Errorf("method: %q is not one of GET, POST, PUT, PATCH, DELETE, HEAD", h.Method)
	}
	if err := s.compileRequest(h, vars); err != nil {
		return nil, err
	}
	if s.conn != "" && h.Auth != nil {
		return nil, fmt.Errorf("auth: the step takes its credentials from the connection '%s'; remove auth, or the connection", s.conn)
	}
	var err error
	if s.auth, err = compileAuth(h.Auth, vars); err != nil {
		return nil, err
	}
	if s.timeout, err = duration("timeout", h.Timeout, defaultTimeout); err != nil {
		return nil, err
	}
	if s.retry, err = compileRetry(retry); err != nil {
		return nil, err
	}
	if h.Records != "" {
		if s.records, err = expr.Compile(h.Records, respVars); err != nil {
			return nil, fmt.Errorf("records: %w", err)
		}
	}
	if s.paginate, err = compilePaging(h.Paginate, respVars); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Step) compileRequest(h *flow.HTTP, vars []string) error {
	if strings.TrimSpace(h.URL) == "" {
		return errors.New("url: the address to call is missing")
	}
	var err error
	if s.url, err = expr.ParseTemplate(h.URL, vars); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if s.headers, err = templates("headers", h.Headers, vars); err != nil {
		return err
	}
	for _, name := range s.headers {
		if !validHeaderName(name.name) {
			return fmt.Errorf("headers: %q is not a valid header name (letters, digits and - only)", name.name)
		}
	}
	if s.form, err = templates("form", h.Form, vars); err != nil {
		return err
	}
	for _, k := range sortedKeys(h.Query) {
		v, err := expr.CompileValue(h.Query[k], vars)
		if err != nil {
			return valueError("query."+k, err)
		}
		s.query = append(s.query, namedValue{k, v})
	}
	return s.compileBody(h, vars)
}

func (s *Step) compileBody(h *flow.HTTP, vars []string) error {
	n := 0
	if h.JSON != nil {
		n++
	}
	if len(h.Form) > 0 {
		n++
	}
	if h.Body != nil {
		n++
	}
	if n > 1 {
		return errors.New("json, form and body are alternatives: set at most one of them")
	}
	var err error
	if h.JSON != nil {
		if s.json, err = expr.CompileValue(h.JSON, vars); err != nil {
			return valueError("json", err)
		}
	}
	if h.Body != nil {
		if s.body, err = expr.ParseTemplate(*h.Body, vars); err != nil {
			return fmt.Errorf("body: %w", err)
		}
	}
	return nil
}

func compileAuth(a *flow.HTTPAuth, vars []string) (*auth, error) {
	if a == nil {
		return nil, nil
	}
	out := &auth{}
	n := 0
	var err error
	if a.Basic != nil {
		n++
		if out.user, err = tmpl("auth.basic.username", a.Basic.Username, vars); err != nil {
			return nil, err
		}
		if out.pass, err = tmpl("auth.basic.password", a.Basic.Password, vars); err != nil {
			return nil, err
		}
	}
	if a.Bearer != "" {
		n++
		if out.bearer, err = tmpl("auth.bearer", a.Bearer, vars); err != nil {
			return nil, err
		}
	}
	if a.APIKey != nil {
		n++
		if err := out.compileAPIKey(a.APIKey, vars); err != nil {
			return nil, err
		}
	}
	if n != 1 {
		return nil, errors.New("auth: set exactly one of basic, bearer and api_key")
	}
	return out, nil
}

func (out *auth) compileAPIKey(k *flow.APIKey, vars []string) error {
	if (k.Header == "") == (k.Query == "") {
		return errors.New("auth.api_key: set exactly one of header and query")
	}
	if k.Header != "" && !validHeaderName(k.Header) {
		return fmt.Errorf("auth.api_key.header: %q is not a valid header name (letters, digits and - only)", k.Header)
	}
	out.keyHeader, out.keyQuery = k.Header, k.Query
	var err error
	out.key, err = tmpl("auth.api_key.value", k.Value, vars)
	return err
}

// valueError names the place of an error inside a nested value, as in
// json.items.0, the way the flow document would spell it.
func valueError(field string, err error) error {
	var pe *expr.PathError
	if errors.As(err, &pe) {
		if len(pe.Path) > 0 {
			field += "." + strings.Join(pe.Path, ".")
		}
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", field, err)
}

func tmpl(field, src string, vars []string) (*expr.Template, error) {
	t, err := expr.ParseTemplate(src, vars)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return t, nil
}

func templates(field string, m map[string]string, vars []string) ([]namedTemplate, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]namedTemplate, 0, len(keys))
	for _, k := range keys {
		t, err := tmpl(field+"."+k, m[k], vars)
		if err != nil {
			return nil, err
		}
		out = append(out, namedTemplate{k, t})
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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

func duration(field, s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a duration; write it like 500ms, 30s or 2m", field, s)
	}
	return d, nil
}
