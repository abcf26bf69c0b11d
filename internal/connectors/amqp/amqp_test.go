package amqp_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"testing"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/amqp"
	"github.com/bistro-dev/bistro/internal/egress"
)

const brokerAddr = "127.0.0.1:5672"

// settings are the test broker's connection settings.
func settings() map[string]any {
	return map[string]any{"host": "127.0.0.1", "user": "guest", "password": "guest"}
}

// broker is a direct channel to the test broker, for the tests' own
// checks; it skips the test when the broker is not running.
func broker(t testing.TB) *amqp091.Channel {
	t.Helper()
	connectortest.Service(t, "RabbitMQ", brokerAddr)
	c, err := amqp091.Dial("amqp://guest:guest@" + brokerAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ch, err := c.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// queue declares a queue of its own for the test and deletes it after.
func queue(t testing.TB, ch *amqp091.Channel, args amqp091.Table) string {
	t.Helper()
	name := "bistro-test-" + rand.Text()
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		t.Fatal(err)
	}
	deleteAfter(t, name)
	return name
}

// deleteAfter deletes the queue when the test ends, on a connection of its
// own (the test's may be closed by then).
func deleteAfter(t testing.TB, name string) {
	t.Cleanup(func() {
		c, err := amqp091.Dial("amqp://guest:guest@" + brokerAddr + "/")
		if err != nil {
			t.Errorf("delete queue %s: %v", name, err)
			return
		}
		defer c.Close()
		ch, err := c.Channel()
		if err == nil {
			_, err = ch.QueueDelete(name, false, false, false)
		}
		if err != nil {
			t.Errorf("delete queue %s: %v", name, err)
		}
	})
}

// ready is the number of messages waiting in a queue (not those handed
// to a consumer and not yet acknowledged).
func ready(t testing.TB, ch *amqp091.Channel, name string) int {
	t.Helper()
	q, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q.Messages
}

// open opens a connection with the test environment.
func open(t testing.TB, config map[string]any) connector.Conn {
	t.Helper()
	c := amqp.New()
	conn, err := c.Open(context.Background(), c.Spec().WithDefaults(config), connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, amqp.New().Spec())
}

func TestCheckOpen(t *testing.T) {
	t.Parallel()
	broker(t)
	connectortest.CheckOpen(t, amqp.New(), settings())
	connectortest.CheckOpen(t, amqp.New(), map[string]any{"url": "amqp://guest@127.0.0.1:5672/%2f", "password": "guest"})
}

func TestOpenWrongPassword(t *testing.T) {
	t.Parallel()
	broker(t)
	password := "not-the-password-" + rand.Text()
	config := settings()
	config["password"] = password
	c := amqp.New()
	_, err := c.Open(context.Background(), c.Spec().WithDefaults(config), connectortest.Env(t))
	if err == nil {
		t.Fatal("opened with a wrong password")
	}
	want := "RabbitMQ at 127.0.0.1:5672 refused the login of user 'guest': the user name or password is wrong"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if strings.Contains(err.Error(), password) {
		t.Error("the error shows the password")
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Error("a wrong password must not be retried")
	}
}

func TestOpenWrongVhost(t *testing.T) {
	t.Parallel()
	broker(t)
	config := settings()
	config["vhost"] = "no-such-vhost-" + rand.Text()
	c := amqp.New()
	_, err := c.Open(context.Background(), c.Spec().WithDefaults(config), connectortest.Env(t))
	if err == nil || !strings.Contains(err.Error(), "does not let user 'guest' use the virtual host 'no-such-vhost-") {
		t.Fatalf("error %v, want one about the virtual host", err)
	}
}

// TestOpenDialsThroughEnv checks that every connection goes through the
// environment's dialer, where the admin's network policy holds.
func TestOpenDialsThroughEnv(t *testing.T) {
	t.Parallel()
	c := amqp.New()
	config := c.Spec().WithDefaults(settings())

	env := connectortest.Env(t)
	env.Dial = func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("refused by the test")
	}
	_, err := c.Open(context.Background(), config, env)
	if err == nil || err.Error() != "could not reach RabbitMQ at 127.0.0.1:5672: refused by the test: not connected" {
		t.Errorf("error %v", err)
	}
	if !errors.Is(err, connector.ErrNotConnected) {
		t.Errorf("error %v is not 'not connected'", err)
	}

	env.Dial = egress.Policy{}.Dialer().DialContext // loopback not allowed
	_, err = c.Open(context.Background(), config, env)
	if err == nil || !strings.Contains(err.Error(), "could not reach RabbitMQ at 127.0.0.1:5672: connection to 127.0.0.1:5672 refused: loopback addresses") {
		t.Errorf("error %v", err)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("a refusal by the network policy must not be retried: %v", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close() // nothing listens there now
	c := amqp.New()
	config := c.Spec().WithDefaults(map[string]any{"host": "127.0.0.1", "port": addr.Port})
	_, err = c.Open(context.Background(), config, connectortest.Env(t))
	if err == nil || !strings.Contains(err.Error(), "could not reach RabbitMQ at "+addr.String()+": connect: connection refused") {
		t.Errorf("error %v", err)
	}
}

func TestSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"no address", map[string]any{}, "give the broker's address in the setting 'url' or 'host'"},
		{"password in url", map[string]any{"url": "amqp://bob:s3cret-pw@rabbit.example.com/"}, "the setting 'url' holds a password"},
		{"wrong scheme", map[string]any{"url": "http://rabbit.example.com/"}, "must start with amqp:// or amqps://, not http://"},
		{"not a url", map[string]any{"url": "rabbit"}, "the setting 'url' is not an address"},
		{"bad port in url", map[string]any{"url": "amqp://rabbit.example.com:99999/"}, "the port in the setting 'url'"},
		{"bad port", map[string]any{"host": "rabbit.example.com", "port": 0}, "the setting 'port' must be a number from 1 to 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := amqp.New()
			_, err := c.Open(context.Background(), c.Spec().WithDefaults(tt.config), connectortest.Env(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Errorf("the error shows the password: %v", err)
			}
			if !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("wrong settings must not be retried: %v", err)
			}
		})
	}
}

