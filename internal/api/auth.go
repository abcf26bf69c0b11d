package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/danielgtaylor/huma/v2"
)

// Caller is who made an API request, and their role in the workspace the
// request is about.
type Caller struct {
	Principal auth.Principal
	TokenID   string // the token used; "" for a browser session
	UserID    string // the person; "" for an installation token
	Workspace string // the workspace the request is about; "" when none
	Role      string // the caller's role there ("admin" for platform admins)
	// Chosen is set when the request named its workspace (header or path).
	Chosen bool
}

type callerKey struct{}

// CallerFrom returns the authenticated caller of a request's context.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// The security schemes in the OpenAPI document.
const (
	securityScheme = "bearer"
	cookieScheme   = "session"
	sessionCookie  = "bistro_session"
	// WorkspaceHeader names the workspace a request is about; without it,
	// a token's own workspace, else the person's home workspace.
	WorkspaceHeader = "Bistro-Workspace"
)

// Messages for a refused credential. They never say whether a token exists.
const (
	noTokenDetail = "you are not signed in: sign in, or send an API token in the header 'Authorization: Bearer <token>'"
)

// authMiddleware authenticates and then authorises every operation that
// declares a security scheme, so no handler can forget to. Every request,
// secured or not, carries its client's address for the audit log.
func (s *server) authMiddleware() func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		ctx = withClient(ctx)
		op := ctx.Operation()
		if len(op.Security) == 0 {
			next(ctx)
			return
		}
		caller, p := s.authenticate(ctx)
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

// authenticate finds the caller by bearer token, else by session cookie,
// and their role in the workspace the request is about.
func (s *server) authenticate(ctx huma.Context) (Caller, *Problem) {
	if s.auth == nil {
		return Caller{}, newProblem(http.StatusUnauthorized, "", noTokenDetail)
	}
	pr, err := s.principal(ctx)
	if err != nil {
		return Caller{}, s.authProblem(ctx.Context(), err)
	}
	c := Caller{Principal: pr, UserID: pr.User.ID}
	if pr.Token != nil {
		c.TokenID = pr.Token.ID
	}
	c.Workspace = ctx.Param("workspace")
	if c.Workspace == "" {
		c.Workspace = strings.TrimSpace(ctx.Header(WorkspaceHeader))
	}
	c.Chosen = c.Workspace != ""
	if !c.Chosen {
		if c.Workspace, err = s.auth.HomeWorkspace(ctx.Context(), pr); err != nil {
			return Caller{}, s.internal(ctx.Context(), err)
		}
	}
	if c.Role, err = s.auth.Role(ctx.Context(), pr, c.Workspace); err != nil {
		return Caller{}, s.internal(ctx.Context(), err)
	}
	return c, nil
}

func (s *server) principal(ctx huma.Context) (auth.Principal, error) {
	if h := strings.TrimSpace(ctx.Header("Authorization")); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return auth.Principal{}, &auth.Error{Kind: auth.Unauthenticated, Message: noTokenDetail}
		}
		return s.auth.Token(ctx.Context(), strings.TrimSpace(secret))
	}
	if v := cookieValue(ctx.Header("Cookie"), sessionCookie); v != "" {
		return s.auth.Session(ctx.Context(), v)
	}
	return auth.Principal{}, &auth.Error{Kind: auth.Unauthenticated, Message: noTokenDetail}
}

func cookieValue(header, name string) string {
	cs, err := http.ParseCookie(header)
	if err != nil {
		return ""
	}
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// authProblem turns a refusal of the auth service into a problem.
func (s *server) authProblem(ctx context.Context, err error) *Problem {
	var e *auth.Error
	if !errors.As(err, &e) {
		return s.internal(ctx, err)
	}
	status := map[auth.Kind]int{auth.Invalid: http.StatusUnprocessableEntity, auth.Unauthenticated: http.StatusUnauthorized,
		auth.Forbidden: http.StatusForbidden, auth.NotFound: http.StatusNotFound, auth.Conflict: http.StatusConflict,
		auth.Limited: http.StatusTooManyRequests}[e.Kind]
	p := newProblem(status, "", e.Message)
	if e.Field != "" {
		p.Errors = []ProblemDetail{{Location: e.Field, Message: e.Message}}
	}
	if e.RetryAfter > 0 {
		p.GetHeaders().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	return p
}

// caller returns the request's caller; the middleware guarantees one for
// secured operations.
func caller(ctx context.Context) Caller {
	c, _ := CallerFrom(ctx)
	return c
}

type clientKey struct{}

// withClient puts the client's address and user agent in the context.
func withClient(ctx huma.Context) huma.Context {
	addr := ctx.RemoteAddr()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	c := auth.Client{Address: addr, UserAgent: ctx.Header("User-Agent")}
	ctx = huma.WithValue(ctx, clientKey{}, c)
	secure := ctx.TLS() != nil || strings.EqualFold(ctx.Header("X-Forwarded-Proto"), "https")
	return huma.WithValue(ctx, secureKey{}, secure)
}

type secureKey struct{}

// secureFrom reports whether the request came over TLS, so cookies are
// marked Secure.
func secureFrom(ctx context.Context) bool {
	b, _ := ctx.Value(secureKey{}).(bool)
	return b
}

func clientFrom(ctx context.Context) auth.Client {
	c, _ := ctx.Value(clientKey{}).(auth.Client)
	return c
}

// withActor is the context of an authenticated operation: the caller, and
// for the audit log who they are and where the request came from.
func (s *server) withActor(ctx huma.Context, c Caller) huma.Context {
	inner := context.WithValue(ctx.Context(), callerKey{}, c)
	return huma.WithContext(ctx, audit.WithActor(inner, c.Principal.Actor(), clientFrom(inner).Address))
}

// writeHumaProblem answers from a middleware, before any handler ran.
func writeHumaProblem(ctx huma.Context, p *Problem) {
	for k, vs := range p.headers {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(p.Status)
	_ = json.NewEncoder(ctx.BodyWriter()).Encode(p)
}
