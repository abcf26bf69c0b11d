package httpstep

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/flow"
)

const token = "s3cret-token" // the value of vars.token in every test

func TestSecretsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	echo := func(w http.ResponseWriter, r *http.Request) {
		// A careless server repeats what it got, credentials included.
		http.Error(w, "denied: "+r.Header.Get("Authorization")+" "+r.Header.Get("X-Api-Key")+" "+r.URL.RawQuery, http.StatusForbidden)
	}
	tests := []struct {
		name    string
		h       flow.HTTP
		handler http.HandlerFunc
		want    string
	}{
		{"bearer echoed", flow.HTTP{URL: "/", Auth: &flow.HTTPAuth{Bearer: "{{ vars.token }}"}}, echo, "answered 403 Forbidden: denied: Bearer REDACTED"},
		{"basic echoed", flow.HTTP{URL: "/", Auth: &flow.HTTPAuth{Basic: &flow.BasicAuth{Username: "ada", Password: "{{ vars.token }}"}}}, echo, "denied: Basic REDACTED"},
		{"api key header echoed", flow.HTTP{URL: "/", Auth: &flow.HTTPAuth{APIKey: &flow.APIKey{Header: "X-Api-Key", Value: "{{ vars.token }}"}}}, echo, "denied:  REDACTED"},
		{"api key in the query", flow.HTTP{URL: "/leads?page=2", Auth: &flow.HTTPAuth{APIKey: &flow.APIKey{Query: "k", Value: "{{ vars.token }}"}}}, echo,
			"/leads?k=REDACTED&page=2 answered 403 Forbidden: denied:   k=REDACTED&page=2"},
		{"secret-looking query parameter", flow.HTTP{URL: "/x?access_token=abcdef&q=1"}, echo, "/x?access_token=REDACTED&q=1 answered 403"},
		{"user info in the url", flow.HTTP{URL: "http://ada:pa55word@{{host}}/x"}, echo, "GET http://{{host}}/x answered 403"},
		{"api key on a dead address", flow.HTTP{URL: "http://127.0.0.1:1/x", Auth: &flow.HTTPAuth{APIKey: &flow.APIKey{Query: "k", Value: "{{ vars.token }}"}}}, echo,
			"GET http://127.0.0.1:1/x?k=REDACTED failed: nothing is listening there"},
		{"api key in a refused redirect", flow.HTTP{URL: "/", Auth: &flow.HTTPAuth{APIKey: &flow.APIKey{Query: "k", Value: "{{ vars.token }}"}}},
			func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://10.0.0.1/?k="+url.QueryEscape(token), http.StatusFound)
			}, "/?k=REDACTED failed: connection to 10.0.0.1:80 refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.handler)
			host := strings.TrimPrefix(f.srv.URL, "http://")
			h := tt.h
			h.URL = strings.ReplaceAll(h.URL, "{{host}}", host)
			if strings.HasPrefix(h.URL, "/") {
				h.URL = f.srv.URL + h.URL
			}
			_, err := f.run(t, &h, &flow.Retry{Attempts: 1}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, secret := range []string{token, "pa55word", "abcdef", "czNjcmV0LXRva2Vu", "YWRhOnMzY3JldC10b2tlbg"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q shows the secret %q", msg, secret)
				}
			}
			if want := strings.ReplaceAll(tt.want, "{{host}}", host); !strings.Contains(msg, want) {
				t.Errorf("error %q does not contain %q", msg, want)
			}
		})
	}
}

func TestRedirectCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		auth      flow.HTTPAuth
		otherHost bool
		header    string // the credential header
		wantKept  bool
	}{
		{"bearer to another origin", flow.HTTPAuth{Bearer: "{{ vars.token }}"}, true, "Authorization", false},
		{"api key header to another origin", flow.HTTPAuth{APIKey: &flow.APIKey{Header: "X-Api-Key", Value: "{{ vars.token }}"}}, true, "X-Api-Key", false},
		{"api key query to another origin", flow.HTTPAuth{APIKey: &flow.APIKey{Query: "k", Value: "{{ vars.token }}"}}, true, "", false},
		{"bearer on the same origin", flow.HTTPAuth{Bearer: "{{ vars.token }}"}, false, "Authorization", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
			f := setup(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/moved" {
					writeJSON(w, 200, `{}`)
					return
				}
				to := "/moved"
				if tt.otherHost {
					to = target.srv.URL + "/moved"
				}
				http.Redirect(w, r, to, http.StatusTemporaryRedirect)
			})
			if _, err := f.run(t, &flow.HTTP{URL: f.srv.URL + "/start", Auth: &tt.auth}, nil, nil); err != nil {
				t.Fatal(err)
			}
			arrived := f
			if tt.otherHost {
				arrived = target
			}
			reqs, _ := arrived.requests()
			last := reqs[len(reqs)-1]
			if last.URL.Path != "/moved" {
				t.Fatalf("last request went to %s", last.URL)
			}
			kept := strings.Contains(last.Header.Get(tt.header)+last.URL.RawQuery, token)
			if tt.header == "" {
				kept = strings.Contains(last.URL.RawQuery, token)
			}
			if kept != tt.wantKept {
				t.Errorf("credential kept = %v, want %v (headers %v, query %q)", kept, tt.wantKept, last.Header, last.URL.RawQuery)
			}
		})
	}
}
