// Package redis is the Redis connector: keys, hashes, lists, pub/sub
// channels and streams, with a stream trigger that reads through a consumer
// group and a channel trigger that subscribes.
package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/bistro-dev/bistro/connector"
)

// defaultPort is Redis' port, used when the address gives none.
const defaultPort = "6379"

// New returns the Redis connector.
func New() connector.Connector { return redisConnector{} }

type redisConnector struct{}

// Spec describes the Redis connector.
func (redisConnector) Spec() connector.Spec {
	return connector.Spec{
		Name:        "redis",
		Title:       "Redis",
		Version:     "1.0.0",
		Category:    "database",
		Description: "Read and write Redis keys, hashes, lists and streams, publish to channels, and start runs from stream entries or channel messages. Needs Redis 6.2 or later.",
		Config: []connector.Field{
			{Name: "address", Type: connector.String, Required: true, Example: "redis.internal:6379", Help: "The Redis server as host:port; the port defaults to 6379."},
			{Name: "username", Type: connector.String, Help: "The user name, for servers with users (ACL); leave empty to log in with the password only."},
			{Name: "password", Type: connector.String, Secret: true, Help: "The password, when the server asks for one."},
			{Name: "database", Type: connector.Int, Default: 0, Help: "The number of the database to use (0 to 15 on a default server)."},
			{Name: "tls", Type: connector.Bool, Default: false, Help: "Connect with TLS (encrypted); the server's certificate must be valid for its host name."},
		},
		Actions:   actions(),
		Triggers:  triggers(),
		Endpoints: []connector.Endpoint{{Field: "address", Format: connector.HostEndpoint, DefaultPort: 6379}},
	}
}

// settings are a connection's settings, read from its config.
type settings struct {
	address  string
	username string
	password string
	database int
	tls      bool
}

func readSettings(config map[string]any) (settings, error) {
	s := settings{
		address:  text(config["address"]),
		username: text(config["username"]),
		password: text(config["password"]),
		tls:      config["tls"] == true,
	}
	if s.address == "" {
		return s, connector.Permanent(errors.New("the Redis address is missing: give it as host:port, e.g. redis.internal:6379"))
	}
	if _, _, err := net.SplitHostPort(s.address); err != nil {
		s.address = net.JoinHostPort(s.address, defaultPort)
	}
	if _, _, err := net.SplitHostPort(s.address); err != nil {
		return s, connector.Permanent(fmt.Errorf("the Redis address '%s' is not host:port, e.g. redis.internal:6379", config["address"]))
	}
	db, ok := whole(config["database"])
	if config["database"] != nil && (!ok || db < 0) {
		return s, connector.Permanent(fmt.Errorf("the database must be a whole number from 0, not %v", config["database"]))
	}
	s.database = int(db)
	return s, nil
}

// Open connects to Redis and checks that it answers and accepts the login.
func (redisConnector) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	s, err := readSettings(config)
	if err != nil {
		return nil, err
	}
	if env.Dial == nil {
		return nil, connector.Permanent(fmt.Errorf("cannot reach Redis at %s: this connection was given no network access", s.address))
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &conn{settings: s, dial: env.Dial, log: log}
	c.client = c.newClient()
	if err := c.Ping(ctx); err != nil {
		_ = c.client.Close()
		return nil, err
	}
	return c, nil
}

// conn is an open Redis connection: a pool of network connections shared
// by the actions, and one more per running trigger.
type conn struct {
	settings
	dial   func(ctx context.Context, network, address string) (net.Conn, error)
	log    *slog.Logger
	client *goredis.Client
}

// newClient makes a client whose every network connection goes through
// the guarded dialer.
func (c *conn) newClient() *goredis.Client {
	return goredis.NewClient(&goredis.Options{
		Addr:          c.address,
		Dialer:        c.dialer,
		Username:      c.username,
		Password:      c.password,
		DB:            c.database,
		DialTimeout:   10 * time.Second,
		DialerRetries: 1,
		// A command whose reply was lost may have been applied: repeating
		// it is the engine's decision, made with the idempotency key.
		MaxRetries:               -1,
		ReadTimeout:              30 * time.Second,
		ContextTimeoutEnabled:    true,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// dialer connects through env.Dial, adding TLS itself: go-redis only does
// TLS in its own dialer, which must not be used.
func (c *conn) dialer(ctx context.Context, network, address string) (net.Conn, error) {
	raw, err := c.dial(ctx, network, address)
	if err != nil || !c.tls {
		return raw, err
	}
	host, _, _ := net.SplitHostPort(address)
	t := tls.Client(raw, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
	if err := t.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return t, nil
}

// Ping checks that Redis answers and accepts the login.
func (c *conn) Ping(ctx context.Context) error {
	return c.fail("", c.client.Ping(ctx).Err())
}

// Close releases the connection.
func (c *conn) Close() error {
	err := c.client.Close()
	if errors.Is(err, goredis.ErrClosed) {
		return nil
	}
	return err
}
