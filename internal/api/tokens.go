package api

import (
	"context"
	"net/http"
	"time"

	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/danielgtaylor/huma/v2"
)

// NewTokenRequest is an API token to create.
type NewTokenRequest struct {
	Name          string `json:"name" minLength:"1" maxLength:"200" example:"nightly export"`
	Role          string `json:"role" enum:"viewer,operator,builder,owner,admin" doc:"The most it may do: at most your own role in the workspace; admin only for platform admins"`
	Workspace     string `json:"workspace,omitempty" maxLength:"40" doc:"The workspace it acts in; by default the one the request is about. Ignored for admin tokens"`
	ExpiresInDays int    `json:"expires_in_days,omitempty" minimum:"0" maximum:"3650" doc:"Days until it stops working; 0 for never"`
}

// NewToken is a created token with its secret, shown this once.
type NewToken struct {
	Token  Token  `json:"token"`
	Secret string `json:"secret" doc:"Send it as 'Authorization: Bearer <secret>'. It is shown this once: store it now"`
}

// TokenList is a list of tokens.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

func (s *server) registerTokens(api huma.API) {
	tags := []string{"Tokens"}
	huma.Register(api, secured(huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/api/v1/tokens", Tags: tags,
		Summary: "List your API tokens (every token with all=true, for admins)"}), s.listTokens)
	huma.Register(api, secured(huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: "/api/v1/tokens", Tags: tags,
		Summary: "Create an API token for yourself", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusUnprocessableEntity}}), s.createToken)
	huma.Register(api, secured(huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: "/api/v1/tokens/{id}", Tags: tags,
		Summary: "Revoke an API token: it stops working at once", DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusNotFound}}), s.revokeToken)
}

func (s *server) listTokens(ctx context.Context, in *struct {
	All bool `query:"all" doc:"Every token of the installation (admins only)"`
}) (*struct{ Body TokenList }, error) {
	ts, err := s.auth.ListTokens(ctx, caller(ctx).Principal, in.All)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	out := TokenList{Tokens: make([]Token, 0, len(ts))}
	for _, t := range ts {
		out.Tokens = append(out.Tokens, tokenOut(t))
	}
	return &struct{ Body TokenList }{out}, nil
}

func (s *server) createToken(ctx context.Context, in *struct{ Body NewTokenRequest }) (*struct{ Body NewToken }, error) {
	c := caller(ctx)
	ws := in.Body.Workspace
	if ws == "" {
		ws = c.Workspace
	}
	t, secret, err := s.auth.CreateToken(ctx, c.Principal, auth.NewToken{Name: in.Body.Name, Workspace: ws,
		Role: in.Body.Role, ExpiresIn: time.Duration(in.Body.ExpiresInDays) * 24 * time.Hour})
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body NewToken }{NewToken{Token: tokenOut(t), Secret: secret}}, nil
}

func (s *server) revokeToken(ctx context.Context, in *struct {
	ID string `path:"id" maxLength:"100"`
}) (*struct{}, error) {
	if err := s.auth.RevokeToken(ctx, caller(ctx).Principal, in.ID); err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return nil, nil
}
