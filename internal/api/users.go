package api

import (
	"context"
	"net/http"

	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/danielgtaylor/huma/v2"
)

// NewUserRequest is a person to add.
type NewUserRequest struct {
	Email    string `json:"email" minLength:"3" maxLength:"320" example:"maya@example.com"`
	Name     string `json:"name,omitempty" maxLength:"200"`
	Password string `json:"password,omitempty" maxLength:"256" doc:"Leave out for people who sign in with single sign-on, or to send them a reset link instead"`
	Admin    bool   `json:"admin,omitempty" doc:"Make them a platform admin"`
}

// UserUpdate changes a person; absent fields stay as they are.
type UserUpdate struct {
	Email *string `json:"email,omitempty" maxLength:"320"`
	Name  *string `json:"name,omitempty" maxLength:"200"`
	Admin *bool   `json:"admin,omitempty"`
}

// DeactivateRequest says what becomes of the person's flows.
type DeactivateRequest struct {
	ReassignTo string `json:"reassign_to,omitempty" maxLength:"100" doc:"The id of the user who owns the flows from now on; without it the flows are paused"`
}

// Deactivated is what deactivating a person changed.
type Deactivated struct {
	User          User `json:"user"`
	SessionsEnded int  `json:"sessions_ended"`
	TokensRevoked int  `json:"tokens_revoked"`
	Flows         int  `json:"flows" doc:"Flows paused, or handed over"`
	Reassigned    bool `json:"reassigned" doc:"True when the flows were handed over rather than paused"`
}

// ResetLink is a one-time password reset, shown once.
type ResetLink struct {
	Token     string `json:"token" doc:"Give it to the person (or the link): it sets a new password once"`
	Path      string `json:"path" doc:"The web app's page for it, relative to the server's address"`
	ExpiresAt string `json:"expires_at"`
}

// UserList is every person.
type UserList struct {
	Users []User `json:"users"`
}

type userID struct {
	ID string `path:"id" maxLength:"100"`
}

func (s *server) registerUsers(api huma.API) {
	tags := []string{"People"}
	huma.Register(api, secured(huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/api/v1/users", Tags: tags,
		Summary: "List every person"}), s.listUsers)
	huma.Register(api, secured(huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: "/api/v1/users", Tags: tags,
		Summary: "Add a person", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}}), s.createUser)
	huma.Register(api, secured(huma.Operation{OperationID: "get-user", Method: http.MethodGet, Path: "/api/v1/users/{id}", Tags: tags,
		Summary: "Get a person", Errors: []int{http.StatusNotFound}}), s.getUser)
	huma.Register(api, secured(huma.Operation{OperationID: "update-user", Method: http.MethodPatch, Path: "/api/v1/users/{id}", Tags: tags,
		Summary: "Change a person's name, email or admin flag", Errors: []int{http.StatusNotFound, http.StatusConflict}}), s.updateUser)
	huma.Register(api, secured(huma.Operation{OperationID: "deactivate-user", Method: http.MethodPost, Path: "/api/v1/users/{id}/deactivate", Tags: tags,
		Summary:     "Deactivate a person",
		Description: "At once: their sessions end, their tokens are revoked, their roles are removed, and their flows are paused or handed to another person.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict}}), s.deactivateUser)
	huma.Register(api, secured(huma.Operation{OperationID: "reactivate-user", Method: http.MethodPost, Path: "/api/v1/users/{id}/reactivate", Tags: tags,
		Summary: "Let a deactivated person sign in again (with no roles)", Errors: []int{http.StatusNotFound}}), s.reactivateUser)
	huma.Register(api, secured(huma.Operation{OperationID: "reset-password", Method: http.MethodPost, Path: "/api/v1/users/{id}/password-reset", Tags: tags,
		Summary: "Make a one-time link for the person to choose a new password", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusConflict}}), s.resetPassword)
}

func (s *server) listUsers(ctx context.Context, _ *struct{}) (*struct{ Body UserList }, error) {
	us, err := s.auth.ListUsers(ctx)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	out := UserList{Users: make([]User, 0, len(us))}
	for _, u := range us {
		out.Users = append(out.Users, userOut(u))
	}
	return &struct{ Body UserList }{out}, nil
}

func (s *server) createUser(ctx context.Context, in *struct{ Body NewUserRequest }) (*struct{ Body User }, error) {
	u, err := s.auth.CreateUser(ctx, auth.NewUser{Email: in.Body.Email, Name: in.Body.Name, Password: in.Body.Password, Admin: in.Body.Admin})
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body User }{userOut(u)}, nil
}

func (s *server) getUser(ctx context.Context, in *userID) (*struct{ Body User }, error) {
	u, err := s.auth.GetUser(ctx, in.ID)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body User }{userOut(u)}, nil
}

func (s *server) updateUser(ctx context.Context, in *struct {
	userID
	Body UserUpdate
}) (*struct{ Body User }, error) {
	u, err := s.auth.UpdateUser(ctx, in.ID, auth.UserChange{Name: in.Body.Name, Email: in.Body.Email, Admin: in.Body.Admin})
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body User }{userOut(u)}, nil
}

func (s *server) deactivateUser(ctx context.Context, in *struct {
	userID
	Body *DeactivateRequest
}) (*struct{ Body Deactivated }, error) {
	to := ""
	if in.Body != nil {
		to = in.Body.ReassignTo
	}
	d, err := s.auth.Deactivate(ctx, caller(ctx).Principal, in.ID, to)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	u, err := s.auth.GetUser(ctx, in.ID)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body Deactivated }{Deactivated{User: userOut(u), SessionsEnded: d.Sessions, TokensRevoked: d.Tokens,
		Flows: d.Flows, Reassigned: d.Reassigned}}, nil
}

func (s *server) reactivateUser(ctx context.Context, in *userID) (*struct{ Body User }, error) {
	u, err := s.auth.Reactivate(ctx, in.ID)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body User }{userOut(u)}, nil
}

func (s *server) resetPassword(ctx context.Context, in *userID) (*struct{ Body ResetLink }, error) {
	r, err := s.auth.ResetPassword(ctx, in.ID)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body ResetLink }{ResetLink{Token: r.Secret, Path: "/reset#" + r.Secret,
		ExpiresAt: r.Expires.UTC().Format("2006-01-02T15:04:05Z")}}, nil
}
