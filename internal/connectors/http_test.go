package connectors_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/flow"
)

const clientSecret = "cl1ent-s3cret-value"

// crm is an API behind an OAuth2 token endpoint; it echoes the token it
// got, as careless APIs do.
type crm struct {
	api, tokens *httptest.Server
	issued      atomic.Int32
	calls       atomic.Int32
}

func newCRM(t *testing.T) *crm {
	c := &crm{}
	c.tokens = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pass, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		if pass != clientSecret && r.PostFormValue("client_secret") != clientSecret {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, pass)
			return
		}
		fmt.Fprintf(w, `{"access_token":"live-token-%d","token_type":"Bearer","expires_in":3600}`, c.issued.Add(1))
	}))
	c.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.calls.Add(1)
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasPrefix(auth, "Bearer live-token-") {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"no token in %q"}`, auth)
			return
		}
		if r.URL.Query().Get("email") == "nobody@example.com" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"no such contact (you sent %s)"}`, auth)
			return
		}
		fmt.Fprintf(w, `{"path":%q,"email":%q,"seen_auth":%q}`, r.URL.Path, r.URL.Query().Get("email"), auth)
	}))
	t.Cleanup(c.api.Close)
	t.Cleanup(c.tokens.Close)
	return c
}

func (c *crm) config(secret string) map[string]any {
	return map[string]any{"base_url": c.api.URL + "/v1", "auth": map[string]any{"oauth2": map[string]any{
		"token_url": c.tokens.URL + "/token", "client_id": "bistro", "client_secret": secret}}}
}

const contactsFlow = `
bistro: 1
name: contacts
trigger: {manual: {}}
steps:
  - id: contacts
    http:
      connection: test
      url: /contacts?email={{ record.email }}
    retry: {attempts: 1}
`

func TestHTTPConnectionOpens(t *testing.T) {
	t.Parallel()
	c, ok := connectors.Find("http")
	if !ok || !c.Spec().BuiltIn {
		t.Fatalf("Find(http) = %v, %v; want the built-in http connector", c, ok)
	}
	api := newCRM(t)
	connectortest.CheckOpen(t, c, api.config(clientSecret))
	if api.issued.Load() != 1 {
		t.Errorf("ping fetched %d tokens, want 1", api.issued.Load())
	}
}

func TestHTTPConnectionFlow(t *testing.T) {
	t.Parallel()
	c, _ := connectors.Find("http")
	api := newCRM(t)
	res, out := connectortest.RunFlow(t, c, api.config(clientSecret), contactsFlow, []map[string]any{
		{"email": "ada@example.com"}, {"email": "bob@example.com"}, {"email": "cy@example.com"},
	})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 3 || out[0]["path"] != "/v1/contacts" || out[2]["email"] != "cy@example.com" {
		t.Fatalf("records %v", out)
	}
	if api.issued.Load() != 1 {
		t.Errorf("%d tokens fetched for 3 records, want 1", api.issued.Load())
	}
	data, _ := json.Marshal(out)
	if strings.Contains(string(data), "live-token") {
		t.Errorf("a token reached the run's records: %s", data)
	}
}

func TestHTTPConnectionFlowErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	c, _ := connectors.Find("http")
	api := newCRM(t)
	res, _ := connectortest.RunFlow(t, c, api.config(clientSecret), contactsFlow, []map[string]any{{"email": "nobody@example.com"}})
	if res.Status != engine.StatusFailed || !strings.Contains(res.Error.Error(), "answered 404 Not Found") || strings.Contains(res.Error.Error(), "live-token") {
		t.Errorf("status %s, error %v", res.Status, res.Error)
	}
	res, _ = connectortest.RunFlow(t, c, api.config("wrong-s3cret"), contactsFlow, []map[string]any{{"email": "ada@example.com"}})
	want := "the token endpoint " + api.tokens.URL + "/token refused the client id or secret"
	if res.Status != engine.StatusFailed || !strings.Contains(res.Error.Error(), want) || strings.Contains(res.Error.Error(), "wrong-s3cret") {
		t.Errorf("status %s, error %v; want %q without the secret", res.Status, res.Error, want)
	}
	if api.calls.Load() != 1 {
		t.Errorf("the API was called %d times, want once (not without a token)", api.calls.Load())
	}
}

func TestHTTPConnectionNotAnAction(t *testing.T) {
	t.Parallel()
	c, _ := connectors.Find("http")
	conn, err := c.Open(t.Context(), c.Spec().WithDefaults(map[string]any{"base_url": "https://api.example.com"}), connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = connectortest.Do(t.Context(), conn, connector.Request{Action: "request"})
	if err == nil || !strings.Contains(err.Error(), "used by the http step") {
		t.Errorf("Do: %v", err)
	}
}

func TestHTTPConnectionValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, step, want string
	}{
		{"auth with a connection", "http: {connection: crm, url: /x, auth: {bearer: abc}}", "takes its credentials from the connection 'crm', so it cannot have 'auth' too"},
		{"unknown connection", "http: {connection: nope, url: /x}", "there is no connection 'nope'"},
		{"another connector's connection", "http: {connection: db, url: /x}", "'db' is a postgres connection, not an http one"},
	}
	check := func(name, connectorName string) error {
		switch {
		case name == "db":
			return fmt.Errorf("'db' is a postgres connection, not an %s one", connectorName)
		case name != "crm":
			return fmt.Errorf("there is no connection '%s'", name)
		}
		return nil
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "bistro: 1\nname: t\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    " + tt.step + "\n"
			_, diags := flow.Load("t.yaml", []byte(src), flow.Options{Actions: connectors.HasAction, Connection: check})
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("diagnostics do not say %q:\n%s", tt.want, diags.Error())
			}
		})
	}
	ok := "bistro: 1\nname: t\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    http: {connection: crm, url: /x}\n"
	if _, diags := flow.Load("t.yaml", []byte(ok), flow.Options{Connection: check}); diags.HasErrors() {
		t.Errorf("a step with a good connection: %s", diags.Error())
	}
}
