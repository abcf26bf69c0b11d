package connector

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Connector is what a connector package provides: its spec and a way to
// open a connection from validated settings.
type Connector interface {
	// Spec describes the connector.
	Spec() Spec
	// Open connects with the given settings (already checked against
	// Spec().Config, defaults filled in, secrets decrypted). It returns
	// ErrNotConnected, wrapped, when the remote side cannot be reached.
	// Every network connection it makes must go through env.Dial (or
	// env.HTTP), never net.Dial: that is where the admin's network policy
	// is enforced.
	Open(ctx context.Context, config map[string]any, env Env) (Conn, error)
}

// Env is what Bistro lends a connection.
type Env struct {
	// Dial opens network connections through Bistro's guarded dialer,
	// which refuses addresses the admin did not allow (private networks,
	// cloud metadata) after DNS resolution.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// HTTP is an HTTP client over the same guarded dialer.
	HTTP *http.Client
	// Folders are the folders the admin allowed for file access; a
	// connector that reads or writes files refuses any path outside them.
	Folders []string
	// Logger logs for the connection; secrets are redacted by it.
	Logger *slog.Logger
}

// Request is one call of an action: the step's settings (its "with", with
// templates already evaluated for the record) and the record itself.
type Request struct {
	// Action is the action's name without the connector's prefix.
	Action string
	// Input are the step's evaluated settings, checked against the
	// action's Input fields, defaults filled in. Requests may share it:
	// read it, never change it.
	Input map[string]any
	// Record is the record the step is handling (a write action with no
	// explicit values writes this record).
	Record map[string]any
	// Key is an idempotency key: the same run reaching the same record of
	// the same step sends the same key, so an Idempotent action can make
	// a retried call apply its effect once.
	Key string
}

// Conn is an open connection. The engine may call Do from several
// goroutines at once.
type Conn interface {
	// Do runs one request, calling emit for each record it produces. An
	// error from emit must be returned as is.
	Do(ctx context.Context, req Request, emit func(map[string]any) error) error
	// Close releases the connection.
	Close() error
}

// Batcher is implemented by connections whose actions marked Batch take
// many records at once (bulk loads). DoBatch applies all requests of the
// batch or none of them (a transaction where the target has them) and
// emits the records they produce in order. A failure names the batch's
// first and last record where it helps.
type Batcher interface {
	DoBatch(ctx context.Context, action string, reqs []Request, emit func(map[string]any) error) error
}

// Pinger is implemented by connections that can check they work beyond
// opening (a query, a handshake). "Test connection" calls it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Message is one message from a push trigger.
type Message struct {
	// ID identifies the message at its source (a stream entry id, a
	// message id); it is shown in the dead-letter list, and a message
	// delivered again with the same ID does not start a second run. It
	// must therefore never be reused for another message of the same
	// source; leave it empty when the source has no such id (delivery
	// tags and packet ids that restart are not ids).
	ID string
	// Record is the message as a record: its fields are what the trigger's
	// Output describes.
	Record map[string]any
}

// Deliver hands a message to Bistro. It returns nil once the message's
// run is durably accepted; only then may the connection acknowledge the
// message to its source. On an error the message must not be
// acknowledged (so the source delivers it again).
type Deliver func(ctx context.Context, m Message) error

// Listener is implemented by connections whose connector declares push
// triggers. Listen receives messages until ctx ends, calling deliver for
// each, one at a time or several at once. It returns nil when ctx ends,
// or an error when the source fails (Bistro opens the connection again
// and calls Listen once more after a pause).
type Listener interface {
	Listen(ctx context.Context, trigger string, input map[string]any, deliver Deliver) error
}

// Poller is implemented by connections whose connector declares poll
// triggers. Poll returns what is new since cursor (empty on the first
// poll: the connector then starts from "now", returning no records, or
// from the beginning when the trigger's input says so), at most limit
// records, and the cursor to pass next time. Bistro stores the cursor
// only after the records' runs are accepted, so a crash repeats a poll
// rather than losing rows.
type Poller interface {
	Poll(ctx context.Context, trigger string, input map[string]any, cursor string, limit int) (records []map[string]any, next string, err error)
}

// ErrPermanent marks a failure that retrying will not fix (bad settings,
// a rejected request). Wrap it: fmt.Errorf("table %s: %w", name, ErrPermanent),
// or use Permanent.
var ErrPermanent = errors.New("this will not work if tried again")

// ErrNotConnected means the remote side could not be reached or the
// connection was lost. The engine reopens the connection and retries.
var ErrNotConnected = errors.New("not connected")

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

// Unwrap returns both the cause and ErrPermanent, so errors.Is finds either.
func (e *permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// RetryableError is a failure worth trying again, after at least After when
// it is above zero (e.g. from a rate limit's Retry-After).
type RetryableError struct {
	Err   error
	After time.Duration
}

// Retryable marks err as worth retrying after at least after (0: the
// engine's own backoff decides).
func Retryable(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &RetryableError{Err: err, After: after}
}

func (e *RetryableError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *RetryableError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth retrying, and the least delay
// the remote side asked for. Retryable errors and ErrNotConnected are;
// anything marked permanent, and anything else, is not.
func IsRetryable(err error) (bool, time.Duration) {
	if errors.Is(err, ErrPermanent) {
		return false, 0
	}
	var re *RetryableError
	if errors.As(err, &re) {
		return true, re.After
	}
	return errors.Is(err, ErrNotConnected), 0
}
