package api

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/danielgtaylor/huma/v2"
)

// SetupState says whether the installation still needs its first admin.
type SetupState struct {
	Needed bool `json:"needed" doc:"True until the first admin exists"`
	Local  bool `json:"local" doc:"True when this request came from the server's own machine, the only place setup is open to"`
	SSO    bool `json:"sso" doc:"True when single sign-on is set up"`
}

// Credentials are an email and a password.
type Credentials struct {
	Email    string `json:"email" minLength:"3" maxLength:"320" example:"sam@example.com"`
	Password string `json:"password" minLength:"1" maxLength:"256"`
}

// SetupRequest is the first admin.
type SetupRequest struct {
	Credentials
	Name string `json:"name,omitempty" maxLength:"200"`
}

// PasswordChange is a new password for oneself.
type PasswordChange struct {
	Current  string `json:"current" minLength:"1" maxLength:"256" doc:"The current password"`
	Password string `json:"password" minLength:"1" maxLength:"256" doc:"The new password: at least 10 characters"`
}

// PasswordReset sets a password with a reset link's token.
type PasswordReset struct {
	Token    string `json:"token" minLength:"1" maxLength:"200" doc:"The token of the reset link an admin gave"`
	Password string `json:"password" minLength:"1" maxLength:"256"`
}

type meOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      Me
}

type signedOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

type redirect struct {
	Status    int
	Location  string        `header:"Location"`
	SetCookie []http.Cookie `header:"Set-Cookie"`
}

const ssoCookie = "bistro_sso"

func (s *server) registerSession(api huma.API) {
	tags := []string{"Sign-in"}
	huma.Register(api, huma.Operation{OperationID: "get-setup", Method: http.MethodGet, Path: "/api/v1/setup", Tags: tags,
		Summary: "Say whether the first admin must still be created"}, s.getSetup)
	huma.Register(api, huma.Operation{OperationID: "setup", Method: http.MethodPost, Path: "/api/v1/setup", Tags: tags,
		Summary:       "Create the first admin and sign in",
		Description:   "Open only while there is no admin, and only to requests from the server's own machine. Answers with the session cookie.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.setup)
	huma.Register(api, huma.Operation{OperationID: "sign-in", Method: http.MethodPost, Path: "/api/v1/session", Tags: tags,
		Summary:     "Sign in with email and password",
		Description: "Answers with the session cookie. Too many wrong passwords lock the account for a while; too many attempts from one address are answered 429.",
		Errors:      []int{http.StatusUnauthorized, http.StatusTooManyRequests}}, s.signIn)
	huma.Register(api, secured(huma.Operation{OperationID: "sign-out", Method: http.MethodDelete, Path: "/api/v1/session", Tags: tags,
		Summary: "Sign out this browser", DefaultStatus: http.StatusNoContent}), s.signOut)
	huma.Register(api, secured(huma.Operation{OperationID: "sign-out-everywhere", Method: http.MethodPost, Path: "/api/v1/session/everywhere", Tags: tags,
		Summary: "Sign out every browser of yours", DefaultStatus: http.StatusNoContent}), s.signOutEverywhere)
	huma.Register(api, secured(huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/api/v1/me", Tags: tags,
		Summary: "Who is signed in, and their workspaces and roles"}), s.getMe)
	huma.Register(api, secured(huma.Operation{OperationID: "change-password", Method: http.MethodPut, Path: "/api/v1/me/password", Tags: tags,
		Summary: "Change your password", Description: "Signs out every other browser of yours.",
		Errors: []int{http.StatusUnprocessableEntity}}), s.changePassword)
	huma.Register(api, huma.Operation{OperationID: "complete-password-reset", Method: http.MethodPost, Path: "/api/v1/password-reset", Tags: tags,
		Summary: "Choose a new password with a reset link's token", DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusUnprocessableEntity}}, s.completeReset)
	huma.Register(api, huma.Operation{OperationID: "sso-start", Method: http.MethodGet, Path: "/auth/sso/start", Tags: tags,
		Summary: "Start single sign-on: redirects to the identity provider", Errors: []int{http.StatusNotFound}}, s.ssoStart)
	huma.Register(api, huma.Operation{OperationID: "sso-callback", Method: http.MethodGet, Path: "/auth/sso/callback", Tags: tags,
		Summary: "Where the identity provider sends the browser back; redirects to the app"}, s.ssoCallback)
}

