package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/postgres"
	"github.com/bistro-dev/bistro/internal/connectors/sqldb/sqldbtest"
	"github.com/bistro-dev/bistro/internal/egress"
)

const addr = "127.0.0.1:5432"

func settings() map[string]any {
	return map[string]any{"host": "127.0.0.1", "port": 5432, "database": "test", "user": "postgres"}
}

var target = sqldbtest.Target{
	Connector: postgres.New(),
	Config:    settings(),
	Service:   "PostgreSQL",
	Address:   addr,
	Table:     "CREATE TABLE %s (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, qty integer, note text, bkey text UNIQUE, changed timestamptz)",
	Bulk:      "copy",
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, postgres.New().Spec())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", addr)
	connectortest.CheckOpen(t, postgres.New(), settings())
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sqldbtest.Run(t, target)
}

// open opens a connection with the test settings changed by change.
func open(t *testing.T, change map[string]any, env connector.Env) (connector.Conn, error) {
	t.Helper()
	c := settings()
	for k, v := range change {
		c[k] = v
	}
	spec := postgres.New().Spec()
	conn, err := postgres.New().Open(context.Background(), spec.WithDefaults(c), env)
	if err == nil {
		t.Cleanup(func() { _ = conn.Close() })
	}
	return conn, err
}

// TestDialRefused checks that connections go through the guarded dialer:
// one that allows nothing private makes Open fail, plainly.
func TestDialRefused(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	env.Dial = egress.Policy{}.Dialer().DialContext
	_, err := open(t, nil, env)
	if err == nil {
		t.Fatal("open succeeded through a dialer that refuses loopback")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "could not reach 127.0.0.1:5432") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %q, want it to say the address was refused", err)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("err = %q: a refusal by policy will not change on retry", err)
	}
}

// TestUnreachable checks that a server that is not there is a lost
// connection, which the engine retries.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	_, err := open(t, map[string]any{"port": 1}, connectortest.Env(t))
	t.Logf("error: %v", err)
	if !errors.Is(err, connector.ErrNotConnected) || !strings.Contains(err.Error(), "could not reach 127.0.0.1:1") {
		t.Errorf("err = %v, want a plain 'could not reach', marked not connected", err)
	}
}

// TestRefusedLogin checks that a login the server refuses gives a plain,
// permanent error without the password. The test server trusts local
// connections whatever the password, so it is refused by user name.
func TestRefusedLogin(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", addr)
	password := "pw-" + rand.Text()
	user := "nobody_" + strings.ToLower(rand.Text()[:8])
	_, err := open(t, map[string]any{"user": user, "password": password}, connectortest.Env(t))
	if err == nil {
		t.Fatal("open succeeded")
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), password) {
		t.Errorf("err = %q shows the password", err)
	}
	if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "did not accept the user name or password") || !strings.Contains(err.Error(), user) {
		t.Errorf("err = %q, want a plain, permanent refusal naming the user", err)
	}
}

// TestErrorsHideThePassword checks that an error message in which the
// server repeats the connection's password comes out without it.
func TestErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", addr)
	password := "pw-" + rand.Text()
	conn, err := open(t, map[string]any{"password": password}, connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = connectortest.Do(context.Background(), conn, connector.Request{Action: "query", Input: map[string]any{
		"sql": "SELECT CAST($1 AS integer)", "params": []any{"dbname=test password=" + password},
	}})
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("err = %v, want the password replaced by xxxxx", err)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("err = %v: redaction must keep the error's kind", err)
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", addr)
	conn, err := open(t, nil, connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "query", Input: map[string]any{"sql": `SELECT
		12.30::numeric(10,2) AS price, 12345678901234567890.5::numeric AS big, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id,
		'{"a": [1, "x"]}'::jsonb AS doc, '2024-02-29'::date AS day, '2024-02-29 10:00:00.25+00'::timestamptz AS at,
		ARRAY[1, 2] AS list, '1 day 2 hours'::interval AS span, 'abc'::bytea AS raw, $1::int AS n`, "params": []any{7.0}}})
	if err != nil {
		t.Fatal(err)
	}
	r := out[0]
	want := map[string]string{
		"price": "12.3", "big": "12345678901234567890.5", "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
		"doc": "map[a:[1 x]]", "day": "2024-02-29", "list": "[1 2]", "span": "1 day 02:00:00", "raw": "abc", "n": "7",
	}
	for k, v := range want {
		if got := fmt.Sprint(r[k]); got != v {
			t.Errorf("%s = %s (%T), want %s", k, got, r[k], v)
		}
	}
	if _, ok := r["big"].(string); !ok {
		t.Errorf("a numeric with more digits than a float holds must stay text, got %T", r["big"])
	}
	if at, ok := r["at"].(string); !ok || !strings.HasPrefix(at, "2024-02-29T") {
		t.Errorf("at = %v, want RFC 3339 text", r["at"])
	}
}

// TestCopyNamesRecord checks that a bad value in a COPY names its record
// and column.
func TestCopyNamesRecord(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", addr)
	conn, err := open(t, nil, connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	table := "copytest_" + strings.ToLower(rand.Text()[:12])
	do := func(action string, input map[string]any, records ...map[string]any) error {
		reqs := make([]connector.Request, len(records))
		for i, r := range records {
			reqs[i] = connector.Request{Action: action, Input: input, Record: r}
		}
		return conn.(connector.Batcher).DoBatch(context.Background(), action, reqs, func(map[string]any) error { return nil })
	}
	if _, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "query", Input: map[string]any{"sql": "CREATE TABLE " + table + " (a int, b text)"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = connectortest.Do(context.Background(), conn, connector.Request{Action: "query", Input: map[string]any{"sql": "DROP TABLE " + table}})
	})
	err = do("copy", map[string]any{"table": table}, map[string]any{"a": 1, "b": "x"}, map[string]any{"a": 2}, map[string]any{"a": "three", "b": "z"})
	if err == nil || !strings.Contains(err.Error(), "record 3, column 'a'") || !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("err = %v, want it to name record 3 and column a", err)
	}
}

// TestLostConnection checks that a connection the server ended is
// reported as lost (so the engine opens it again), and that the next
// call works on a new one.
func TestLostConnection(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", addr)
	conn, err := open(t, map[string]any{"max_connections": 1}, connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	killer, err := open(t, nil, connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	q := func(c connector.Conn, sql string, params ...any) ([]map[string]any, error) {
		return connectortest.Do(context.Background(), c, connector.Request{Action: "query", Input: map[string]any{"sql": sql, "params": params}})
	}
	out, err := q(conn, "SELECT pg_backend_pid() AS pid")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q(killer, "SELECT pg_terminate_backend($1)", out[0]["pid"]); err != nil {
		t.Fatal(err)
	}
	_, err = q(conn, "SELECT 1")
	t.Logf("error: %v", err)
	if !errors.Is(err, connector.ErrNotConnected) {
		t.Errorf("err = %v, want it marked not connected", err)
	}
	if _, err := q(conn, "SELECT 1"); err != nil {
		t.Errorf("the next call must work on a new connection: %v", err)
	}
}
