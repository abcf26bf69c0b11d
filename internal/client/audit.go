package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
)

// AuditQuery selects audit events; zero fields do not filter.
type AuditQuery struct {
	Action, Target, Actor string
	Since, Until          time.Time
	Limit                 int   // list only: at most this many
	Before                int64 // list only: events before this seq
	After                 int64 // export only: events after this seq
}

func (q AuditQuery) values() url.Values {
	v := url.Values{}
	set := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	set("action", q.Action)
	set("target", q.Target)
	set("actor", q.Actor)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Before > 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if q.After > 0 {
		v.Set("after", strconv.FormatInt(q.After, 10))
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// ListAudit lists audit events, newest first, with the seq to pass as
// Before for the next page (0 on the last page).
func (c *Client) ListAudit(ctx context.Context, q AuditQuery) ([]api.AuditEvent, int64, error) {
	q.After = 0
	var out api.AuditList
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/audit", q.values()), nil, &out)
	return out.Events, out.Next, err
}

// ExportAudit copies the audit export, JSON lines oldest first, to w. An
// export the server could not finish is an error, never a shorter log.
func (c *Client) ExportAudit(ctx context.Context, q AuditQuery, w io.Writer) error {
	q.Limit, q.Before = 0, 0
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+withQuery("/api/v1/audit/export", q.values()), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", api.NDJSON)
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
	if resp.StatusCode >= 400 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return problem(resp, data)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("the export was cut off: %w", err)
	}
	return nil
}
