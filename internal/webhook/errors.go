package webhook

import (
	"errors"
	"net/http"
)

// The kinds of webhook errors. Every error this package returns is an
// *Error that matches exactly one of them with errors.Is, so that the server
// can pick the HTTP status without reading messages.
var (
	// ErrTooLarge is a body over the size limit.
	ErrTooLarge = errors.New("the body is too large")
	// ErrBadBody is a body that claims a format it does not follow.
	ErrBadBody = errors.New("the body is not valid")
	// ErrNotConfigured is a webhook that requires a signature or a token
	// whose secret is empty or unusable: every call is refused until the
	// flow's owner fixes it (fail closed).
	ErrNotConfigured = errors.New("the webhook is not configured")
	// ErrUnauthorized is a call whose signature or token does not prove
	// who sent it, or that was already received.
	ErrUnauthorized = errors.New("the call is not authorised")
	// ErrGuardFull is a replay guard that cannot remember one more call
	// without forgetting one it must still refuse; the call is refused and
	// the sender should retry later.
	ErrGuardFull = errors.New("too many recent calls to remember")
)

// Stable codes of webhook errors, part of the API: clients and logs match
// on them, so they never change once published.
const (
	CodeTooLarge         = "body_too_large"
	CodeBadBody          = "bad_body"
	CodeNotConfigured    = "not_configured"
	CodeMissingSignature = "missing_signature"
	CodeBadSignature     = "bad_signature"
	CodeOldTimestamp     = "old_timestamp"
	CodeFutureTimestamp  = "future_timestamp"
	CodeReplayed         = "replayed"
	CodeMissingToken     = "missing_token"
	CodeWrongToken       = "wrong_token"
	CodeBusy             = "busy"
)

// Error is a webhook call that was refused or could not be read. Message is
// written for the caller and never contains a secret, a token or an
// expected signature.
type Error struct {
	Kind    error  // one of ErrTooLarge, ErrBadBody, ErrNotConfigured, ErrUnauthorized, ErrGuardFull
	Code    string // one of the Code constants
	Message string // plain words for whoever sent the call
	Err     error  // the underlying cause, when there is one; never shown to the caller
}

func (e *Error) Error() string { return e.Message }

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Status is the HTTP status a server answers the call with.
func (e *Error) Status() int {
	switch e.Kind {
	case ErrTooLarge:
		return http.StatusRequestEntityTooLarge
	case ErrBadBody:
		return http.StatusBadRequest
	case ErrUnauthorized:
		return http.StatusUnauthorized
	default:
		// Not configured and a full guard are the server's problem, not
		// the caller's: 503 tells well-behaved senders to retry later.
		return http.StatusServiceUnavailable
	}
}

func refuse(code, message string) *Error {
	return &Error{Kind: ErrUnauthorized, Code: code, Message: message}
}

// Code returns the stable code of a webhook error, or "" when err is not one.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
