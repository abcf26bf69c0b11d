// Package httpstep runs the HTTP step: one or more requests per record,
// through the guarded egress, with auth, retries and pagination, turning
// responses into records.
//
// Records. The response is read as {status, headers, body}: headers by lower
// case name (a list when a header is repeated), the body parsed as JSON when
// the server says it is JSON or it starts with { or [, otherwise text. With
// a records expression, its value is used; without, the body is. A list
// gives one record per element (elements that are not objects become
// {value: element}), an object one record, nothing no record. Without a
// records expression a body that is neither a list nor an object gives one
// record {status, headers, body}.
//
// Into. With into, the step emits exactly one record: a shallow copy of the
// incoming record with the into field set to the list of all records from
// all pages, or to the single object when the selection was an object and
// the step does not paginate.
//
// Credentials (auth and the api key) are only sent to the host, scheme and
// port of the step's url: redirects and next-page links to another host go
// without them, and they never appear in error messages.
//
// Connections. A step that names a connection (RunWith) takes the
// connection's base address, headers, timeout and credentials: its url may
// be a path added to the base address, an absolute url must be on the base
// address's origin, and the credentials and headers go to that origin
// only. The connection's secrets, access tokens included, are blanked out
// of messages and of the answers that become records.
package httpstep

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/version"
)

// DefaultMaxBody is how much of a response Bistro reads at most.
const DefaultMaxBody = 10 << 20

// ClientOptions configure a Client.
type ClientOptions struct {
	Egress    egress.Policy
	Clock     clock.Clock // nil: the real clock
	UserAgent string      // "": bistro/<version>
	// MaxBody caps the size of a response body in bytes; 0 means
	// DefaultMaxBody.
	MaxBody int64
}

// Client executes HTTP steps; one per process is enough. It is safe for
// concurrent use.
type Client struct {
	opts  ClientOptions
	http  *http.Client
	clock clock.Clock
}

// NewClient returns a client.
func NewClient(opts ClientOptions) *Client {
	if opts.UserAgent == "" {
		opts.UserAgent = "bistro/" + version.String()
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	c := &Client{opts: opts, clock: opts.Clock}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	c.http = &http.Client{Transport: opts.Egress.Transport(), CheckRedirect: checkRedirect}
	return c
}

// Step is a compiled HTTP step. It is safe for concurrent use.
type Step struct {
	method   string
	url      *expr.Template
	headers  []namedTemplate
	query    []namedValue
	json     *expr.Value
	form     []namedTemplate
	body     *expr.Template
	auth     *auth
	timeout  time.Duration
	ownTime  bool // the step sets timeout (it wins over a connection's)
	conn     string
	retry    retryPolicy
	records  *expr.Program
	into     string
	paginate *paging
}

// Compile compiles the step's templates and expressions once. retry may be
// nil (a default applies). scope is where the step stands in the flow.
func Compile(h *flow.HTTP, retry *flow.Retry, scope flow.Scope) (*Step, error) {
	return compile(h, retry, scope)
}

// Connection is the name of the connection the step uses; "" for none.
func (s *Step) Connection() string { return s.conn }

// Run performs the request(s) for the record in vars and emits the resulting
// records in order as pages arrive. Retries happen per request inside Run.
// vars is not modified.
func (s *Step) Run(ctx context.Context, c *Client, vars expr.Vars, emit func(map[string]any) error) error {
	return s.RunWith(ctx, c, nil, vars, emit)
}

// RunWith is Run through the step's connection, conn; nil is no
// connection, which a step that names one refuses.
func (s *Step) RunWith(ctx context.Context, c *Client, conn Connection, vars expr.Vars, emit func(map[string]any) error) error {
	if s.conn != "" && conn == nil {
		return fault.Permanent(fmt.Errorf("the connection '%s' is not open here", s.conn))
	}
	req, err := s.buildRequest(vars, newVia(conn))
	if err != nil {
		return err
	}
	rv := maps.Clone(vars)
	if rv == nil {
		rv = expr.Vars{}
	}
	col := newCollector(s, vars, emit)
	for page := 1; req != nil; page++ {
		pageKey(req, vars, page)
		resp, err := c.send(ctx, s, req)
		if err != nil {
			return err
		}
		rv[expr.VarResponse] = resp.value()
		recs, single, err := s.selectRecords(rv, resp)
		if err != nil {
			return req.scrub(err)
		}
		// The next request is worked out before the records leave, so that
		// later steps changing them cannot change the paging.
		next, err := s.nextRequest(req, rv, resp, page, len(recs))
		if err != nil {
			return req.scrub(err)
		}
		if err := col.add(recs, single && s.paginate == nil); err != nil {
			return err
		}
		req = next
	}
	return col.finish()
}