// TestSettingsAddress checks which address the settings lead to, through
// the dialer the connection is given.
func TestSettingsAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		config map[string]any
		want   string
	}{
		{map[string]any{"host": "rabbit.example.com"}, "rabbit.example.com:5672"},
		{map[string]any{"host": "rabbit.example.com", "tls": true}, "rabbit.example.com:5671"},
		{map[string]any{"host": "rabbit.example.com", "port": 6000}, "rabbit.example.com:6000"},
		{map[string]any{"url": "amqps://rabbit.example.com/orders"}, "rabbit.example.com:5671"},
		{map[string]any{"url": "amqp://bob@[::1]:5673/"}, "[::1]:5673"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			env := connectortest.Env(t)
			dialed := make(chan string, 1)
			env.Dial = func(_ context.Context, _, address string) (net.Conn, error) {
				dialed <- address
				return nil, errors.New("no network in this test")
			}
			c := amqp.New()
			if _, err := c.Open(context.Background(), c.Spec().WithDefaults(tt.config), env); err == nil {
				t.Fatal("opened without a network")
			}
			if got := <-dialed; got != tt.want {
				t.Errorf("dialed %s, want %s", got, tt.want)
			}
		})
	}
}

func TestUnknownActionAndTrigger(t *testing.T) {
	t.Parallel()
	broker(t)
	conn := open(t, settings())
	_, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "purge"})
	if err == nil || !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "no action 'purge'") {
		t.Errorf("error %v", err)
	}
	err = conn.(connector.Listener).Listen(context.Background(), "stream", map[string]any{"queue": "x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "no trigger 'stream'") {
		t.Errorf("error %v", err)
	}
}
