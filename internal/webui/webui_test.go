package webui

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// asset returns the path of one built asset, so the test follows the build.
func asset(t *testing.T, ext string) string {
	t.Helper()
	entries, err := fs.ReadDir(dist, "dist/assets")
	if err != nil {
		t.Fatalf("no built assets: %v", err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ext) {
			return "/assets/" + e.Name()
		}
	}
	t.Fatalf("no %s asset in dist/assets", ext)
	return ""
}

func TestHandler(t *testing.T) {
	t.Parallel()
	js := asset(t, ".js")
	tests := []struct {
		name, method, path string
		status             int
		cache, ctype, body string
	}{
		{"root is the app", "GET", "/", 200, "no-cache", "text/html", `<div id="root">`},
		{"app path is the app", "GET", "/flows/lead%20cleanup", 200, "no-cache", "text/html", `<div id="root">`},
		{"index.html itself", "GET", "/index.html", 200, "no-cache", "text/html", `<div id="root">`},
		{"hashed asset cached", "GET", js, 200, "public, max-age=31536000, immutable", "javascript", ""},
		{"missing asset", "GET", "/assets/gone-123.js", 404, "", "", ""},
		{"no writes", "POST", "/", 405, "", "", ""},
		{"escaping the folder", "GET", "/../webui.go", 200, "no-cache", "text/html", `<div id="root">`},
	}
	h := Handler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Cache-Control"); tt.cache != "" && got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			if got := res.Header.Get("Content-Type"); !strings.Contains(got, tt.ctype) {
				t.Errorf("Content-Type = %q, want it to contain %q", got, tt.ctype)
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body does not contain %q", tt.body)
			}
		})
	}
}

func TestWithAPI(t *testing.T) {
	t.Parallel()
	api := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := WithAPI(api)
	tests := []struct {
		path  string
		toAPI bool
	}{
		{"/api/v1/flows", true},
		{"/api", true},
		{"/hooks/abc", true},
		{"/auth/sso/start", true},
		{"/healthz", true},
		{"/readyz", true},
		{"/metrics", true},
		{"/", false},
		{"/runs/123", false},
		{"/apiary", false},
		{"/metrics-page", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if got := rec.Code == http.StatusTeapot; got != tt.toAPI {
				t.Errorf("%s went to the API: %v, want %v (status %d)", tt.path, got, tt.toAPI, rec.Code)
			}
		})
	}
}
