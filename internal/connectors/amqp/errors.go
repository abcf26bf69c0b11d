package amqp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
)

// openError explains why connecting or logging in failed. What the
// library or the network said is quoted with the password taken out, in
// case a broker echoes it.
func openError(ctx context.Context, s settings, dialErr, err error) error {
	where := "RabbitMQ at " + s.addr()
	quote := func(text string) string { return hideSecret(text, s.password) }
	switch {
	case dialErr != nil && egress.IsRefused(dialErr):
		return connector.Permanent(fmt.Errorf("could not reach %s: %s", where, quote(netReason(dialErr))))
	case dialErr != nil:
		return fmt.Errorf("could not reach %s: %s: %w", where, quote(netReason(dialErr)), connector.ErrNotConnected)
	case ctx.Err() != nil:
		return fmt.Errorf("%s did not finish connecting within %s: %w", where, s.timeout, connector.ErrNotConnected)
	}
	if certErr := certificateError(err); certErr != "" {
		return connector.Permanent(fmt.Errorf("%s: its TLS certificate is not trusted: %s", where, quote(certErr)))
	}
	var ae *amqp091.Error
	if !errors.As(err, &ae) {
		return fmt.Errorf("could not connect to %s: %s: %w", where, quote(netReason(err)), connector.ErrNotConnected)
	}
	switch ae.Code {
	case amqp091.AccessRefused:
		return connector.Permanent(fmt.Errorf("%s refused the login of user '%s': the user name or password is wrong", where, s.user))
	case amqp091.NotAllowed:
		return connector.Permanent(fmt.Errorf("%s does not let user '%s' use the virtual host '%s': %s", where, s.user, s.vhost, quote(reason(ae))))
	}
	return fmt.Errorf("could not connect to %s: %s: %w", where, quote(reason(ae)), connector.ErrNotConnected)
}

// certificateError describes a failed certificate check, or is empty.
func certificateError(err error) string {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &verify):
		return verify.Err.Error()
	case errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return err.Error()
	}
	return ""
}

// netReason is what went wrong on the network, without Go's "dial tcp"
// prefixes: "connect: connection refused", "i/o timeout".
func netReason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// reason is the broker's explanation without its code name prefix:
// "no exchange 'orders' in vhost '/'" rather than "NOT_FOUND - no exchange ...".
func reason(e *amqp091.Error) string {
	r := e.Reason
	if i := strings.Index(r, " - "); i > 0 && strings.ToUpper(r[:i]) == r[:i] {
		r = r[i+3:]
	}
	return r
}

// brokerError classes an error the broker or the library gave for an
// operation (what, e.g. "could not publish to exchange 'orders'"): refusals
// that will happen again are permanent, a lost connection is not
// connected, the rest is worth retrying.
func (c *conn) brokerError(what string, err error) error {
	var ae *amqp091.Error
	if !errors.As(err, &ae) {
		return c.lost(err)
	}
	msg := fmt.Errorf("%s on %s: %s", what, c.where, reason(ae))
	switch ae.Code {
	case amqp091.NotFound, amqp091.AccessRefused, amqp091.PreconditionFailed,
		amqp091.ResourceLocked, amqp091.NotAllowed, amqp091.ContentTooLarge, amqp091.SyntaxError:
		return connector.Permanent(msg)
	}
	if c.amqp.IsClosed() {
		return fmt.Errorf("%w: %w", msg, connector.ErrNotConnected)
	}
	return connector.Retryable(msg, 0)
}

// lost reports a connection that went away.
func (c *conn) lost(err error) error {
	why := err.Error()
	var ae *amqp091.Error
	if errors.As(err, &ae) {
		why = reason(ae)
	}
	return fmt.Errorf("lost the connection to %s: %s: %w", c.where, why, connector.ErrNotConnected)
}

// hideSecret takes secret out of text.
func hideSecret(text, secret string) string {
	if secret == "" {
		return text
	}
	return strings.ReplaceAll(text, secret, "[hidden]")
}
