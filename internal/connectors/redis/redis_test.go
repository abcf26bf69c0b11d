package redis_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/redis"
	"github.com/bistro-dev/bistro/internal/egress"
)

// address is the test Redis; BISTRO_TEST_REDIS overrides it.
func address() string {
	if a := os.Getenv("BISTRO_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

func config() map[string]any { return map[string]any{"address": address()} }

// fixture is an open connection, a plain client to look at Redis
// directly, and a key prefix of the test's own.
type fixture struct {
	conn   connector.Conn
	raw    *goredis.Client
	prefix string
}

// setup opens a connection for one test; the keys under its prefix are
// removed when the test ends.
func setup(t *testing.T) fixture {
	t.Helper()
	connectortest.Service(t, "Redis", address())
	c := redis.New()
	conn, err := c.Open(context.Background(), c.Spec().WithDefaults(config()), connectortest.Env(t))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	f := fixture{conn: conn, raw: goredis.NewClient(&goredis.Options{Addr: address()}), prefix: "bistro-test:" + rand.Text() + ":"}
	t.Cleanup(func() {
		ctx := context.Background()
		for _, pattern := range []string{f.prefix + "*", "bistro:once:" + f.prefix + "*"} {
			keys, _ := f.raw.Keys(ctx, pattern).Result()
			if len(keys) > 0 {
				f.raw.Del(ctx, keys...)
			}
		}
		_ = conn.Close()
		_ = f.raw.Close()
	})
	return f
}

// do runs an action with the engine's defaults filled in.
func (f fixture) do(t *testing.T, action string, in map[string]any, rec map[string]any, key string) ([]map[string]any, error) {
	t.Helper()
	a, ok := redis.New().Spec().Action(action)
	if !ok {
		t.Fatalf("no action %q", action)
	}
	if errs := a.ValidateInput(in); len(errs) > 0 {
		t.Fatalf("input of %s is not valid: %v", action, errs)
	}
	return connectortest.Do(context.Background(), f.conn, connector.Request{Action: action, Input: a.WithDefaults(in), Record: rec, Key: key})
}

// must runs an action that must succeed.
func (f fixture) must(t *testing.T, action string, in map[string]any) []map[string]any {
	t.Helper()
	out, err := f.do(t, action, in, nil, "")
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return out
}

// eventually waits until ok holds, failing the test after ten seconds.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting until %s", what)
		case <-tick.C:
		}
	}
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, redis.New().Spec())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "Redis", address())
	connectortest.CheckOpen(t, redis.New(), config())
}

func TestWrongPassword(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	user := "bistro-test-" + rand.Text()
	if err := f.raw.ACLSetUser(ctx, user, "on", ">right-"+rand.Text(), "~*", "+@all").Err(); err != nil {
		t.Fatalf("create user: %v", err)
	}
	t.Cleanup(func() { f.raw.ACLDelUser(context.Background(), user) })
	password := "wrong-" + rand.Text()
	cfg := map[string]any{"address": address(), "username": user, "password": password}
	_, err := redis.New().Open(ctx, cfg, connectortest.Env(t))
	if err == nil {
		t.Fatal("open with a wrong password succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "refused the user name or password") || !strings.Contains(msg, address()) {
		t.Errorf("error %q does not say plainly that the login was refused, and where", msg)
	}
	if strings.Contains(msg, password) {
		t.Errorf("error %q shows the password", msg)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("error %q is not permanent: a wrong password stays wrong", msg)
	}
}

func TestDialRefused(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "Redis", address())
	var dials atomic.Int32
	env := connectortest.Env(t)
	env.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("the network policy does not allow this host")
	}
	_, err := redis.New().Open(context.Background(), config(), env)
	if err == nil || !strings.Contains(err.Error(), "could not reach Redis at "+address()+": the network policy does not allow this host") {
		t.Fatalf("error = %v, want it to name the address and the dialer's reason", err)
	}
	if dials.Load() == 0 {
		t.Error("Open did not use env.Dial")
	}
}

func TestPolicyRefusesLoopback(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	env.Dial = egress.Policy{}.Dialer().DialContext // loopback not allowed
	_, err := redis.New().Open(context.Background(), config(), env)
	if err == nil || !strings.Contains(err.Error(), "loopback addresses (this machine) are blocked") {
		t.Fatalf("error = %v, want the policy's reason", err)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("error %q is not permanent: the policy refuses again until an admin changes it", err)
	}
}

func TestTLSGoesThroughEnvDial(t *testing.T) {
	t.Parallel()
	// A TLS server whose certificate no authority signed: the handshake
	// must be tried, through env.Dial, and refuse the certificate.
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	var dials atomic.Int32
	env := connectortest.Env(t)
	guarded := env.Dial
	env.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return guarded(ctx, network, addr)
	}
	_, err := redis.New().Open(context.Background(), map[string]any{"address": addr, "tls": true}, env)
	if err == nil || !strings.Contains(err.Error(), "TLS handshake") || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("error = %v, want a refused certificate", err)
	}
	if dials.Load() == 0 {
		t.Error("a TLS connection did not use env.Dial")
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = redis.New().Open(context.Background(), map[string]any{"address": addr}, connectortest.Env(t))
	if err == nil || !strings.Contains(err.Error(), "could not reach Redis at "+addr+": connection refused") {
		t.Fatalf("error = %v, want a plain 'could not reach'", err)
	}
	if !errors.Is(err, connector.ErrNotConnected) {
		t.Errorf("error %q is not ErrNotConnected: the engine would not try again", err)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "Redis", address())
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"no address", map[string]any{"address": ""}, "the Redis address is missing"},
		{"database out of range", map[string]any{"address": address(), "database": 9999}, "has no database 9999"},
		{"negative database", map[string]any{"address": address(), "database": -1}, "from 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := redis.New().Open(context.Background(), tt.config, connectortest.Env(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDefaultPort(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "Redis", address())
	host, port, _ := net.SplitHostPort(address())
	if port != "6379" {
		t.Skipf("SKIPPING: the test Redis is not on the default port (%s)", address())
	}
	connectortest.CheckOpen(t, redis.New(), map[string]any{"address": host})
}
