package httpstep

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/httpconn"
	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
)

const clientSecret = "cl1ent-s3cret-value"

func TestConnURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base, url, want, err string
	}{
		{"https://api.example.com/v1", "/contacts", "https://api.example.com/v1/contacts", ""},
		{"https://api.example.com/v1/", "/contacts", "https://api.example.com/v1/contacts", ""},
		{"https://api.example.com/v1", "contacts/7", "https://api.example.com/v1/contacts/7", ""},
		{"https://api.example.com", "/v1/contacts?email=a%40b.c", "https://api.example.com/v1/contacts?email=a%40b.c", ""},
		{"https://api.example.com/v1", "?page=2", "https://api.example.com/v1?page=2", ""},
		{"https://api.example.com/v1?api-version=2", "/x?q=1", "https://api.example.com/v1/x?api-version=2&q=1", ""},
		{"https://api.example.com/v1?api-version=2", "/x?api-version=3", "https://api.example.com/v1/x?api-version=3", ""},
		{"https://api.example.com/v1", "/items/a%2Fb", "https://api.example.com/v1/items/a%2Fb", ""},
		{"https://api.example.com/v1", "https://api.example.com/v2/other", "https://api.example.com/v2/other", ""},
		{"https://api.example.com/v1", "https://API.example.com:443/v2", "https://API.example.com:443/v2", ""},
		{"https://api.example.com/v1", "https://evil.example.com/v1/contacts", "",
			"url: https://evil.example.com/v1/contacts is not on the connection's address https://api.example.com; a step with a connection only calls its connection's host"},
		{"https://api.example.com/v1", "http://api.example.com/v1", "", "is not on the connection's address"},
		{"https://api.example.com/v1", "https://api.example.com:8443/v1", "", "is not on the connection's address"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			base, _ := url.Parse(tt.base)
			got, err := connURL(base, tt.url)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}

// openConn opens an http connection to the test servers.
func openConn(t *testing.T, config map[string]any) *httpconn.Conn {
	t.Helper()
	env := connector.Env{HTTP: &http.Client{Transport: loopback.Transport()}}
	c, err := httpconn.Open(context.Background(), config, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runConn compiles h and runs it through conn for each record.
func runConn(t *testing.T, f *fixture, h *flow.HTTP, conn Connection, records ...map[string]any) ([]map[string]any, error) {
	t.Helper()
	step, err := Compile(h, &flow.Retry{Attempts: 1}, flow.Scope{})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var out []map[string]any
	for _, rec := range records {
		err := step.RunWith(context.Background(), f.cl, conn, expr.Vars{expr.VarRecord: rec}, func(r map[string]any) error {
			out = append(out, r)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// tokenServer hands out tok-1-abcdef, tok-2-abcdef... to the right client.
func tokenServer(t *testing.T) (*fixture, *atomic.Int32) {
	var n atomic.Int32
	f := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("client_secret") != clientSecret {
			_, pass, _ := r.BasicAuth()
			if pass != clientSecret {
				writeJSON(w, 401, fmt.Sprintf(`{"error":"invalid_client","error_description":"unknown secret %s"}`, pass+r.PostFormValue("client_secret")))
				return
			}
		}
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":"tok-%d-abcdef","token_type":"Bearer","expires_in":3600}`, n.Add(1)))
	})
	return f, &n
}

func oauthConn(t *testing.T, base, tokenURL, secret string) *httpconn.Conn {
	return openConn(t, map[string]any{"base_url": base, "auth": map[string]any{"oauth2": map[string]any{
		"token_url": tokenURL, "client_id": "bistro", "client_secret": secret}}})
}

func TestConnectionRequest(t *testing.T) {
	t.Parallel()
	tok, issued := tokenServer(t)
	api := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `[{"id":1}]`)
	})
	conn := oauthConn(t, api.srv.URL+"/v1", tok.srv.URL+"/token", clientSecret)
	conn.Headers().Set("X-Tenant", "acme")
	conn.Headers().Set("Accept", "application/vnd.crm+json")
	h := &flow.HTTP{Connection: "crm", URL: "/contacts?email={{ record.email }}", Headers: map[string]string{"X-Tenant": "{{ record.tenant }}"}}
	out, err := runConn(t, api, h, conn,
		map[string]any{"email": "ada@example.com", "tenant": "t1"},
		map[string]any{"email": "bob@example.com", "tenant": ""},
		map[string]any{"email": "cy@example.com", "tenant": "t3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || issued.Load() != 1 {
		t.Fatalf("%d records, %d tokens fetched; want 3 and 1", len(out), issued.Load())
	}
	reqs, _ := api.requests()
	wantTenant := []string{"t1", "acme", "t3"} // the step's header wins; empty means the connection's
	for i, r := range reqs {
		if r.URL.Path != "/v1/contacts" || !strings.HasSuffix(r.URL.Query().Get("email"), "@example.com") {
			t.Errorf("request %d went to %s", i, r.URL)
		}
		if r.Header.Get("Authorization") != "Bearer tok-1-abcdef" || r.Header.Get("Accept") != "application/vnd.crm+json" || r.Header.Get("X-Tenant") != wantTenant[i] {
			t.Errorf("request %d headers %v", i, r.Header)
		}
	}
}

func TestConnectionCredentialsStayOnTheOrigin(t *testing.T) {
	t.Parallel()
	other := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"items":[{"page":"other"}]}`) })
	var api *fixture
	api = setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "":
			writeJSON(w, 200, `{"items":[{"page":1}],"next":"?page=2"}`)
		case "2":
			writeJSON(w, 200, fmt.Sprintf(`{"items":[{"page":2}],"next":"%s/elsewhere?page=3"}`, other.srv.URL))
		}
	})
	conn := openConn(t, map[string]any{"base_url": api.srv.URL + "/v1", "headers": map[string]any{"X-Tenant": "acme"},
		"auth": map[string]any{"api_key": map[string]any{"header": "X-Api-Key", "value": "k3y-value"}}})
	h := &flow.HTTP{Connection: "crm", URL: "/contacts", Records: "response.body.items",
		Paginate: &flow.Paginate{NextURL: "response.body.next"}}
	out, err := runConn(t, api, h, conn, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 {
		t.Fatalf("records %v", out)
	}
	reqs, _ := api.requests()
	for _, r := range reqs {
		if r.Header.Get("X-Api-Key") != "k3y-value" || r.Header.Get("X-Tenant") != "acme" {
			t.Errorf("page %s lost the credentials: %v", r.URL, r.Header)
		}
	}
	o, _ := other.requests()
	if len(o) != 1 || o[0].Header.Get("X-Api-Key") != "" || o[0].Header.Get("X-Tenant") != "" {
		t.Errorf("the next page on another host got the connection's headers: %v", o)
	}
}

func TestConnectionRefusesAnotherHost(t *testing.T) {
	t.Parallel()
	api := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	other := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	conn := openConn(t, map[string]any{"base_url": api.srv.URL, "auth": map[string]any{"bearer": "s3cret-token"}})
	_, err := runConn(t, api, &flow.HTTP{Connection: "crm", URL: other.srv.URL + "/steal"}, conn, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "is not on the connection's address "+api.srv.URL) {
		t.Fatalf("error %v", err)
	}
	if reqs, _ := other.requests(); len(reqs) != 0 {
		t.Errorf("the other host was called")
	}
}

// TestConnectionSecretsStayOut checks that neither an access token nor the
// client secret reaches records or errors, even from a server that echoes
// them.
func TestConnectionSecretsStayOut(t *testing.T) {
	t.Parallel()
	tok, _ := tokenServer(t)
	api := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		if r.URL.Path == "/denied" {
			writeJSON(w, 403, `{"error":"not allowed with `+r.Header.Get("Authorization")+`"}`)
			return
		}
		writeJSON(w, 200, `{"you_sent":"`+r.Header.Get("Authorization")+`"}`)
	})
	conn := oauthConn(t, api.srv.URL, tok.srv.URL+"/token", clientSecret)
	out, err := runConn(t, api, &flow.HTTP{Connection: "crm", URL: "/echo", Records: "response"}, conn, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(out)
	if strings.Contains(string(data), "tok-1") || !strings.Contains(string(data), "Bearer REDACTED") {
		t.Errorf("records %s", data)
	}
	_, err = runConn(t, api, &flow.HTTP{Connection: "crm", URL: "/denied"}, conn, map[string]any{})
	if err == nil || strings.Contains(err.Error(), "tok-1") || !strings.Contains(err.Error(), "answered 403 Forbidden") {
		t.Errorf("error %v", err)
	}

	bad := oauthConn(t, api.srv.URL, tok.srv.URL+"/token", "wrong-s3cret")
	_, err = runConn(t, api, &flow.HTTP{Connection: "crm", URL: "/echo"}, bad, map[string]any{})
	want := "GET " + api.srv.URL + "/echo failed: the token endpoint " + tok.srv.URL + "/token refused the client id or secret"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "wrong-s3cret") {
		t.Errorf("error %v, want %q without the secret", err, want)
	}
	if transient, _ := fault.IsTransient(err); transient {
		t.Errorf("a refused secret is not worth retrying: %v", err)
	}
}

func TestConnectionTimeout(t *testing.T) {
	t.Parallel()
	conn := openConn(t, map[string]any{"base_url": "https://api.example.com", "timeout": "5s"})
	for _, tt := range []struct {
		step string
		want time.Duration
	}{{"", 5 * time.Second}, {"2s", 2 * time.Second}} {
		s, err := Compile(&flow.HTTP{Connection: "crm", URL: "/x", Timeout: tt.step}, nil, flow.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.buildRequest(expr.Vars{}, newVia(conn))
		if err != nil || r.timeout != tt.want {
			t.Errorf("step timeout %q: request timeout %v (%v), want %v", tt.step, r.timeout, err, tt.want)
		}
	}
}

func TestConnectionSettingsRefused(t *testing.T) {
	t.Parallel()
	_, err := Compile(&flow.HTTP{Connection: "crm", URL: "/x", Auth: &flow.HTTPAuth{Bearer: "abc"}}, nil, flow.Scope{})
	if err == nil || !strings.Contains(err.Error(), "takes its credentials from the connection 'crm'") {
		t.Errorf("connection and auth: %v", err)
	}
	s, err := Compile(&flow.HTTP{Connection: "crm", URL: "/x"}, nil, flow.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Run(context.Background(), NewClient(ClientOptions{Egress: loopback}), expr.Vars{}, nil)
	if err == nil || !strings.Contains(err.Error(), "the connection 'crm' is not open here") {
		t.Errorf("run without the connection: %v", err)
	}
}
