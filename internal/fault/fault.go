// Package fault is the failure taxonomy shared by steps and the engine: an
// error is either transient (worth retrying, maybe after a given delay) or
// permanent. Errors that carry no class are treated as permanent.
package fault

import (
	"errors"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

// Error attaches a class to an error.
type Error struct {
	Transient  bool
	RetryAfter time.Duration // for transient errors: the delay the remote side asked for; 0 when none
	Err        error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Transient marks err as worth retrying, after at least retryAfter when
// it is above zero (e.g. from an HTTP Retry-After header).
func Transient(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &Error{Transient: true, RetryAfter: retryAfter, Err: err}
}

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err}
}

// IsTransient reports whether err is worth retrying, and after how long
// the remote side asked to wait (0 when it did not say). Errors from
// connectors carry the public kit's classes (connector.Retryable,
// connector.ErrNotConnected, connector.ErrPermanent), which count too: the
// kit cannot use this internal package, so the taxonomy adapts to the kit.
func IsTransient(err error) (bool, time.Duration) {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Transient, fe.RetryAfter
	}
	return connector.IsRetryable(err)
}
