package nats

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/egress"
)

const address = "127.0.0.1:4222"

func config() map[string]any {
	return map[string]any{"url": "nats://" + address}
}

// setup opens a connection to the test server, closed with the test.
func setup(t testing.TB) *conn {
	t.Helper()
	connectortest.Service(t, "NATS", address)
	spec := New().Spec()
	c, err := New().Open(t.Context(), spec.WithDefaults(config()), connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*conn)
}

// unique is a name no other test uses: letters and digits.
func unique() string { return rand.Text() }

// newStream creates a stream storing subject.>, deleted with the test.
func newStream(t testing.TB, c *conn) (name, subject string) {
	t.Helper()
	name, subject = "T"+unique(), "test."+unique()
	if _, err := c.js.CreateStream(t.Context(), jetstream.StreamConfig{Name: name, Subjects: []string{subject + ".>"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.js.DeleteStream(context.Background(), name) })
	return name, subject
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, New().Spec())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "NATS", address)
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
	if !egress.IsRefused(err) || !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "could not reach the NATS server at nats://127.0.0.1:4222") {
		t.Errorf("error = %v, want a permanent refusal naming the server", err)
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
	cfg := map[string]any{"url": "nats://someone:hunter2secret@" + addr, "connect_timeout": "2s"}
	_, err = New().Open(t.Context(), New().Spec().WithDefaults(cfg), connectortest.Env(t))
	if !errors.Is(err, connector.ErrNotConnected) || !strings.Contains(err.Error(), "could not reach the NATS server at nats://"+addr) {
		t.Errorf("error = %v, want not connected, naming the server", err)
	}
	if strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestOpenSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"two logins", map[string]any{"url": "nats://" + address, "token": "abcdefgh", "user": "u", "password": "p"}, "only one way of logging in"},
		{"bad url", map[string]any{"url": "nats://user:supersecret@[::1"}, "is not a server address"},
		{"no url", map[string]any{"url": " , "}, "'url' is required"},
		{"bad creds", map[string]any{"url": "nats://" + address, "creds": "-----BEGIN NATS USER JWT-----\nsupersecret\n------END NATS USER JWT------\n"}, "'creds' does not hold NATS credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New().Open(t.Context(), New().Spec().WithDefaults(tt.config), connectortest.Env(t))
			if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want a permanent error containing %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "supersecret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
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
}

// waitFor waits until ok holds, failing t after 10 seconds.
func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// TestOpenWithCreds opens with a credentials file. The test server has no
// accounts and ignores it, so this checks that a well-formed file is
// accepted; TestOpenSettings checks that a broken one is refused.
func TestOpenWithCreds(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "NATS", address)
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	creds := "-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.e30.c2ln\n------END NATS USER JWT------\n\n" +
		"-----BEGIN USER NKEY SEED-----\n" + string(seed) + "\n------END USER NKEY SEED------\n"
	cfg := map[string]any{"url": "nats://" + address, "creds": creds}
	connectortest.CheckOpen(t, New(), cfg)
}
