package httpconn

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/egress"
)

func TestAuthKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		auth  map[string]any
		check func(s seen) bool
	}{
		{"basic", map[string]any{"basic": map[string]any{"username": "ada", "password": "pa55word"}},
			func(s seen) bool { return s.header.Get("Authorization") == "Basic "+basicSecret("ada", "pa55word") }},
		{"bearer", map[string]any{"bearer": "s3cret-token"},
			func(s seen) bool { return s.header.Get("Authorization") == "Bearer s3cret-token" }},
		{"api key header", map[string]any{"api_key": map[string]any{"header": "X-Api-Key", "value": "k3y-value"}},
			func(s seen) bool { return s.header.Get("X-Api-Key") == "k3y-value" }},
		{"api key query", map[string]any{"api_key": map[string]any{"query": "key", "value": "k3y-value"}},
			func(s seen) bool { return s.query.Get("key") == "k3y-value" && s.query.Get("page") == "2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newServer(t, ok)
			other := newServer(t, ok)
			c, _ := open(t, map[string]any{"base_url": api.URL + "/v1", "auth": tt.auth})
			get(t, c, api.URL+"/v1/contacts?page=2")
			get(t, c, other.URL+"/v1/contacts?page=2")
			if got := api.requests(); len(got) != 1 || !tt.check(got[0]) {
				t.Errorf("the API did not get the credentials: %+v", got)
			}
			o := other.requests()
			if len(o) != 1 || tt.check(o[0]) || o[0].header.Get("Authorization") != "" || o[0].query.Has("key") {
				t.Errorf("another host got credentials: %+v", o)
			}
		})
	}
}

func TestCredentialsStayOnTheOriginAcrossRedirects(t *testing.T) {
	t.Parallel()
	other := newServer(t, ok)
	samePortOther := newServer(t, ok) // same host, another port: another origin
	api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/landed", http.StatusTemporaryRedirect)
		case "/port":
			http.Redirect(w, r, samePortOther.URL+"/landed", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			ok(w, r)
		}
	})
	c, _ := open(t, map[string]any{"base_url": api.URL, "auth": map[string]any{"api_key": map[string]any{"header": "X-Api-Key", "value": "k3y-value"}}})
	for _, p := range []string{"/away", "/port", "/here"} {
		get(t, c, api.URL+p)
	}
	for _, s := range append(other.requests(), samePortOther.requests()...) {
		if s.header.Get("X-Api-Key") != "" {
			t.Errorf("a redirect to another origin carried the key: %v", s.header)
		}
	}
	landed := 0
	for _, s := range api.requests() {
		if s.path == "/landed" {
			landed++
			if s.header.Get("X-Api-Key") != "k3y-value" {
				t.Errorf("a redirect on the origin lost the key: %v", s.header)
			}
		}
	}
	if landed != 1 || len(other.requests()) != 1 || len(samePortOther.requests()) != 1 {
		t.Errorf("redirects not followed: %d on the API, %d elsewhere", landed, len(other.requests())+len(samePortOther.requests()))
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"not an address", map[string]any{"base_url": "api.example.com"}, "base_url: this is not a web address"},
		{"password in the address", map[string]any{"base_url": "https://ada:pw@api.example.com"}, "put the user name and password in auth.basic"},
		{"two kinds", map[string]any{"base_url": "https://api.example.com", "auth": map[string]any{"bearer": "abc", "basic": map[string]any{"username": "a", "password": "b"}}}, "give only one of basic, bearer, api_key and oauth2"},
		{"key in both places", map[string]any{"base_url": "https://api.example.com", "auth": map[string]any{"api_key": map[string]any{"header": "X-Key", "query": "key", "value": "v"}}}, "exactly one of header and query"},
		{"bad header", map[string]any{"base_url": "https://api.example.com", "headers": map[string]any{"Bad Header": "x"}}, `"Bad Header" is not a valid header name`},
		{"bad token url", map[string]any{"base_url": "https://api.example.com", "auth": map[string]any{"oauth2": map[string]any{"token_url": "id.example.com/token", "client_id": "a", "client_secret": "b"}}}, "auth.oauth2.token_url: this is not a web address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(context.Background(), tt.config, connectortest.Env(t), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("error %v, want a permanent one containing %q", err, tt.want)
			}
		})
	}
}

func TestDoRefuses(t *testing.T) {
	t.Parallel()
	c, _ := open(t, map[string]any{"base_url": "https://api.example.com"})
	err := c.Do(context.Background(), connector.Request{Action: "request"}, nil)
	if err == nil || !strings.Contains(err.Error(), "used by the http step") || !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("Do: %v", err)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good-token" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		http.NotFound(w, r) // a base address need not be a page of its own
	})
	good, _ := open(t, map[string]any{"base_url": api.URL, "auth": map[string]any{"bearer": "good-token"}})
	if err := good.Ping(context.Background()); err != nil {
		t.Errorf("ping with good credentials: %v", err)
	}
	bad, _ := open(t, map[string]any{"base_url": api.URL, "auth": map[string]any{"bearer": "bad-token"}})
	err := bad.Ping(context.Background())
	if err == nil || !strings.Contains(err.Error(), "answered 401 Unauthorized: it refused the credentials") {
		t.Errorf("ping with bad credentials: %v", err)
	}
}

// TestPolicyRefuses checks that the connection goes through the guarded
// network access: without loopback allowed, neither the API nor the token
// endpoint is reached, and the message says how an admin can allow it.
func TestPolicyRefuses(t *testing.T) {
	t.Parallel()
	api := newServer(t, ok)
	tk := newTokens(t, 3600)
	strict := egress.Policy{}
	env := connectortest.Env(t)
	env.Dial = strict.Dialer().DialContext
	env.HTTP = &http.Client{Transport: strict.Transport()}
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"base url", map[string]any{"base_url": api.URL, "auth": map[string]any{"bearer": "s3cret-token"}}, "could not reach " + api.URL},
		{"token url", oauthConfig("https://api.example.com", tk.URL+"/token"), "could not get a token from the token endpoint " + tk.URL + "/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Open(context.Background(), tt.config, env, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Ping(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "--allow-network 127.0.0.0/8") {
				t.Fatalf("ping: %v", err)
			}
			if !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("a refused address is permanent: %v", err)
			}
			if n := len(api.requests()) + len(tk.requests()); n != 0 {
				t.Errorf("%d requests got through", n)
			}
		})
	}
}
