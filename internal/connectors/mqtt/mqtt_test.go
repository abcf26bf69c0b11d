package mqtt

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/egress"
)

const address = "127.0.0.1:1883"

func config() map[string]any { return map[string]any{"broker": address} }

// setup opens a connection to the test broker, closed with the test.
func setup(t testing.TB) *conn {
	t.Helper()
	connectortest.Service(t, "Mosquitto", address)
	c, err := New().Open(t.Context(), New().Spec().WithDefaults(config()), connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*conn)
}

// unique is a topic level no other test uses.
func unique() string { return strings.ToLower(rand.Text()) }

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, New().Spec())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "Mosquitto", address)
	connectortest.CheckOpen(t, New(), config())
}

func TestOpenRefusedByPolicy(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	env.Dial = egress.Policy{}.Dialer().DialContext // allows nothing private, loopback included
	_, err := New().Open(t.Context(), New().Spec().WithDefaults(config()), env)
	if err == nil {
		t.Fatal("Open succeeded through a dialer that refuses loopback")
	}
	if !egress.IsRefused(err) || !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "could not reach the MQTT broker at 127.0.0.1:1883") {
		t.Errorf("error = %v, want a permanent refusal naming the broker", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := map[string]any{"broker": addr, "password": "hunter2secret", "username": "u"}
	_, err = New().Open(t.Context(), New().Spec().WithDefaults(cfg), connectortest.Env(t))
	if !errors.Is(err, connector.ErrNotConnected) || !strings.Contains(err.Error(), "could not reach the MQTT broker at "+addr) {
		t.Errorf("error = %v, want not connected, naming the broker", err)
	}
	if strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestReadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		config map[string]any
		want   string // the broker address, or part of the error
	}{
		{map[string]any{"broker": "mqtt.example.com"}, "mqtt.example.com:1883"},
		{map[string]any{"broker": "mqtt.example.com", "tls": true}, "mqtt.example.com:8883"},
		{map[string]any{"broker": "10.0.0.5:1884"}, "10.0.0.5:1884"},
		{map[string]any{"broker": "::1"}, "[::1]:1883"},
		{map[string]any{"broker": "mqtt://user:supersecret@example.com"}, "must be the broker's host and port"},
		{map[string]any{"broker": "x:1", "connect_timeout": "soon"}, "'connect_timeout' must be a length of time"},
	}
	for _, tt := range tests {
		s, err := readSettings(tt.config)
		got := s.broker
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tt.want) || strings.Contains(got, "supersecret") {
			t.Errorf("readSettings(%v) = %q, want %q", tt.config, got, tt.want)
		}
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	c := setup(t)
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if err := c.Ping(t.Context()); !errors.Is(err, connector.ErrNotConnected) {
		t.Errorf("ping after close = %v, want not connected", err)
	}
	_, err := connectortest.Do(t.Context(), c, connector.Request{Action: "publish", Input: map[string]any{"topic": "a"}})
	if !errors.Is(err, connector.ErrNotConnected) {
		t.Errorf("publish after close = %v, want not connected", err)
	}
}

// listen runs Listen on c until stopped or the test ends, returning once
// the trigger has subscribed; stop ends it and returns Listen's error.
func listen(t testing.TB, c *conn, input map[string]any, deliver connector.Deliver) (stop func() error, done <-chan error) {
	t.Helper()
	ready := make(chan struct{}, 10)
	c.subscribed = func(string) {
		select {
		case ready <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- c.Listen(ctx, "topic", input, deliver) }()
	select {
	case <-ready:
	case err := <-result:
		cancel()
		t.Fatalf("Listen ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("Listen did not subscribe within 10s")
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-result:
			case <-time.After(10 * time.Second):
				err = errors.New("Listen did not return within 10s of its context ending")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop, result
}

// received collects delivered messages; the first fail deliveries fail.
type received struct {
	mu   sync.Mutex
	msgs []connector.Message
	fail int
	got  chan struct{}
}

func newReceived(fail int) *received { return &received{fail: fail, got: make(chan struct{}, 100)} }

func (r *received) deliver(_ context.Context, m connector.Message) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	failing := len(r.msgs) <= r.fail
	r.mu.Unlock()
	select {
	case r.got <- struct{}{}:
	default: // wait reads msgs, not the signals
	}
	if failing {
		return errors.New("the run could not be stored")
	}
	return nil
}

// wait waits for n deliveries in all and returns them.
func (r *received) wait(t testing.TB, n int) []connector.Message {
	t.Helper()
	for {
		r.mu.Lock()
		msgs := append([]connector.Message(nil), r.msgs...)
		r.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-r.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d deliveries, want %d", len(msgs), n)
		}
	}
}
