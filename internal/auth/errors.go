package auth

import (
	"errors"
	"fmt"
	"time"
)

// Kind is the kind of a refusal; the API maps each to an HTTP status.
type Kind int

// The kinds of refusal.
const (
	Invalid         Kind = iota + 1 // 422: the request is wrong; Field says where
	Unauthenticated                 // 401: not signed in, or wrong credentials
	Forbidden                       // 403: signed in, but not allowed
	NotFound                        // 404
	Conflict                        // 409: e.g. the email is taken
	Limited                         // 429: too many attempts; RetryAfter says when to come back
)

// Error is a refusal in plain words, for the person who made the request.
type Error struct {
	Kind       Kind
	Field      string // the request field at fault, e.g. "body.password"
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

func refuse(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of an *Error in err's chain, or 0.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// ErrWrongCredentials is the one answer to a failed sign-in: it never
// says whether the email exists.
var errWrongCredentials = &Error{Kind: Unauthenticated, Message: "the email or the password is not right"}
