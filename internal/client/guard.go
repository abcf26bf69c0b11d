package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/bistro-dev/bistro/internal/api"
)

// Catalogue returns IT's connector catalogue.
func (c *Client) Catalogue(ctx context.Context) (api.Catalogue, error) {
	var out api.Catalogue
	return out, c.do(ctx, http.MethodGet, "/api/v1/catalogue", nil, &out)
}

// SetConnectorStatus sets a connector's status platform-wide (workspace
// "") or in a workspace; "inherit" removes the entry.
func (c *Client) SetConnectorStatus(ctx context.Context, connector, status, workspace string) (api.CatalogueChanged, error) {
	var out api.CatalogueChanged
	return out, c.do(ctx, http.MethodPut, "/api/v1/catalogue/"+url.PathEscape(connector),
		api.CatalogueChange{Status: status, Workspace: workspace}, &out)
}

// RequestConnector asks IT for a connector, with a reason.
func (c *Client) RequestConnector(ctx context.Context, connector, reason string) (api.ConnectorRequest, error) {
	var out api.ConnectorRequest
	return out, c.do(ctx, http.MethodPost, "/api/v1/connector-requests",
		api.NewConnectorRequest{Connector: connector, Reason: reason}, &out)
}

// ListConnectorRequests lists requests for connectors, newest first.
func (c *Client) ListConnectorRequests(ctx context.Context) ([]api.ConnectorRequest, error) {
	var out api.ConnectorRequestList
	return out.Requests, c.do(ctx, http.MethodGet, "/api/v1/connector-requests", nil, &out)
}

// AnswerConnectorRequest approves or declines a request.
func (c *Client) AnswerConnectorRequest(ctx context.Context, id string, approve bool, answer string) (api.ConnectorRequest, error) {
	var out api.ConnectorRequest
	return out, c.do(ctx, http.MethodPost, "/api/v1/connector-requests/"+url.PathEscape(id)+"/answer",
		api.RequestAnswer{Approve: approve, Answer: answer}, &out)
}

// Notifications lists the caller's notifications, newest first.
func (c *Client) Notifications(ctx context.Context) (api.NotificationList, error) {
	var out api.NotificationList
	return out, c.do(ctx, http.MethodGet, "/api/v1/notifications", nil, &out)
}

// ListReviews lists changes submitted for review, newest first; status ""
// for every status.
func (c *Client) ListReviews(ctx context.Context, status string) ([]api.Review, error) {
	var out api.ReviewList
	path := "/api/v1/reviews"
	if status != "" {
		path += "?status=" + url.QueryEscape(status)
	}
	return out.Reviews, c.do(ctx, http.MethodGet, path, nil, &out)
}

// AnswerReview approves a submitted change, or asks for changes.
func (c *Client) AnswerReview(ctx context.Context, id string, approve bool, comment string) (api.Review, error) {
	var out api.Review
	verb := "/request-changes"
	if approve {
		verb = "/approve"
	}
	return out, c.do(ctx, http.MethodPost, "/api/v1/reviews/"+url.PathEscape(id)+verb, api.ReviewAnswer{Comment: comment}, &out)
}
