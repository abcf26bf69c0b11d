// Package httpstep runs the HTTP step: one or more requests per record,
// through the guarded egress, with auth, retries and pagination, turning
// responses into records.
package httpstep

import (
	"context"
	"errors"

	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// ClientOptions configure a Client.
type ClientOptions struct {
	Egress    egress.Policy
	Clock     clock.Clock // nil: the real clock
	UserAgent string
}

// Client executes HTTP steps; one per process is enough.
type Client struct{ opts ClientOptions }

// NewClient returns a client.
func NewClient(opts ClientOptions) *Client { return &Client{opts: opts} }

// Step is a compiled HTTP step.
type Step struct{}

// Compile compiles the step's templates and expressions once. retry may be
// nil (a default applies). scope is where the step stands in the flow.
func Compile(h *flow.HTTP, retry *flow.Retry, scope flow.Scope) (*Step, error) {
	return &Step{}, nil
}

// Run performs the request(s) for the record in vars and emits the resulting
// records in order as pages arrive. Retries happen per request inside Run.
func (s *Step) Run(ctx context.Context, c *Client, vars expr.Vars, emit func(map[string]any) error) error {
	return errors.New("the HTTP step is not available yet")
}
