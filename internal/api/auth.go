package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/danielgtaylor/huma/v2"
)

// Caller is who made an API request: the token it carried.
type Caller struct {
	TokenID   string
	Workspace string
	Role      string
}

type callerKey struct{}

// CallerFrom returns the authenticated caller of a request's context.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// securityScheme is the OpenAPI name of the bearer token scheme.
const securityScheme = "bearer"

// Messages for a refused token. They never say whether a token exists.
const (
	noTokenDetail  = "this request has no API token; send it in the header 'Authorization: Bearer <token>'"
	badTokenDetail = "the API token is not valid (it may be mistyped, expired or revoked)"
)

// authMiddleware authenticates and then authorises every operation that
// declares the bearer scheme, so no handler can forget to.
func (s *server) authMiddleware() func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if len(op.Security) == 0 {
			next(ctx)
			return
		}
		caller, p := s.authenticate(ctx.Context(), ctx.Header("Authorization"))
		if p == nil {
			p = authorize(caller, op.OperationID)
		}
		if p != nil {
			if p.Status == http.StatusUnauthorized {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="bistro"`)
			}
			writeHumaProblem(ctx, p)
			return
		}
		next(s.withActor(ctx, caller))
	}
}

// authenticate looks the bearer token up by its sha256.
func (s *server) authenticate(ctx context.Context, header string) (Caller, *Problem) {
	scheme, secret, _ := strings.Cut(strings.TrimSpace(header), " ")
	secret = strings.TrimSpace(secret)
	if header == "" {
		return Caller{}, newProblem(http.StatusUnauthorized, "", noTokenDetail)
	}
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return Caller{}, newProblem(http.StatusUnauthorized, "", noTokenDetail)
	}
	if s.tokens == nil {
		return Caller{}, newProblem(http.StatusUnauthorized, "", badTokenDetail)
	}
	sum := sha256.Sum256([]byte(secret))
	tok, err := s.tokens.TokenByHash(ctx, sum[:])
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Caller{}, newProblem(http.StatusUnauthorized, "", badTokenDetail)
	case err != nil:
		return Caller{}, s.internal(ctx, err)
	case !tok.ExpiresAt.IsZero() && !s.now().Before(tok.ExpiresAt):
		return Caller{}, newProblem(http.StatusUnauthorized, "", badTokenDetail)
	}
	ws := tok.Workspace
	if ws == "" {
		ws = store.DefaultWorkspace
	}
	return Caller{TokenID: tok.ID, Workspace: ws, Role: tok.Role}, nil
}

// authorize decides whether the caller may run the operation. It is the
// one place access rules live: every operation passes through it with its
// id. For now an admin may do everything and no other role exists.
func authorize(c Caller, operationID string) *Problem {
	if c.Role == "admin" {
		return nil
	}
	_ = operationID // the access matrix will key on it
	return newProblem(http.StatusForbidden, "", "this API token is not allowed to do this")
}

// caller returns the request's caller; the middleware guarantees one for
// secured operations.
func caller(ctx context.Context) Caller {
	c, _ := CallerFrom(ctx)
	return c
}

// writeHumaProblem answers from a middleware, before any handler ran.
func writeHumaProblem(ctx huma.Context, p *Problem) {
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(p.Status)
	_ = json.NewEncoder(ctx.BodyWriter()).Encode(p)
}
