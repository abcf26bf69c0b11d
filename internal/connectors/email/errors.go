package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
)

// sessionError explains why a session could not be opened, classed as
// retryable or not. No password is in any of these errors: go-mail does
// not put it in errors, and its logging is off.
func (c *conn) sessionError(ctx context.Context, err error, auth *autoAuth) error {
	addr := c.settings.address()
	var (
		reply    *textproto.Error
		noSignIn *noSignInError
		record   tls.RecordHeaderError
		refusal  *egress.RefusedError
	)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &refusal):
		return connector.Permanent(fmt.Errorf("could not reach the mail server %s: %w", addr, refusal))
	case isCertificateError(err):
		return connector.Permanent(fmt.Errorf("the mail server %s is not trusted: %v; if its certificate comes from your company's own certificate authority, put that authority's certificate in 'ca_pem'", addr, err))
	case errors.As(err, &record):
		return connector.Permanent(fmt.Errorf("the mail server %s did not answer with TLS: check 'security' and 'port' (tls is usually port 465, starttls port 587)", addr))
	case errors.As(err, &noSignIn):
		return connector.Permanent(noSignIn)
	case errors.Is(err, smtp.ErrUnencrypted):
		return connector.Permanent(errors.New("the password was not sent because the connection to the mail server is not encrypted: set 'security' to starttls or tls"))
	case auth != nil && auth.started && errors.As(err, &reply):
		return authError(reply)
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return connector.Permanent(fmt.Errorf("the mail server %s does not offer STARTTLS: set 'security' to tls (usually port 465), or to none only for a relay on a trusted network", addr))
	case errors.As(err, &reply) && reply.Code >= 400 && reply.Code < 500:
		return connector.Retryable(fmt.Errorf("the mail server %s cannot serve Bistro for now (it said: %d %s)", addr, reply.Code, reply.Msg), 0)
	case errors.As(err, &reply):
		return connector.Permanent(fmt.Errorf("the mail server %s turned Bistro away (it said: %d %s)", addr, reply.Code, reply.Msg))
	}
	return fmt.Errorf("could not reach the mail server %s: %v: %w", addr, plainNetError(err), connector.ErrNotConnected)
}

func authError(reply *textproto.Error) error {
	if reply.Code >= 400 && reply.Code < 500 {
		return connector.Retryable(fmt.Errorf("the mail server could not check the user name and password for now (it said: %d %s)", reply.Code, reply.Msg), 0)
	}
	return connector.Permanent(fmt.Errorf("the mail server refused the user name or password (it said: %d %s)", reply.Code, reply.Msg))
}

// sendError explains why a message was not sent: the server's answer
// decides whether a retry can help.
func (c *conn) sendError(err error) error {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("sending to the mail server %s failed: %v: %w", c.settings.address(), plainNetError(err), connector.ErrNotConnected)
	}
	code := se.ErrorCode()
	what, detail := refused(se)
	switch {
	case se.IsTemp() || code >= 400 && code < 500:
		return connector.Retryable(fmt.Errorf("the mail server cannot take %s for now: %s", what, detail), 0)
	case code >= 500:
		return connector.Permanent(fmt.Errorf("the mail server refused %s: %s", what, detail))
	}
	// No SMTP answer: the connection broke while sending.
	return fmt.Errorf("sending to the mail server %s failed: %s: %w", c.settings.address(), se.Error(), connector.ErrNotConnected)
}

// refused says what the server refused, and its answer without go-mail's
// name for the SMTP command.
func refused(se *gomail.SendError) (what, detail string) {
	detail = strings.TrimPrefix(se.Error(), se.Reason.String()+": ")
	switch se.Reason {
	case gomail.ErrSMTPMailFrom:
		return "the sender", detail
	case gomail.ErrSMTPRcptTo:
		return "a recipient", detail
	}
	return "the message", detail
}

// isConnCheck reports whether a send failed before anything was sent
// because the session was no longer usable (the server closed it).
func isConnCheck(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && se.Reason == gomail.ErrConnCheck
}

func isCertificateError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// plainNetError drops the "dial tcp 1.2.3.4:25:" prefixes of network
// errors, keeping what happened ("connection refused", "i/o timeout").
func plainNetError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "dial ") {
		return msg[i+2:]
	}
	if isTimeout(err) {
		return "no answer in time (see 'timeout')"
	}
	return msg
}
