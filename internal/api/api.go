// Package api is Bistro's HTTP interface: the JSON API under /api/v1
// (documented by an OpenAPI 3.1 document generated from the operations),
// the webhook endpoint flows are called on, health checks and metrics.
// Every error is an RFC 9457 problem details body.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultMaxBody is the webhook body limit when Config.MaxBody is zero.
const DefaultMaxBody = 1 << 20

// Config is what the HTTP interface is built from.
type Config struct {
	Backend Backend
	// Auth authenticates every secured request and manages people,
	// tokens and workspaces.
	Auth *auth.Service
	// Guard is IT's guardrails: the connector catalogue, requests for
	// connectors and notifications; nil: none (every connector allowed).
	Guard  *guard.Service
	Logger *slog.Logger // default: slog.Default()
	// Registry receives the HTTP metrics and is what /metrics serves;
	// default: a new registry.
	Registry *prometheus.Registry
	MaxBody  int64  // webhook body limit in bytes; default DefaultMaxBody
	Version  string // the binary's version, shown by /healthz
	Clock    clock.Clock
}

// server holds what every handler needs.
type server struct {
	backend Backend
	auth    *auth.Service
	guard   *guard.Service
	log     *slog.Logger
	maxBody int64
	version string
	clock   clock.Clock
	metrics *httpMetrics
}

func (s *server) now() time.Time { return s.clock.Now() }

// New builds the HTTP handler of the whole server.
func New(cfg Config) http.Handler {
	s := newServer(cfg)
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = newHTTPMetrics(reg)
	return s.handler(reg)
}

func newServer(cfg Config) *server {
	s := &server{
		backend: cfg.Backend, auth: cfg.Auth, guard: cfg.Guard, log: cfg.Logger,
		maxBody: cfg.MaxBody, version: cfg.Version, clock: cfg.Clock,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.version == "" {
		s.version = "dev"
	}
	return s
}

func (s *server) handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	s.register(humago.New(mux, humaConfig()))
	mux.HandleFunc(hooksPrefix+"{webhook_id}", s.hook)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notRouted(mux, w, r) })
	return s.observe(crossOrigin(mux))
}

// crossOrigin refuses state-changing requests that a browser sent from
// another site (CSRF), with Go's Sec-Fetch-Site and Origin checks. Calls
// without browser headers (the CLI, scripts) pass; webhooks are meant to
// be called from anywhere and are left out.
func crossOrigin(next http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, hooksPrefix) {
			if err := csrf.Check(r); err != nil {
				writeProblem(w, newProblem(http.StatusForbidden, "cross_origin",
					"this request came from another web site, so it was refused; use Bistro's own pages"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// register adds every operation; OpenAPI uses it too, with no backend.
func (s *server) register(api huma.API) {
	api.UseMiddleware(s.authMiddleware())
	s.registerSystem(api)
	s.registerFlows(api)
	s.registerVersions(api)
	s.registerRuns(api)
	s.registerDeadLetters(api)
	s.registerConnections(api)
	s.registerAudit(api)
	s.registerEditor(api)
	s.registerSession(api)
	s.registerUsers(api)
	s.registerTokens(api)
	s.registerGuard(api)
	s.registerInventory(api)
	s.registerReviews(api)
	s.registerQuotas(api)
	s.registerPolicy(api)
	s.registerWorkspaces(api)
	registerHookDoc(api)
}

// APIVersion is the version of the API contract in the OpenAPI document
// (not the binary's version, so the committed document stays stable).
const APIVersion = "1"

func humaConfig() huma.Config {
	cfg := huma.DefaultConfig("Bistro API", APIVersion)
	cfg.Info.Description = "Manage flows and runs of a Bistro server. Every /api/v1 operation but sign-in and setup needs " +
		"a signed-in caller: an API token ('Authorization: Bearer <token>') or the browser's session cookie. " +
		"The header '" + WorkspaceHeader + "' names the workspace a request is about. Errors are RFC 9457 problem details."
	cfg.OpenAPIPath = "/api/v1/openapi"
	// No docs page from a CDN, and no $schema links in bodies.
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityScheme: {Type: "http", Scheme: "bearer", Description: "An API token ('bistro token create' or the web app's Tokens page)."},
		cookieScheme:   {Type: "apiKey", In: "cookie", Name: sessionCookie, Description: "The session cookie set by signing in."},
	}
	return cfg
}

// OpenAPI returns the OpenAPI 3.1 document of the API, indented.
func OpenAPI() ([]byte, error) {
	s := newServer(Config{})
	api := humago.New(http.NewServeMux(), humaConfig())
	s.register(api)
	return json.MarshalIndent(api.OpenAPI(), "", "  ")
}

// notRouted answers requests no route took, as problems: 405 with Allow
// when the path exists for other methods, else 404.
func notRouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		writeProblem(w, newProblem(http.StatusNotFound, "", "there is nothing at this address"))
		return
	}
	p := newProblem(http.StatusMethodNotAllowed, "", "this address does not accept "+r.Method+" requests")
	for _, m := range allow {
		p.GetHeaders().Add("Allow", m)
	}
	writeProblem(w, p)
}
