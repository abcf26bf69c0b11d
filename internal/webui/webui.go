// Package webui serves the web builder: the single-page app built from web/
// into dist/ and embedded in the binary, so that Bistro builds with Go alone.
package webui

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// apiPrefixes are the server's own paths; everything else is the app.
var apiPrefixes = []string{"/api/", "/hooks/", "/auth/"}

// apiPaths are the server's own exact paths.
var apiPaths = map[string]bool{"/api": true, "/healthz": true, "/readyz": true, "/metrics": true}

// Handler serves the app: files that exist (hashed assets cached for a
// year), and index.html for every other path so that links into the app
// work on reload. index.html is never cached, so a new binary's app is
// picked up at once.
func Handler() http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return handler{root: root, files: http.FileServerFS(root)}
}

// WithAPI routes the API, webhooks, health and metrics paths to api and
// every other path to the app.
func WithAPI(api http.Handler) http.Handler {
	ui := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	})
}

func isAPI(p string) bool {
	if apiPaths[p] {
		return true
	}
	for _, pre := range apiPrefixes {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

type handler struct {
	root  fs.FS
	files http.Handler
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "The web app only answers GET requests.", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(name, "assets/") {
		if !exists(h.root, name) {
			// A missing asset is an old page asking for a replaced file;
			// answering with index.html would only hide that.
			http.NotFound(w, r)
			return
		}
		// Asset names carry a hash of their content, so they never change.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		h.files.ServeHTTP(w, r)
		return
	}
	if name != "" && name != "index.html" && exists(h.root, name) {
		w.Header().Set("Cache-Control", "no-cache")
		h.files.ServeHTTP(w, r)
		return
	}
	h.index(w, r)
}

// index serves index.html itself: http.FileServer would redirect
// /index.html to / and list nothing useful for app paths.
func (h handler) index(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(h.root, "index.html")
	if err != nil {
		http.Error(w, "The web app is not built into this binary; run `make web`.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

func exists(root fs.FS, name string) bool {
	st, err := fs.Stat(root, name)
	return err == nil && !st.IsDir()
}
