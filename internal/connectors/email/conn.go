package email

import (
	"context"
	"fmt"

	"github.com/bistro-dev/bistro/connector"
)

// conn is an open email connection: checked settings and a few idle
// sessions. The engine may call Do from several goroutines at once; each
// send has a session of its own.
type conn struct {
	settings settings
	env      connector.Env
	pool     pool
}

// Do sends one message.
func (c *conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	if req.Action != "send" {
		return connector.Permanent(fmt.Errorf("the email connector has no action '%s'; it has send", req.Action))
	}
	out, err := c.compose(req.Input, req.Key)
	if err != nil {
		return connector.Permanent(err)
	}
	if err := c.send(ctx, out); err != nil {
		return err
	}
	return emit(out.record)
}

// send sends the message over an idle session, or a new one when there is
// none or the idle one turns out to be closed by the server.
func (c *conn) send(ctx context.Context, out outgoing) error {
	s, reused, err := c.session(ctx)
	if err != nil {
		return err
	}
	err = c.sendOn(ctx, s, out)
	if err != nil && reused && isConnCheck(err) {
		s.close()
		if s, err = c.dial(ctx); err != nil {
			return err
		}
		err = c.sendOn(ctx, s, out)
	}
	return c.finish(ctx, s, out, err)
}

// session returns an idle session, or a new one.
func (c *conn) session(ctx context.Context) (s *session, reused bool, err error) {
	if s = c.pool.get(); s != nil {
		// The deadline of its last exchange may have passed while it was
		// idle; the check before sending needs a fresh one.
		_ = s.smtp.UpdateDeadline(c.settings.timeout)
		return s, true, nil
	}
	s, err = c.dial(ctx)
	return s, false, err
}

// finish keeps the session after a send that worked and reports one that
// did not.
func (c *conn) finish(ctx context.Context, s *session, out outgoing, err error) error {
	switch {
	case err == nil:
		c.pool.put(s)
		return nil
	case out.msg.IsDelivered():
		// The server took the message; only the reset for the next one
		// failed. Sending again would deliver it twice.
		s.close()
		if c.env.Logger != nil {
			c.env.Logger.Warn("the mail server took the message but the session failed afterwards", "server", c.settings.address(), "error", err)
		}
		return nil
	}
	s.close()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return c.sendError(err)
}

// sendOn sends over s; cancelling ctx drops the connection, which ends a
// send that would otherwise wait for the server until the timeout.
func (c *conn) sendOn(ctx context.Context, s *session, out outgoing) error {
	stop := context.AfterFunc(ctx, s.close)
	defer stop()
	return s.client.SendWithSMTPClient(s.smtp, out.msg)
}

// Ping opens a session (connect, TLS, sign in) and ends it: what "test
// connection" checks.
func (c *conn) Ping(ctx context.Context) error {
	s, err := c.dial(ctx)
	if err != nil {
		return err
	}
	s.quit()
	return nil
}

// Close ends the idle sessions.
func (c *conn) Close() error {
	c.pool.close()
	return nil
}