func (s *server) getSetup(ctx context.Context, _ *struct{}) (*struct{ Body SetupState }, error) {
	need, err := s.needsSetup(ctx)
	if err != nil {
		return nil, err
	}
	return &struct{ Body SetupState }{SetupState{Needed: need, Local: isLocal(ctx), SSO: s.auth != nil && s.auth.SSOEnabled()}}, nil
}

func (s *server) needsSetup(ctx context.Context) (bool, error) {
	if s.auth == nil {
		return false, nil
	}
	need, err := s.auth.NeedsSetup(ctx)
	if err != nil {
		return false, s.internal(ctx, err)
	}
	return need, nil
}

func (s *server) setup(ctx context.Context, in *struct {
	Forwarded string `header:"X-Forwarded-For"`
	Body      SetupRequest
}) (*meOutput, error) {
	if s.auth == nil {
		return nil, newProblem(http.StatusForbidden, "", "this server has no sign-in")
	}
	// Until an admin exists nobody is trusted, so the first one is made
	// from the machine itself: a server reachable from elsewhere cannot be
	// claimed by whoever finds it first (a proxy's request counts as remote).
	if !isLocal(ctx) || in.Forwarded != "" {
		return nil, newProblem(http.StatusForbidden, "", "the first admin can only be created on the server's own machine: open http://127.0.0.1:<port>/ there, or run 'bistro admin create' on it")
	}
	si, err := s.auth.Setup(ctx, auth.NewUser{Email: in.Body.Email, Name: in.Body.Name, Password: in.Body.Password}, clientFrom(ctx))
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return s.signedIn(ctx, si)
}

func isLocal(ctx context.Context) bool {
	ip := net.ParseIP(clientFrom(ctx).Address)
	return ip != nil && ip.IsLoopback()
}

func (s *server) signIn(ctx context.Context, in *struct{ Body Credentials }) (*meOutput, error) {
	if s.auth == nil {
		return nil, newProblem(http.StatusUnauthorized, "", "this server has no sign-in")
	}
	si, err := s.auth.SignIn(ctx, in.Body.Email, in.Body.Password, clientFrom(ctx))
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return s.signedIn(ctx, si)
}

// signedIn answers a new session: its cookie and who is signed in.
func (s *server) signedIn(ctx context.Context, si auth.SignedIn) (*meOutput, error) {
	me, err := s.me(ctx, auth.Principal{User: si.User, SessionID: si.Session.ID})
	if err != nil {
		return nil, err
	}
	return &meOutput{SetCookie: s.cookie(ctx, sessionCookie, si.Secret, "/", si.Session.ExpiresAt), Body: me}, nil
}

// cookie is HttpOnly and SameSite=Lax always, and Secure when the
// request came over TLS (directly or through a proxy that says so). An
// empty value with a zero expiry deletes the cookie.
func (s *server) cookie(ctx context.Context, name, value, path string, expires time.Time) http.Cookie {
	c := http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: secureFrom(ctx)}
	if value == "" {
		c.MaxAge = -1
		return c
	}
	c.Expires = expires.UTC()
	c.MaxAge = int(time.Until(expires).Seconds())
	return c
}

func (s *server) signOut(ctx context.Context, _ *struct{}) (*signedOut, error) {
	if err := s.auth.SignOut(ctx, caller(ctx).Principal); err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &signedOut{SetCookie: s.cookie(ctx, sessionCookie, "", "/", time.Time{})}, nil
}

func (s *server) signOutEverywhere(ctx context.Context, _ *struct{}) (*signedOut, error) {
	if _, err := s.auth.SignOutEverywhere(ctx, caller(ctx).Principal); err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &signedOut{SetCookie: s.cookie(ctx, sessionCookie, "", "/", time.Time{})}, nil
}

