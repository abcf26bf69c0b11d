package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Health is the answer of /healthz and /readyz.
type Health struct {
	Status  string `json:"status" enum:"ok,ready" doc:"ok: the process is alive; ready: it can take work"`
	Version string `json:"version" doc:"The server's version"`
}

type healthOutput struct {
	Body Health
}

func (s *server) registerSystem(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "health", Method: http.MethodGet, Path: "/healthz", Tags: []string{"System"},
		Summary:     "Check that the server process is alive",
		Description: "Answers without touching the database: for a process supervisor's liveness check.",
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		return &healthOutput{Body: Health{Status: "ok", Version: s.version}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "ready", Method: http.MethodGet, Path: "/readyz", Tags: []string{"System"},
		Summary:     "Check that the server can take work",
		Description: "Answers 503 while the database cannot be reached: for a load balancer's readiness check.",
		Errors:      []int{http.StatusServiceUnavailable},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		if err := s.backend.Ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "error", err)
			return nil, newProblem(http.StatusServiceUnavailable, "not_ready", "the server cannot take work now: its database is not reachable")
		}
		return &healthOutput{Body: Health{Status: "ready", Version: s.version}}, nil
	})
}

// secured marks an operation as needing a signed-in caller: a session
// cookie or an API token. What it needs beyond that is in Access.
func secured(op huma.Operation) huma.Operation {
	op.Security = []map[string][]string{{securityScheme: {}}, {cookieScheme: {}}}
	op.Errors = append([]int{http.StatusUnauthorized, http.StatusForbidden}, op.Errors...)
	if need := Access[op.OperationID]; need != "" && need != SignedIn {
		op.Description = strings.TrimSpace(op.Description + "\n\nNeeds: " + string(need) + ".")
	}
	return op
}
