package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/webhook"
)

// Backend is what the HTTP API needs from the runtime (internal/runner
// implements it). Errors: store.ErrNotFound → 404, *flow.Diagnostics-
// carrying ApplyError → 422 with per-field errors, ErrBusy → 429/503 with
// Retry-After, anything else → 500 with an error id.
type Backend interface {
	DeadLetterBackend
	AuditBackend
	VersionBackend
	// ApplyFlow validates and saves a flow document (YAML or JSON); the
	// name comes from the document. Invalid documents come back as an
	// *ApplyError with the located diagnostics and nothing is saved.
	ApplyFlow(ctx context.Context, workspace string, file string, doc []byte, by string) (store.Flow, bool, error)
	ListFlows(ctx context.Context, workspace string) ([]store.Flow, error)
	GetFlow(ctx context.Context, workspace, name string) (store.Flow, error)
	SetFlowEnabled(ctx context.Context, workspace, name string, enabled bool) error
	DeleteFlow(ctx context.Context, workspace, name string) error

	// StartRun queues a manual run of the flow with the input (a JSON
	// value: an object, or a list of records). With wait, it returns when
	// the run is final or wait elapses (the run then goes on).
	StartRun(ctx context.Context, workspace, name string, input json.RawMessage, wait time.Duration) (store.Run, error)
	ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error)
	GetRun(ctx context.Context, id string) (store.Run, []store.Step, error)
	CancelRun(ctx context.Context, id string) error
	// RerunRun starts a new run of a failed run's flow version with the same
	// input, from the failed step when fromFailed is set.
	RerunRun(ctx context.Context, id string, fromFailed bool) (store.Run, error)

	// Webhook handles a call to a flow's webhook URL. For sync flows it
	// returns the flow's response (or, past the timeout, Accepted with the
	// run id); for async flows Accepted with the run id once the event is
	// durably stored.
	Webhook(ctx context.Context, webhookID string, req *webhook.Request) (WebhookReply, error)

	// Ready reports whether the backend can take work (database reachable).
	Ready(ctx context.Context) error

	ConnectionBackend
}

// WebhookReply is the answer to a webhook call.
type WebhookReply struct {
	Status  int
	Headers map[string]string
	Body    any // JSON-encoded
	RunID   string
}

// ApplyError is an invalid flow document: every problem with its location.
type ApplyError struct {
	Diagnostics flow.Diagnostics
}

func (e *ApplyError) Error() string { return e.Diagnostics.Error() }

// ErrBusy is work refused because too much is queued already (429/503 with
// Retry-After). Backends return a *BusyError, which matches it with
// errors.Is and says how long to wait.
var ErrBusy = errors.New("the server is busy")

// QuotaError is work refused because the workspace used up a quota IT
// set (429 with Retry-After): the message says which and until when.
type QuotaError struct {
	Message    string
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string { return e.Message }

// BusyError is ErrBusy with the wait to suggest to the caller.
type BusyError struct{ RetryAfter time.Duration }

func (e *BusyError) Error() string {
	return fmt.Sprintf("the server has too much work queued; please try again in %s", e.RetryAfter)
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// ErrMethodNotAllowed is a webhook called with another HTTP method than its
// flow accepts (405 with Allow). Backends return a *MethodError.
var ErrMethodNotAllowed = errors.New("method not allowed")

// MethodError is ErrMethodNotAllowed with the method the webhook accepts.
type MethodError struct{ Allowed string }

func (e *MethodError) Error() string {
	return fmt.Sprintf("this webhook only accepts %s requests", e.Allowed)
}

// Is makes errors.Is(err, ErrMethodNotAllowed) true.
func (e *MethodError) Is(target error) bool { return target == ErrMethodNotAllowed }
