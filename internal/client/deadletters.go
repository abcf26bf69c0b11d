package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bistro-dev/bistro/internal/api"
)

// ListDeadLetters lists the messages whose runs failed every attempt,
// newest first; of one flow when flow is set.
func (c *Client) ListDeadLetters(ctx context.Context, flow string, limit int) ([]api.DeadLetter, error) {
	q := url.Values{}
	if flow != "" {
		q.Set("flow", flow)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/api/v1/dead-letters"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out api.DeadLetterList
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out.DeadLetters, err
}

// ReplayDeadLetter runs a dead letter's message again and takes it off
// the list.
func (c *Client) ReplayDeadLetter(ctx context.Context, id string) (api.Run, error) {
	var out api.Run
	err := c.do(ctx, http.MethodPost, "/api/v1/dead-letters/"+url.PathEscape(id)+"/replay", nil, &out)
	return out, err
}

// DeleteDeadLetter deletes a dead letter without running it.
func (c *Client) DeleteDeadLetter(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/dead-letters/"+url.PathEscape(id), nil, nil)
}
