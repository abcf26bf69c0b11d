package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/prometheus/client_golang/prometheus"
)

// syncBuffer is a log sink the server may write to from many requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	backend *apitest.Backend
	people  *apitest.People
	srv     *apitest.Server
	logs    *syncBuffer
}

// setup starts an API server on the seeded test double (see apitest.Seed).
func setup(t *testing.T) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	srv := apitest.NewServer(t, logs)
	return &fixture{backend: srv.Backend, people: srv.People, srv: srv, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request with the test token unless token says otherwise
// ("-" for none).
func (f *fixture) do(t *testing.T, method, path, token, body string) response {
	t.Helper()
	return f.doWith(t, method, path, token, body, nil)
}

// doWith is do with more request headers.
func (f *fixture) doWith(t *testing.T, method, path, token, body string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	switch token {
	case "":
		req.Header.Set("Authorization", "Bearer "+apitest.Token)
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// str reads a field by a dotted path, e.g. "flow.name" or "errors.0.line".
func (r response) str(path string) string {
	var v any = r.body
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i := 0
			for _, c := range part {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// checkProblem asserts the RFC 9457 shape of an error answer.
func checkProblem(t *testing.T, r response, status int, detail string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q, want application/problem+json", ct)
	}
	for _, field := range []string{"type", "title", "status", "detail", "code", "error_id"} {
		if r.str(field) == "" {
			t.Errorf("problem lacks %q: %s", field, r.raw)
		}
	}
	if r.str("status") != strconv.Itoa(status) {
		t.Errorf("problem status %s, want %d", r.str("status"), status)
	}
	if !strings.Contains(r.str("detail"), detail) {
		t.Errorf("detail %q does not contain %q", r.str("detail"), detail)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		token  string
		status int
		detail string
	}{
		{"missing", "-", 401, "you are not signed in"},
		{"wrong", "bst_nope", 401, "the API token is not valid"},
		{"expired", "bst_expired", 401, "the API token is not valid"},
		{"another workspace's token", "bst_outsider", 403, "not a member of workspace 'default'"},
		{"valid", "", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			r := f.do(t, "GET", "/api/v1/flows", tc.token, "")
			if tc.status == 200 {
				if r.status != 200 || r.str("flows.0.name") != "leads" {
					t.Fatalf("status %d body %s", r.status, r.raw)
				}
				return
			}
			checkProblem(t, r, tc.status, tc.detail)
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestAuthBasicSchemeAndNoLeakInLogs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.do(t, "GET", "/api/v1/flows", "-", "")
	checkProblem(t, r, 401, "you are not signed in")
	f.do(t, "GET", "/api/v1/flows", "", "")
	logs := f.logs.String()
	if strings.Contains(logs, apitest.Token) || !strings.Contains(logs, "path=/api/v1/flows") || !strings.Contains(logs, "status=200") {
		t.Fatalf("logs:\n%s", logs)
	}
}

func TestTokenStoreFailureIs500WithLoggedErrorID(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.people.Faults.FailOn("TokenByHash", 0, io.ErrUnexpectedEOF)
	r := f.do(t, "GET", "/api/v1/flows", "", "")
	checkProblem(t, r, 500, "something went wrong on the server")
	if strings.Contains(r.raw, "unexpected EOF") {
		t.Errorf("internal error text leaked: %s", r.raw)
	}
	if logs := f.logs.String(); !strings.Contains(logs, r.str("error_id")) || !strings.Contains(logs, "unexpected EOF") {
		t.Errorf("the log lacks the error id %s and the real error:\n%s", r.str("error_id"), logs)
	}
}

func TestOpenAPIAndHealthNeedNoToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		path, want string
	}{
		{"/api/v1/openapi.json", `"openapi":"3.1.0"`},
		{"/healthz", `"version":"1.2.3"`},
		{"/readyz", `"status":"ready"`},
	}
	for _, tc := range tests {
		r := f.do(t, "GET", tc.path, "-", "")
		if r.status != 200 || !strings.Contains(strings.ReplaceAll(r.raw, " ", ""), tc.want) {
			t.Errorf("%s: status %d body %.200s", tc.path, r.status, r.raw)
		}
	}
	for _, path := range []string{"/docs", "/schemas/Flow.json"} {
		if r := f.do(t, "GET", path, "-", ""); r.status != 404 {
			t.Errorf("%s: status %d, want 404 (no third-party docs page)", path, r.status)
		}
	}
}

func TestReadyFails(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.backend.FailWith("Ready", io.EOF)
	checkProblem(t, f.do(t, "GET", "/readyz", "-", ""), 503, "database is not reachable")
}

func TestNotRouted(t *testing.T) {
	t.Parallel()
	f := setup(t)
	checkProblem(t, f.do(t, "GET", "/nothing/here", "-", ""), 404, "there is nothing at this address")
	r := f.do(t, "GET", "/api/v1/flows/leads/enable", "", "")
	checkProblem(t, r, 405, "does not accept GET")
	if r.header.Get("Allow") != "POST" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.do(t, "GET", "/api/v1/flows", "", "")
	f.do(t, "GET", "/api/v1/flows/nope", "", "")
	r := f.do(t, "GET", "/metrics", "-", "")
	for _, want := range []string{
		`bistro_http_requests_total{code="200",route="GET /api/v1/flows"} 1`,
		`bistro_http_requests_total{code="404",route="GET /api/v1/flows/{name}"} 1`,
		`bistro_http_request_duration_seconds_count{route="GET /api/v1/flows"} 1`,
	} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("metrics lack %s:\n%s", want, r.raw)
		}
	}
}

func TestTwoHandlersShareARegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	api.New(api.Config{Backend: apitest.NewBackend(), Registry: reg})
	api.New(api.Config{Backend: apitest.NewBackend(), Registry: reg}) // must not panic
}
