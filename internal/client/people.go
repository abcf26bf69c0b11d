package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
)

// Login signs in with an email and password and creates an API token
// for this client, named name, with the most the person may do: admin
// for platform admins, else their role in their first workspace. The
// browser session used for it is ended again; the token is what the CLI
// keeps. It answers the token's secret and who signed in.
func (c *Client) Login(ctx context.Context, email, password, name string, expires time.Duration) (string, api.Me, error) {
	jar, _ := cookiejar.New(nil)
	base := c.HTTP
	if base == nil {
		base = http.DefaultClient
	}
	s := &Client{BaseURL: c.BaseURL, HTTP: &http.Client{Jar: jar, Transport: base.Transport, Timeout: base.Timeout}}
	var me api.Me
	if err := s.do(ctx, http.MethodPost, "/api/v1/session", api.Credentials{Email: email, Password: password}, &me); err != nil {
		return "", me, err
	}
	defer func() { _ = s.do(context.WithoutCancel(ctx), http.MethodDelete, "/api/v1/session", nil, nil) }()
	req := api.NewTokenRequest{Name: name, Workspace: me.Workspace, ExpiresInDays: int(expires.Hours() / 24)}
	switch {
	case me.Admin:
		req.Role = "admin"
	default:
		for _, w := range me.Workspaces {
			if w.ID == me.Workspace {
				req.Role = w.Role
			}
		}
	}
	if req.Role == "" {
		return "", me, fmt.Errorf("%s is not a member of any workspace yet: ask a workspace owner or an admin to add you", email)
	}
	var out api.NewToken
	if err := s.do(ctx, http.MethodPost, "/api/v1/tokens", req, &out); err != nil {
		return "", me, err
	}
	return out.Secret, me, nil
}

// Me says who the client's token belongs to.
func (c *Client) Me(ctx context.Context) (api.Me, error) {
	var me api.Me
	return me, c.do(ctx, http.MethodGet, "/api/v1/me", nil, &me)
}

// RevokeToken stops the token id from working.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/tokens/"+url.PathEscape(id), nil, nil)
}
