package mqtt

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/redact"
)

// settings are a connection's settings, read once.
type settings struct {
	broker, host       string // host:port, and the host alone
	clientID           string
	username, password string
	tls                bool
	timeout            time.Duration
}

// conn is an open MQTT connection: one client for publishing; each
// listening trigger opens its own.
type conn struct {
	settings
	env    connector.Env
	logger *slog.Logger
	scrub  *redact.Filter
	client *client

	// subscribed, when set (by tests), is called each time a trigger has
	// subscribed.
	subscribed func(trigger string)
}

// Open connects to the broker through env.Dial.
func (mqttConnector) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	s, err := readSettings(config)
	if err != nil {
		return nil, connector.Permanent(err)
	}
	c := &conn{settings: s, env: env, logger: env.Logger, scrub: redact.New()}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.scrub.Add(s.password)
	if c.clientID == "" {
		c.clientID = randomID()
	}
	c.client, err = c.connect(ctx, clientOptions{id: c.clientID, clean: true})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func readSettings(config map[string]any) (settings, error) {
	s := settings{
		clientID: text(config, "client_id"),
		username: text(config, "username"),
		password: text(config, "password"),
	}
	s.tls, _ = config["tls"].(bool)
	broker := strings.TrimSpace(text(config, "broker"))
	if broker == "" || strings.ContainsAny(broker, "/@ ") {
		return s, errors.New("'broker' must be the broker's host and port, e.g. mqtt.example.com:1883 (no mqtt:// and no user name)")
	}
	host, _, err := net.SplitHostPort(broker)
	if err != nil { // no port
		host = strings.Trim(broker, "[]")
		port := "1883"
		if s.tls {
			port = "8883"
		}
		broker = net.JoinHostPort(host, port)
	}
	s.broker, s.host = broker, host
	s.timeout, err = duration(config, "connect_timeout", 10*time.Second)
	return s, err
}

func randomID() string { return "bistro-" + strings.ToLower(rand.Text()[:16]) }

// clientOptions say how a client connects: its id, whether it starts afresh,
// how long the broker keeps its session, and for a listener what handles
// messages and gates their acknowledgements.
type clientOptions struct {
	id      string
	clean   bool
	expiry  uint32 // seconds
	gate    *ackGate
	receive func(paho.PublishReceived) (bool, error)
}

// connect dials the broker through env.Dial and logs in.
func (c *conn) connect(ctx context.Context, s clientOptions) (*client, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	nc, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	nc = packets.NewThreadSafeConn(nc)
	cfg := paho.ClientConfig{
		ClientID: s.id,
		Conn:     nc,
		OnClientError: func(err error) {
			c.logger.Debug("MQTT connection ended", "broker", c.broker, "error", c.scrub.Error(err))
		},
		OnServerDisconnect: func(d *paho.Disconnect) {
			c.logger.Warn("the MQTT broker closed the connection", "broker", c.broker, "reason", disconnectReason(d))
		},
	}
	if s.gate != nil {
		cfg.Session = s.gate
	}
	if s.receive != nil {
		cfg.OnPublishReceived = []func(paho.PublishReceived) (bool, error){s.receive}
	}
	pc := paho.NewClient(cfg)
	receiveMax := uint16(256)
	cp := &paho.Connect{
		ClientID:   s.id,
		KeepAlive:  30,
		CleanStart: s.clean,
		Properties: &paho.ConnectProperties{SessionExpiryInterval: &s.expiry, ReceiveMaximum: &receiveMax},
	}
	if c.username != "" || c.password != "" {
		cp.Username, cp.UsernameFlag = c.username, true
		cp.Password, cp.PasswordFlag = []byte(c.password), c.password != ""
	}
	ca, err := pc.Connect(ctx, cp)
	if err != nil {
		_ = nc.Close()
		return nil, c.connackError(ca, err)
	}
	return &client{Client: pc, conn: nc}, nil
}

// client is a connected paho client and its network connection.
type client struct {
	*paho.Client
	conn net.Conn
}

// closeWait is how long disconnect waits for the broker to close the
// connection.
const closeWait = 5 * time.Second

// disconnect sends d and lets the broker close the connection. paho's own
// Disconnect closes the socket right after writing; a socket closed with
// unread data is reset, and a reset can make the broker drop what was
// sent just before it, such as the last acknowledgement.
func (cl *client) disconnect(d *paho.Disconnect) {
	select {
	case <-cl.Done():
		return
	default:
	}
	if _, err := d.Packet().WriteTo(cl.conn); err == nil {
		select {
		case <-cl.Done():
			return
		case <-time.After(closeWait):
		}
	}
	_ = cl.conn.Close() // paho notices and shuts down
	<-cl.Done()
}

func (c *conn) dial(ctx context.Context) (net.Conn, error) {
	if c.env.Dial == nil {
		return nil, connector.Permanent(errors.New("no network access was given to the connection"))
	}
	nc, err := c.env.Dial(ctx, "tcp", c.broker)
	if egress.IsRefused(err) {
		return nil, connector.Permanent(fmt.Errorf("could not reach the MQTT broker at %s: %w", c.broker, err))
	}
	if err != nil {
		return nil, fmt.Errorf("could not reach the MQTT broker at %s: %w: %w", c.broker, err, connector.ErrNotConnected)
	}
	if !c.tls {
		return nc, nil
	}
	tc := tls.Client(nc, &tls.Config{ServerName: c.host, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("TLS with the MQTT broker at %s failed (is tls right for this port?): %w: %w", c.broker, err, connector.ErrNotConnected)
	}
	return tc, nil
}

// connackError words a refused login.
func (c *conn) connackError(ca *paho.Connack, err error) error {
	if ca == nil {
		return fmt.Errorf("could not connect to the MQTT broker at %s (is it an MQTT 5 broker, and tls right for this port?): %w: %w", c.broker, c.scrub.Error(err), connector.ErrNotConnected)
	}
	switch ca.ReasonCode {
	case 0x86, 0x87:
		return connector.Permanent(fmt.Errorf("the MQTT broker at %s refused the login: check username and password", c.broker))
	case 0x85:
		return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not accept the client id %q", c.broker, c.clientID))
	case 0x84:
		return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not speak MQTT 5", c.broker))
	case 0x8A:
		return connector.Permanent(fmt.Errorf("the MQTT broker at %s has banned this client", c.broker))
	case 0x88, 0x89, 0x97, 0x9F:
		return connector.Retryable(fmt.Errorf("the MQTT broker at %s is busy or unavailable (reason %#x); try again later", c.broker, ca.ReasonCode), 0)
	}
	return fmt.Errorf("the MQTT broker at %s refused the connection (reason %#x): %w", c.broker, ca.ReasonCode, c.scrub.Error(err))
}

func disconnectReason(d *paho.Disconnect) string {
	if d.Properties != nil && d.Properties.ReasonString != "" {
		return d.Properties.ReasonString
	}
	return fmt.Sprintf("code %#x", d.ReasonCode)
}

// Ping checks the connection is up.
func (c *conn) Ping(ctx context.Context) error {
	select {
	case <-c.client.Done():
		return c.lost()
	case <-ctx.Done():
		return ctx.Err()
	default:
		return nil
	}
}

// Close disconnects.
func (c *conn) Close() error {
	c.client.disconnect(&paho.Disconnect{})
	return nil
}

func (c *conn) lost() error {
	return fmt.Errorf("the connection to the MQTT broker at %s was lost: %w", c.broker, connector.ErrNotConnected)
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
