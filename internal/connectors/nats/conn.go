package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/redact"
)

// conn is an open NATS connection.
type conn struct {
	nc     *natsio.Conn
	js     jetstream.JetStream
	where  string // the servers' addresses without credentials, for messages
	scrub  *redact.Filter
	logger *slog.Logger

	// subscribed, when set (by tests), is called once a trigger listens.
	subscribed func(trigger string)
}

// Open connects to the server through env.Dial.
func (natsConnector) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	servers, where, err := parseURLs(text(config, "url"))
	if err != nil {
		return nil, connector.Permanent(err)
	}
	timeout, err := duration(config, "connect_timeout", 10*time.Second)
	if err != nil {
		return nil, connector.Permanent(err)
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), time.Millisecond)
	}
	scrub := redact.New()
	scrub.Add(text(config, "password"), text(config, "token"), text(config, "creds"))
	auth, err := authOption(config)
	if err != nil {
		return nil, connector.Permanent(err)
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &dialer{dial: env.Dial, timeout: timeout}
	opts := []natsio.Option{
		natsio.Name(text(config, "name")),
		natsio.SetCustomDialer(d),
		natsio.SkipHostLookup(), // env.Dial resolves names, then applies the policy
		natsio.Timeout(timeout),
		natsio.MaxReconnects(-1),
	}
	opts = append(opts, logEvents(logger, where, scrub)...)
	if auth != nil {
		opts = append(opts, auth)
	}
	nc, err := natsio.Connect(strings.Join(servers, ","), opts...)
	if err != nil {
		return nil, connectError(where, err, d.lastError(), scrub)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS server at %s: %w", where, scrub.Error(err))
	}
	return &conn{nc: nc, js: js, where: where, scrub: scrub, logger: logger}, nil
}

// logEvents logs losing and regaining the connection.
func logEvents(logger *slog.Logger, where string, scrub *redact.Filter) []natsio.Option {
	return []natsio.Option{
		natsio.DisconnectErrHandler(func(_ *natsio.Conn, err error) {
			if err != nil {
				logger.Warn("lost the connection to the NATS server; reconnecting", "server", where, "error", scrub.Error(err))
			}
		}),
		natsio.ReconnectHandler(func(*natsio.Conn) { logger.Info("reconnected to the NATS server", "server", where) }),
	}
}

// parseURLs splits the url setting into server addresses, and gives them
// without credentials for messages.
func parseURLs(setting string) (servers []string, where string, err error) {
	var shown []string
	for part := range strings.SplitSeq(setting, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "://") {
			part = "nats://" + part
		}
		u, err := url.Parse(part)
		if err != nil || u.Host == "" {
			return nil, "", fmt.Errorf("'url': %q is not a server address; write it as nats://host:4222", redactUserinfo(part))
		}
		servers = append(servers, part)
		u.User = nil
		shown = append(shown, u.String())
	}
	if len(servers) == 0 {
		return nil, "", errors.New("'url' is required: the server's address, e.g. nats://nats.example.com:4222")
	}
	return servers, strings.Join(shown, ", "), nil
}

func redactUserinfo(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
		return scheme + "://" + rest[at+1:]
	}
	return s
}

// authOption is the one way of logging in the settings give.
func authOption(config map[string]any) (natsio.Option, error) {
	user, password := text(config, "user"), text(config, "password")
	token, creds := text(config, "token"), text(config, "creds")
	given := 0
	for _, s := range []string{user + password, token, creds} {
		if s != "" {
			given++
		}
	}
	switch {
	case given > 1:
		return nil, errors.New("give only one way of logging in: user and password, token, or creds")
	case user != "" || password != "":
		return natsio.UserInfo(user, password), nil
	case token != "":
		return natsio.Token(token), nil
	case creds != "":
		kp, err := nkeys.ParseDecoratedUserNKey([]byte(creds))
		if err != nil {
			return nil, errors.New("'creds' does not hold NATS credentials: paste the whole .creds file, with its user JWT and its NKey seed")
		}
		kp.Wipe()
		return natsio.UserCredentialBytes([]byte(creds)), nil
	}
	return nil, nil
}

// connectError words a failed connection for the person who set it up.
func connectError(where string, err, dialErr error, scrub *redact.Filter) error {
	switch {
	case dialErr != nil && egress.IsRefused(dialErr):
		return connector.Permanent(fmt.Errorf("could not reach the NATS server at %s: %w", where, dialErr))
	case errors.Is(err, natsio.ErrAuthorization), errors.Is(err, natsio.ErrAuthExpired), errors.Is(err, natsio.ErrAuthRevoked):
		return connector.Permanent(fmt.Errorf("the NATS server at %s refused to log in: check the user and password, token or creds", where))
	case dialErr != nil && errors.Is(err, natsio.ErrNoServers):
		return fmt.Errorf("could not reach the NATS server at %s: %w: %w", where, scrub.Error(dialErr), connector.ErrNotConnected)
	}
	return fmt.Errorf("could not connect to the NATS server at %s: %w: %w", where, scrub.Error(err), connector.ErrNotConnected)
}

// dialer opens the connections of nats.go through Bistro's guarded dialer
// and keeps the last failure, which nats.go itself reports only as "no
// servers available".
type dialer struct {
	dial    func(ctx context.Context, network, address string) (net.Conn, error)
	timeout time.Duration

	mu   sync.Mutex
	last error
}

// Dial opens one connection.
func (d *dialer) Dial(network, address string) (net.Conn, error) {
	if d.dial == nil {
		return nil, errors.New("no network access was given to the connection")
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	c, err := d.dial(ctx, network, address)
	if err != nil {
		d.mu.Lock()
		d.last = err
		d.mu.Unlock()
	}
	return c, err
}

func (d *dialer) lastError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

// Ping checks the server answers.
func (c *conn) Ping(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if err := c.nc.FlushWithContext(ctx); err != nil {
		return c.lost(err)
	}
	return nil
}

// Close closes the connection.
func (c *conn) Close() error {
	c.nc.Close()
	return nil
}

// lost words a failure of the connection itself; a closed connection is
// ErrNotConnected so that the engine opens it again.
func (c *conn) lost(err error) error {
	if c.nc.IsClosed() || errors.Is(err, natsio.ErrConnectionClosed) {
		return fmt.Errorf("the connection to the NATS server at %s is closed: %w", c.where, connector.ErrNotConnected)
	}
	if !c.nc.IsConnected() {
		return fmt.Errorf("the NATS server at %s cannot be reached: %w: %w", c.where, c.scrub.Error(err), connector.ErrNotConnected)
	}
	return fmt.Errorf("NATS server at %s: %w", c.where, c.scrub.Error(err))
}

// text reads a text setting; missing is "".
func text(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// duration reads a duration setting, def when missing.
func duration(m map[string]any, key string, def time.Duration) (time.Duration, error) {
	s := text(m, key)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("'%s' must be a length of time such as 5s or 1m, not %q", key, s)
	}
	return d, nil
}