func (s *server) getMe(ctx context.Context, _ *struct{}) (*struct{ Body Me }, error) {
	me, err := s.me(ctx, caller(ctx).Principal)
	if err != nil {
		return nil, err
	}
	return &struct{ Body Me }{me}, nil
}

func (s *server) me(ctx context.Context, p auth.Principal) (Me, error) {
	ws, err := s.auth.Workspaces(ctx, p)
	if err != nil {
		return Me{}, s.internal(ctx, err)
	}
	home, err := s.auth.HomeWorkspace(ctx, p)
	if err != nil {
		return Me{}, s.internal(ctx, err)
	}
	me := Me{Admin: p.Admin(), Workspace: home, Workspaces: []WorkspaceAccess{}, Via: "session"}
	if p.User.ID != "" {
		u := userOut(p.User)
		me.User = &u
	}
	if p.Token != nil {
		me.Via, me.TokenID, me.TokenName = "token", p.Token.ID, p.Token.Name
	}
	for _, w := range ws {
		me.Workspaces = append(me.Workspaces, WorkspaceAccess{ID: w.Workspace.ID, Name: w.Workspace.Name, Role: w.Role})
	}
	return me, nil
}

func (s *server) changePassword(ctx context.Context, in *struct{ Body PasswordChange }) (*meOutput, error) {
	si, err := s.auth.ChangePassword(ctx, caller(ctx).Principal, in.Body.Current, in.Body.Password, clientFrom(ctx))
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return s.signedIn(ctx, si)
}

func (s *server) completeReset(ctx context.Context, in *struct{ Body PasswordReset }) (*struct{}, error) {
	if s.auth == nil {
		return nil, newProblem(http.StatusNotFound, "", "this server has no sign-in")
	}
	if err := s.auth.CompleteReset(ctx, in.Body.Token, in.Body.Password, clientFrom(ctx)); err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return nil, nil
}

func (s *server) ssoStart(ctx context.Context, _ *struct{}) (*redirect, error) {
	if s.auth == nil || !s.auth.SSOEnabled() {
		return nil, newProblem(http.StatusNotFound, "", "single sign-on is not set up on this server")
	}
	to, state, err := s.auth.BeginSSO()
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &redirect{Status: http.StatusFound, Location: to,
		SetCookie: []http.Cookie{s.cookie(ctx, ssoCookie, state, "/auth/sso", time.Now().Add(10*time.Minute))}}, nil
}

// ssoCallback ends single sign-on in the app either way: signed in, or
// on the sign-in page with the reason.
func (s *server) ssoCallback(ctx context.Context, in *struct {
	Code  string `query:"code" maxLength:"4096"`
	State string `query:"state" maxLength:"1024"`
	Error string `query:"error_description" maxLength:"1000"`
	Saved string `cookie:"bistro_sso"`
}) (*redirect, error) {
	fail := func(msg string) (*redirect, error) {
		return &redirect{Status: http.StatusFound, Location: "/?sso_error=" + url.QueryEscape(msg),
			SetCookie: []http.Cookie{s.cookie(ctx, ssoCookie, "", "/auth/sso", time.Time{})}}, nil
	}
	switch {
	case s.auth == nil || !s.auth.SSOEnabled():
		return nil, newProblem(http.StatusNotFound, "", "single sign-on is not set up on this server")
	case in.Error != "":
		return fail("the identity provider refused the sign-in: " + in.Error)
	}
	si, err := s.auth.FinishSSO(ctx, in.Saved, in.State, in.Code, clientFrom(ctx))
	if auth.KindOf(err) != 0 {
		return fail(err.Error())
	}
	if err != nil {
		return fail(s.internal(ctx, err).Detail)
	}
	return &redirect{Status: http.StatusFound, Location: "/",
		SetCookie: []http.Cookie{s.cookie(ctx, ssoCookie, "", "/auth/sso", time.Time{}),
			s.cookie(ctx, sessionCookie, si.Secret, "/", si.Session.ExpiresAt)}}, nil
}
