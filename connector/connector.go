package connector

import (
	"context"
	"errors"
	"time"
)

// Connector is what a connector package provides: its spec and a way to
// open a connection from validated settings.
type Connector interface {
	// Spec describes the connector.
	Spec() Spec
	// Open connects with the given settings (already checked against
	// Spec().Config, defaults not filled in). It returns ErrNotConnected,
	// wrapped, when the remote side cannot be reached.
	Open(ctx context.Context, config map[string]any) (Conn, error)
}

// Conn is an open connection. The engine may call Do from several
// goroutines at once.
type Conn interface {
	// Do runs an action (its name without the connector's prefix) with the
	// step's input, calling emit for each record it produces. An error
	// from emit must be returned as is.
	Do(ctx context.Context, action string, input map[string]any, emit func(map[string]any) error) error
	// Close releases the connection.
	Close() error
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
