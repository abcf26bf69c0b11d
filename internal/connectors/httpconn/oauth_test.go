package httpconn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

func TestTokenFetchedOnceAndReused(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, 3600)
	api := newServer(t, ok)
	c, _ := open(t, oauthConfig(api.URL, tk.URL+"/token"))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { get(t, c, api.URL+"/contacts") })
	}
	wg.Wait()
	if n := tk.issued(); n != 1 {
		t.Errorf("%d tokens fetched for 20 requests, want 1", n)
	}
	for _, s := range api.requests() {
		if s.header.Get("Authorization") != "Bearer tok-1-abcdef" {
			t.Fatalf("the API got %q", s.header.Get("Authorization"))
		}
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, 600) // 10 minutes: replaced 1 minute before
	api := newServer(t, ok)
	c, clk := open(t, oauthConfig(api.URL, tk.URL+"/token"))
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		want    string
	}{
		{0, "tok-1-abcdef"},
		{8 * time.Minute, "tok-1-abcdef"},
		{time.Minute, "tok-2-abcdef"}, // 9 minutes in: within the margin
		{8 * time.Minute, "tok-2-abcdef"},
		{2 * time.Minute, "tok-3-abcdef"},
	}
	for i, st := range steps {
		clk.Sleep(ctx, st.advance)
		get(t, c, api.URL+"/contacts")
		reqs := api.requests()
		if got := reqs[len(reqs)-1].header.Get("Authorization"); got != "Bearer "+st.want {
			t.Errorf("request %d: sent %q, want %s", i+1, got, st.want)
		}
	}
}

func TestTokenWithoutExpiryKeptUntilRefused(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, 0)
	api := newServer(t, ok)
	c, clk := open(t, oauthConfig(api.URL, tk.URL+"/token"))
	get(t, c, api.URL+"/a")
	clk.Sleep(context.Background(), 48*time.Hour)
	get(t, c, api.URL+"/b")
	if n := tk.issued(); n != 1 {
		t.Errorf("%d tokens fetched, want 1", n)
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, 3600)
	var revoked atomic.Value // the token the API no longer takes
	revoked.Store("")
	api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+revoked.Load().(string) {
			http.Error(w, "token revoked", http.StatusUnauthorized)
			return
		}
		ok(w, r)
	})
	c, _ := open(t, oauthConfig(api.URL, tk.URL+"/token"))
	post := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, api.URL+"/contacts", strings.NewReader(`{"name":"Ada"}`))
		resp, err := c.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(); resp.StatusCode != 200 {
		t.Fatalf("first request: %s", resp.Status)
	}
	revoked.Store("tok-1-abcdef")
	if resp := post(); resp.StatusCode != 200 {
		t.Fatalf("after revocation: %s, want the request sent again with a new token", resp.Status)
	}
	reqs := api.requests()
	if len(reqs) != 3 || reqs[2].header.Get("Authorization") != "Bearer tok-2-abcdef" || reqs[2].body != `{"name":"Ada"}` {
		t.Fatalf("requests: %+v", reqs)
	}
	if tk.issued() != 2 {
		t.Errorf("%d tokens fetched, want 2", tk.issued())
	}
	// A token fetched for this very request that is refused is not
	// fetched again and again: the 401 is the answer.
	revoked.Store("tok-2-abcdef")
	fresh, _ := open(t, oauthConfig(api.URL, tk.URL+"/token"))
	tk.mu.Lock()
	tk.n = 1 // the next token is tok-2 again, which the API refuses
	tk.mu.Unlock()
	resp := get(t, fresh, api.URL+"/contacts")
	if resp.StatusCode != http.StatusUnauthorized || tk.issued() != 2 {
		t.Errorf("status %d after %d fetches; want 401 after one", resp.StatusCode, tk.issued()-1)
	}
}

func TestTokenRequestParameters(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, 3600)
	api := newServer(t, ok)
	config := oauthConfig(api.URL, tk.URL+"/token")
	o := config["auth"].(map[string]any)["oauth2"].(map[string]any)
	o["scopes"] = []any{"contacts.read", "contacts.write"}
	o["audience"] = "https://api.example.com"
	o["params"] = map[string]any{"resource": "crm"}
	c, _ := open(t, config)
	get(t, c, api.URL+"/x")
	f := tk.requests()[0].form
	if f.Get("grant_type") != "client_credentials" || f.Get("scope") != "contacts.read contacts.write" ||
		f.Get("audience") != "https://api.example.com" || f.Get("resource") != "crm" {
		t.Errorf("token request form: %v", f)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		secret    string
		handler   http.HandlerFunc // nil: the token endpoint of newTokens
		want      string
		transient bool
	}{
		{"wrong secret", "wrong-s3cret", nil, "refused the client id or secret: client authentication failed for REDACTED", false},
		{"scope", clientSecret, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_scope"}`))
		}, "refused the client's default scopes: invalid_scope", false},
		{"down", clientSecret, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "maintenance for "+r.PostFormValue("client_secret"), http.StatusServiceUnavailable)
		}, "answered 503 Service Unavailable: maintenance for REDACTED", true},
		{"redirect", clientSecret, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example.com/token", http.StatusTemporaryRedirect)
		}, "answered with a redirect", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var endpoint string
			if tt.handler == nil {
				endpoint = newTokens(t, 3600).URL + "/token"
			} else {
				endpoint = newServer(t, tt.handler).URL + "/token"
			}
			api := newServer(t, ok)
			config := oauthConfig(api.URL, endpoint)
			config["auth"].(map[string]any)["oauth2"].(map[string]any)["client_secret"] = tt.secret
			c, _ := open(t, config)
			err := c.Ping(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, "the token endpoint "+endpoint+" ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not name the endpoint or lacks %q", msg, tt.want)
			}
			if strings.Contains(msg, tt.secret) {
				t.Errorf("error %q shows the client secret", msg)
			}
			if retry, _ := connector.IsRetryable(err); retry != tt.transient {
				t.Errorf("retryable = %v, want %v", retry, tt.transient)
			}
			if !tt.transient && !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("not permanent: %v", err)
			}
			if n := len(api.requests()); n != 0 {
				t.Errorf("the API was called %d times without a token", n)
			}
		})
	}
}

func TestSecretsListTokens(t *testing.T) {
	t.Parallel()
	tk := newTokens(t, 3600)
	api := newServer(t, ok)
	c, _ := open(t, oauthConfig(api.URL, tk.URL+"/token"))
	get(t, c, api.URL)
	got := fmt.Sprint(c.Secrets())
	if !strings.Contains(got, clientSecret) || !strings.Contains(got, "tok-1-abcdef") {
		t.Errorf("Secrets() = %v, want the client secret and the access token", got)
	}
}
