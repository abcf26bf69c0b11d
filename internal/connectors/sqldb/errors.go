package sqldb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
)

// Lost is a database error that means the connection was lost or could
// not be made: the engine opens it again and retries.
func Lost(format string, args ...any) error {
	return &plainError{msg: fmt.Sprintf(format, args...), kinds: []error{connector.ErrNotConnected}}
}

// Refused is a database error that retrying will not fix: bad data, a
// missing table or column, a broken constraint, a refused login.
func Refused(format string, args ...any) error {
	return connector.Permanent(fmt.Errorf(format, args...))
}

// Busy is a database error worth retrying soon: a deadlock, a
// serialization failure, a lock that could not be taken in time.
func Busy(format string, args ...any) error {
	return connector.Retryable(fmt.Errorf(format, args...), 0)
}

// plainError is an error reduced to its message and to what errors.Is
// and errors.As need to find: whether it is permanent, retryable or a
// lost connection, and context errors. The driver's error, which may
// carry a connection string, is not kept.
type plainError struct {
	msg   string
	kinds []error
}

func (e *plainError) Error() string   { return e.msg }
func (e *plainError) Unwrap() []error { return e.kinds }

// secretPatterns find passwords in connection strings that a driver may
// put in an error: key=value settings, user:password@ in URLs and in
// MySQL's DSN.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(password|passwd|pwd)(\s*=\s*)('[^']*'|"[^"]*"|[^\s&;,)]+)`),
	regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@`),
	regexp.MustCompile(`(?i)(^|[\s"'(=])([^:\s/@"'(]+):\S*@(tcp|unix)\(`),
}

// Redact returns err with every secret, and anything that looks like a
// password in a connection string, replaced by "xxxxx". What it is
// (permanent, retryable, a lost connection, a cancelled context) is
// kept for errors.Is; the original error is not.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := RedactText(err.Error(), secrets...)
	var kinds []error
	for _, k := range []error{connector.ErrPermanent, connector.ErrNotConnected, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, k) {
			kinds = append(kinds, k)
		}
	}
	var re *connector.RetryableError
	if errors.As(err, &re) {
		kinds = append(kinds, &connector.RetryableError{Err: errors.New(msg), After: re.After})
	}
	return &plainError{msg: msg, kinds: kinds}
}

// RedactText replaces secrets and passwords in connection strings in s.
func RedactText(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= 3 {
			s = strings.ReplaceAll(s, secret, "xxxxx")
		}
	}
	s = secretPatterns[0].ReplaceAllString(s, "${1}${2}xxxxx")
	s = secretPatterns[1].ReplaceAllString(s, "${1}:xxxxx@")
	return secretPatterns[2].ReplaceAllString(s, "${1}${2}:xxxxx@${3}(")
}

// Unreachable describes a failure to reach a database server at addr,
// marking it as a lost connection unless the network policy refused it
// (which retrying will not change).
func Unreachable(addr string, err error) error {
	var refused *egress.RefusedError
	if errors.As(err, &refused) {
		return Refused("could not reach %s: %s", addr, refused.Error())
	}
	return Lost("could not reach %s: %s", addr, networkText(err))
}

// networkText says in a few words what went wrong on the network.
func networkText(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	var timeout interface{ Timeout() bool }
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "there is no host of that name"
	case errors.As(err, &timeout) && timeout.Timeout():
		return "no answer in time"
	case errors.As(err, &op) && op.Err != nil:
		return strings.TrimPrefix(op.Err.Error(), "connect: ")
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}
