package amqp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
)

// conn is an open connection to the broker. Publishing shares one channel
// in confirm mode; each Listen has a channel of its own.
type conn struct {
	amqp  *amqp091.Connection
	where string // "RabbitMQ at host:port", for messages
	log   *slog.Logger

	mu  sync.Mutex
	pub *publisher // nil until the first publish, or after its channel closed
}

func open(ctx context.Context, s settings, env connector.Env) (*conn, error) {
	c, err := dial(ctx, s, env)
	if err != nil {
		return nil, err
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &conn{amqp: c, where: "RabbitMQ at " + s.addr(), log: log}, nil
}

// dial connects through env.Dial and logs in. The password goes to the
// library as a SASL credential, never inside a URL.
func dial(ctx context.Context, s settings, env connector.Env) (*amqp091.Connection, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var dialErr error
	stop := func() bool { return true }
	props := amqp091.NewConnectionProperties()
	props.SetClientConnectionName("bistro")
	cfg := amqp091.Config{
		SASL:       []amqp091.Authentication{&amqp091.PlainAuth{Username: s.user, Password: s.password}},
		Vhost:      s.vhost,
		Properties: props,
		Dial: func(network, addr string) (net.Conn, error) {
			nc, err := env.Dial(ctx, network, addr)
			if err != nil {
				dialErr = err
				return nil, err
			}
			// The handshake honours the deadline; the library clears it
			// once logged in. Ending ctx early ends the handshake too.
			deadline, _ := ctx.Deadline()
			_ = nc.SetDeadline(deadline)
			stop = context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
			return nc, nil
		},
	}
	scheme := "amqp"
	if s.tls {
		scheme = "amqps"
		cfg.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.host}
	}
	c, err := amqp091.DialConfig(scheme+"://"+s.addr()+"/", cfg)
	if err == nil && !stop() {
		_ = c.Close()
		err = ctx.Err()
	}
	if err != nil {
		return nil, openError(ctx, s, dialErr, err)
	}
	return c, nil
}

// Ping opens and closes a channel: a round trip to the broker.
func (c *conn) Ping(context.Context) error {
	ch, err := c.amqp.Channel()
	if err != nil {
		return c.lost(err)
	}
	if err := ch.Close(); err != nil {
		return c.lost(err)
	}
	return nil
}

// Do runs the publish action.
func (c *conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	if req.Action != "publish" {
		return connector.Permanent(fmt.Errorf("RabbitMQ has no action '%s'; it has publish", req.Action))
	}
	return c.publish(ctx, req, emit)
}

// Close closes the connection, and with it its channels.
func (c *conn) Close() error {
	if c.amqp.IsClosed() {
		return nil
	}
	err := c.amqp.Close()
	if errors.Is(err, amqp091.ErrClosed) {
		return nil
	}
	return err
}
