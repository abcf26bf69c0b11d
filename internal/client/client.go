// Package client is a small Go client of Bistro's HTTP API, used by the
// command line. Problem details come back as *Error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
)

// Client calls one server with one API token.
type Client struct {
	BaseURL string       // e.g. http://127.0.0.1:8080
	Token   string       // sent as a bearer token
	HTTP    *http.Client // default: http.DefaultClient
}

// New returns a client of the server at baseURL.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token}
}

// Error is a problem the server answered with.
type Error struct {
	api.Problem
}

// Error is the detail, then every located problem on its own line.
func (e *Error) Error() string { return e.Format("") }

// Format writes the problem with its located errors the way 'bistro
// validate' does, naming file as the place of located errors.
func (e *Error) Format(file string) string {
	var b strings.Builder
	b.WriteString(e.Detail)
	if e.Detail == "" {
		b.WriteString(strings.ToLower(e.Title))
	}
	for _, d := range e.Errors {
		b.WriteString("\n")
		b.WriteString(FormatDetail(file, d))
	}
	if e.Status >= 500 && e.ErrorID != "" {
		fmt.Fprintf(&b, " (error id %s)", e.ErrorID)
	}
	return b.String()
}

// FormatDetail writes one located problem: file:line:column: message, and
// the hint on the next line.
func FormatDetail(file string, d api.ProblemDetail) string {
	var b strings.Builder
	loc := file
	if loc == "" {
		loc = d.Location
	}
	if d.Line > 0 {
		loc += fmt.Sprintf(":%d:%d", d.Line, d.Column)
	}
	if loc != "" {
		b.WriteString(loc + ": ")
	}
	if d.Severity == "warning" {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	if d.Hint != "" {
		b.WriteString("\n  hint: " + d.Hint)
	}
	return b.String()
}

// do sends a request with a JSON body (when in is not nil) and decodes a
// JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("could not reach the Bistro server at %s: %w", c.BaseURL, unwrapURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("the server's answer was cut off: %w", err)
	}
	if resp.StatusCode >= 400 {
		return problem(resp, data)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the server's answer is not what this version of bistro expects: %w", err)
	}
	return nil
}

// problem decodes an error answer; a body that is not a problem (from a
// proxy, say) still gives a readable error.
func problem(resp *http.Response, data []byte) error {
	e := &Error{}
	if err := json.Unmarshal(data, &e.Problem); err != nil || e.Status == 0 {
		e.Problem = api.Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode),
			Detail: fmt.Sprintf("the server answered %s", resp.Status)}
	}
	return e
}

func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// ApplyFlow saves a flow document; file names it in messages and tells
// YAML from JSON.
func (c *Client) ApplyFlow(ctx context.Context, file string, doc []byte) (api.ApplyFlowResult, error) {
	var out api.ApplyFlowResult
	req := api.ApplyFlowRequest{Document: string(doc), File: file}
	if strings.HasSuffix(strings.ToLower(file), ".json") {
		req.Format = "json"
	}
	err := c.do(ctx, http.MethodPut, "/api/v1/flows", req, &out)
	return out, err
}

// ListFlows lists the workspace's flows.
func (c *Client) ListFlows(ctx context.Context) ([]api.Flow, error) {
	var out api.FlowList
	err := c.do(ctx, http.MethodGet, "/api/v1/flows", nil, &out)
	return out.Flows, err
}

// GetFlow returns a flow with its document.
func (c *Client) GetFlow(ctx context.Context, name string) (api.Flow, error) {
	var out api.Flow
	err := c.do(ctx, http.MethodGet, "/api/v1/flows/"+url.PathEscape(name), nil, &out)
	return out, err
}

// EnableFlow lets the flow's trigger start runs.
func (c *Client) EnableFlow(ctx context.Context, name string) (api.Flow, error) {
	var out api.Flow
	err := c.do(ctx, http.MethodPost, "/api/v1/flows/"+url.PathEscape(name)+"/enable", nil, &out)
	return out, err
}

// DisableFlow stops the flow's trigger from starting runs.
func (c *Client) DisableFlow(ctx context.Context, name string) (api.Flow, error) {
	var out api.Flow
	err := c.do(ctx, http.MethodPost, "/api/v1/flows/"+url.PathEscape(name)+"/disable", nil, &out)
	return out, err
}

// DeleteFlow deletes a flow.
func (c *Client) DeleteFlow(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/flows/"+url.PathEscape(name), nil, nil)
}

// StartRun starts a run of the flow with input (nil: one empty record).
// With wait above zero the server answers when the run ended or wait
// passed, whichever is first.
func (c *Client) StartRun(ctx context.Context, name string, input json.RawMessage, wait time.Duration) (api.Run, error) {
	var out api.Run
	req := api.StartRunRequest{Input: input, Wait: wait.Seconds()}
	err := c.do(ctx, http.MethodPost, "/api/v1/flows/"+url.PathEscape(name)+"/runs", req, &out)
	return out, err
}

// RunFilter selects runs to list; zero fields do not filter.
type RunFilter struct {
	Flow   string
	Status string
	Since  time.Time
	Until  time.Time
	Limit  int
	Before string
}

// ListRuns lists runs, newest first; the returned next is the Before of
// the following page ("" on the last).
func (c *Client) ListRuns(ctx context.Context, f RunFilter) (runs []api.Run, next string, err error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("flow", f.Flow)
	set("status", f.Status)
	set("before", f.Before)
	if !f.Since.IsZero() {
		set("since", f.Since.UTC().Format(time.RFC3339))
	}
	if !f.Until.IsZero() {
		set("until", f.Until.UTC().Format(time.RFC3339))
	}
	if f.Limit > 0 {
		set("limit", fmt.Sprint(f.Limit))
	}
	path := "/api/v1/runs"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out api.RunList
	err = c.do(ctx, http.MethodGet, path, nil, &out)
	return out.Runs, out.Next, err
}

// GetRun returns a run with its steps.
func (c *Client) GetRun(ctx context.Context, id string) (api.RunDetail, error) {
	var out api.RunDetail
	err := c.do(ctx, http.MethodGet, "/api/v1/runs/"+url.PathEscape(id), nil, &out)
	return out, err
}

// CancelRun cancels a run that has not ended.
func (c *Client) CancelRun(ctx context.Context, id string) (api.Run, error) {
	var out api.Run
	err := c.do(ctx, http.MethodPost, "/api/v1/runs/"+url.PathEscape(id)+"/cancel", nil, &out)
	return out, err
}

// Rerun starts the run's flow version again with the same input, from the
// failed step when fromFailed.
func (c *Client) Rerun(ctx context.Context, id string, fromFailed bool) (api.Run, error) {
	var out api.Run
	err := c.do(ctx, http.MethodPost, "/api/v1/runs/"+url.PathEscape(id)+"/rerun", api.RerunRequest{FromFailed: fromFailed}, &out)
	return out, err
}
