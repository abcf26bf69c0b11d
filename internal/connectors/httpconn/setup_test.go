package httpconn

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/clock/clocktest"
)

const clientSecret = "cl1ent-s3cret-value"

// server is an httptest server that records what it was sent.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seen
}

// seen is one request as the server got it.
type seen struct {
	path   string
	query  url.Values
	header http.Header
	form   url.Values
	body   string
}

func newServer(t *testing.T, handler http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		s.seen = append(s.seen, seen{path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), form: form, body: string(body)})
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.seen...)
}

func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"ok":true}`))
}

// tokens is a token endpoint handing out tok-1, tok-2... lasting
// expiresIn seconds (0: it does not say).
type tokens struct {
	*server
	mu        sync.Mutex
	n         int
	expiresIn int
}

func newTokens(t *testing.T, expiresIn int) *tokens {
	tk := &tokens{expiresIn: expiresIn}
	tk.server = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if pass == "" {
			user, pass = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if user != "bistro" || pass != clientSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"client authentication failed for %s"}`, pass)
			return
		}
		tk.mu.Lock()
		tk.n++
		n := tk.n
		tk.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if tk.expiresIn > 0 {
			fmt.Fprintf(w, `{"access_token":"tok-%d-abcdef","token_type":"bearer","expires_in":%d}`, n, tk.expiresIn)
			return
		}
		fmt.Fprintf(w, `{"access_token":"tok-%d-abcdef","token_type":"bearer"}`, n)
	})
	return tk
}

func (tk *tokens) issued() int {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return tk.n
}

func oauthConfig(base, tokenURL string) map[string]any {
	return map[string]any{"base_url": base, "auth": map[string]any{"oauth2": map[string]any{
		"token_url": tokenURL, "client_id": "bistro", "client_secret": clientSecret,
	}}}
}

var start = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// open opens a connection with the test environment and a fake clock.
func open(t *testing.T, config map[string]any) (*Conn, *clocktest.Fake) {
	t.Helper()
	clk := clocktest.New(start)
	c, err := Open(context.Background(), config, connectortest.Env(t), clk)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, clk
}

// get asks url through the connection's client.
func get(t *testing.T, c *Conn, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

var _ connector.Conn = (*Conn)(nil)
var _ connector.Pinger = (*Conn)(nil)
