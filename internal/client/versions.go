package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bistro-dev/bistro/internal/api"
)

// ListFlowVersions lists a flow's versions, newest first, without their
// documents.
func (c *Client) ListFlowVersions(ctx context.Context, name string) ([]api.FlowVersion, error) {
	var out api.FlowVersionList
	err := c.do(ctx, http.MethodGet, "/api/v1/flows/"+url.PathEscape(name)+"/versions", nil, &out)
	return out.Versions, err
}

// GetFlowVersion returns one version of a flow with its document.
func (c *Client) GetFlowVersion(ctx context.Context, name string, version int) (api.FlowVersion, error) {
	var out api.FlowVersion
	err := c.do(ctx, http.MethodGet, "/api/v1/flows/"+url.PathEscape(name)+"/versions/"+strconv.Itoa(version), nil, &out)
	return out, err
}
