package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/bistro-dev/bistro/internal/api"
)

// ListConnections lists the workspace's connections.
func (c *Client) ListConnections(ctx context.Context) ([]api.Connection, error) {
	var out api.ConnectionList
	err := c.do(ctx, http.MethodGet, "/api/v1/connections", nil, &out)
	return out.Connections, err
}

// GetConnection returns a connection; of its secrets only whether each is
// set.
func (c *Client) GetConnection(ctx context.Context, name string) (api.Connection, error) {
	var out api.Connection
	err := c.do(ctx, http.MethodGet, "/api/v1/connections/"+url.PathEscape(name), nil, &out)
	return out, err
}

// CreateConnection saves a new connection.
func (c *Client) CreateConnection(ctx context.Context, name string, in api.ConnectionSettings) (api.Connection, error) {
	var out api.Connection
	err := c.do(ctx, http.MethodPost, "/api/v1/connections", api.CreateConnectionRequest{Name: name, ConnectionSettings: in}, &out)
	return out, err
}

// PutConnection creates a connection or replaces its settings; a secret
// left out of in.Config keeps its value, one set to nil is cleared.
func (c *Client) PutConnection(ctx context.Context, name string, in api.ConnectionSettings) (api.Connection, error) {
	var out api.Connection
	err := c.do(ctx, http.MethodPut, "/api/v1/connections/"+url.PathEscape(name), in, &out)
	return out, err
}

// DeleteConnection deletes a connection no flow uses.
func (c *Client) DeleteConnection(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/connections/"+url.PathEscape(name), nil, nil)
}

// TestConnection asks the server to open the connection and check it.
func (c *Client) TestConnection(ctx context.Context, name string) (api.ConnectionTest, error) {
	var out api.ConnectionTest
	err := c.do(ctx, http.MethodPost, "/api/v1/connections/"+url.PathEscape(name)+"/test", nil, &out)
	return out, err
}
