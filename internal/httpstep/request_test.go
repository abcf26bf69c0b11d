package httpstep

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/flow"
)

func ptr[T any](v T) *T { return &v }

func TestRequest(t *testing.T) {
	t.Parallel()
	record := map[string]any{"email": "ada@example.com", "tags": []any{"a", "b"}, "id": 42.0}
	tests := []struct {
		name        string
		h           flow.HTTP
		path        string // appended to the server URL
		wantMethod  string
		wantQuery   string
		wantHeaders map[string]string
		wantBody    string
	}{
		{
			name:        "default GET with user agent",
			h:           flow.HTTP{},
			wantMethod:  "GET",
			wantHeaders: map[string]string{"User-Agent": "bistro/test", "Accept": "application/json, */*;q=0.5"},
		},
		{
			name:       "query merged into the url",
			h:          flow.HTTP{Query: map[string]any{"a": "2", "tag": "{{ record.tags }}", "id": "{{ record.id }}", "skip": nil, "n": 5}},
			path:       "/x?a=1&keep=yes",
			wantMethod: "GET",
			wantQuery:  "a=2&id=42&keep=yes&n=5&tag=a&tag=b",
		},
		{
			name:        "headers from templates",
			h:           flow.HTTP{Method: "delete", Headers: map[string]string{"X-Email": "{{ record.email }}", "User-Agent": "custom", "X-Empty": "{{ record.missing }}"}},
			wantMethod:  "DELETE",
			wantHeaders: map[string]string{"X-Email": "ada@example.com", "User-Agent": "custom", "X-Empty": ""},
		},
		{
			name:        "json body",
			h:           flow.HTTP{Method: "POST", JSON: map[string]any{"email": "{{ record.email }}", "id": "{{ record.id }}", "fixed": true}},
			wantMethod:  "POST",
			wantHeaders: map[string]string{"Content-Type": "application/json"},
			wantBody:    `{"email":"ada@example.com","fixed":true,"id":42}`,
		},
		{
			name:        "form body",
			h:           flow.HTTP{Method: "PUT", Form: map[string]string{"email": "{{ record.email }}", "note": "a b&c"}},
			wantMethod:  "PUT",
			wantHeaders: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantBody:    "email=ada%40example.com&note=a+b%26c",
		},
		{
			name:        "raw body keeps its content type",
			h:           flow.HTTP{Method: "PATCH", Body: ptr("<lead>{{ record.email }}</lead>"), Headers: map[string]string{"Content-Type": "application/xml"}},
			wantMethod:  "PATCH",
			wantHeaders: map[string]string{"Content-Type": "application/xml"},
			wantBody:    "<lead>ada@example.com</lead>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
			tt.h.URL = f.srv.URL + tt.path
			if _, err := f.run(t, &tt.h, nil, record); err != nil {
				t.Fatal(err)
			}
			reqs, bodies := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.wantMethod {
				t.Errorf("method %s, want %s", r.Method, tt.wantMethod)
			}
			if r.URL.RawQuery != tt.wantQuery {
				t.Errorf("query %q, want %q", r.URL.RawQuery, tt.wantQuery)
			}
			for name, want := range tt.wantHeaders {
				if got := r.Header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			if diff := cmp.Diff(tt.wantBody, bodies[0]); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		auth  flow.HTTPAuth
		check func(r *http.Request) string // "" when the request is right
	}{
		{"basic", flow.HTTPAuth{Basic: &flow.BasicAuth{Username: "ada", Password: "{{ vars.token }}"}}, func(r *http.Request) string {
			if u, p, ok := r.BasicAuth(); !ok || u != "ada" || p != "s3cret-token" {
				return "basic auth " + u + ":" + p
			}
			return ""
		}},
		{"bearer", flow.HTTPAuth{Bearer: "{{ vars.token }}"}, func(r *http.Request) string {
			if got := r.Header.Get("Authorization"); got != "Bearer s3cret-token" {
				return "authorization " + got
			}
			return ""
		}},
		{"api key header", flow.HTTPAuth{APIKey: &flow.APIKey{Header: "X-Api-Key", Value: "{{ vars.token }}"}}, func(r *http.Request) string {
			if got := r.Header.Get("X-Api-Key"); got != "s3cret-token" {
				return "x-api-key " + got
			}
			return ""
		}},
		{"api key query", flow.HTTPAuth{APIKey: &flow.APIKey{Query: "api_key", Value: "{{ vars.token }}"}}, func(r *http.Request) string {
			if got := r.URL.Query().Get("api_key"); got != "s3cret-token" || r.URL.Query().Get("q") != "1" {
				return "query " + r.URL.RawQuery
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, func(w http.ResponseWriter, r *http.Request) {
				if msg := tt.check(r); msg != "" {
					http.Error(w, msg, http.StatusUnauthorized)
					return
				}
				writeJSON(w, 200, `{"ok":true}`)
			})
			out, err := f.run(t, &flow.HTTP{URL: f.srv.URL + "/me?q=1", Auth: &tt.auth}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]map[string]any{{"ok": true}}, out); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}
