package mysql_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/mysql"
	"github.com/bistro-dev/bistro/internal/connectors/sqldb/sqldbtest"
	"github.com/bistro-dev/bistro/internal/egress"
)

const addr = "127.0.0.1:3306"

func settings() map[string]any {
	return map[string]any{"host": "127.0.0.1", "port": 3306, "database": "test", "user": "root"}
}

var target = sqldbtest.Target{
	Connector: mysql.New(),
	Config:    settings(),
	Service:   "MariaDB",
	Address:   addr,
	Table:     "CREATE TABLE %s (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(200) UNIQUE NOT NULL, qty int, note text, bkey varchar(100) UNIQUE, changed datetime(6))",
	Bulk:      "bulk_insert",
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, mysql.New().Spec())
}

func TestOpen(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "MariaDB", addr)
	connectortest.CheckOpen(t, mysql.New(), settings())
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sqldbtest.Run(t, target)
}

func open(t *testing.T, change map[string]any, env connector.Env) (connector.Conn, error) {
	t.Helper()
	c := settings()
	for k, v := range change {
		c[k] = v
	}
	spec := mysql.New().Spec()
	conn, err := mysql.New().Open(context.Background(), spec.WithDefaults(c), env)
	if err == nil {
		t.Cleanup(func() { _ = conn.Close() })
	}
	return conn, err
}

// TestWrongPassword checks that a refused password gives a plain,
// permanent error that does not show it.
func TestWrongPassword(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "MariaDB", addr)
	password := "pw-" + rand.Text()
	_, err := open(t, map[string]any{"password": password}, connectortest.Env(t))
	if err == nil {
		t.Fatal("open succeeded with a wrong password")
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), password) {
		t.Errorf("err = %q shows the password", err)
	}
	if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "did not accept the user name or password") {
		t.Errorf("err = %q, want a plain, permanent refusal", err)
	}
}

// TestDialRefused checks that connections go through the guarded dialer.
func TestDialRefused(t *testing.T) {
	t.Parallel()
	env := connectortest.Env(t)
	env.Dial = egress.Policy{}.Dialer().DialContext
	_, err := open(t, nil, env)
	if err == nil {
		t.Fatal("open succeeded through a dialer that refuses loopback")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "could not reach 127.0.0.1:3306") || !strings.Contains(err.Error(), "refused") || !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("err = %q, want a permanent refusal naming the address", err)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	_, err := open(t, map[string]any{"port": 1}, connectortest.Env(t))
	t.Logf("error: %v", err)
	if !errors.Is(err, connector.ErrNotConnected) || !strings.Contains(err.Error(), "could not reach 127.0.0.1:1") {
		t.Errorf("err = %v, want a plain 'could not reach', marked not connected", err)
	}
}

// TestTLSRequired checks that tls: required refuses a server without
// TLS rather than falling back to plain text.
func TestTLSRequired(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "MariaDB", addr)
	conn, err := open(t, map[string]any{"tls": "required"}, connectortest.Env(t))
	if err == nil {
		// The server offers TLS: then the connection must work.
		if err := conn.(connector.Pinger).Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("err = %v, want a plain refusal about TLS", err)
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "MariaDB", addr)
	conn, err := open(t, nil, connectortest.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	const sql = `SELECT CAST(12.30 AS DECIMAL(10,2)) AS price, CAST('12345678901234567890.5' AS DECIMAL(30,1)) AS big,
		JSON_OBJECT('a', 1) AS doc, DATE('2024-02-29') AS day, CAST('2024-02-29 10:00:00.25' AS DATETIME(6)) AS at,
		'text' AS word, 7 AS n, 1.5e0 AS f, CAST(? AS SIGNED) AS p`
	for _, params := range [][]any{{"7"}, nil} {
		in := map[string]any{"sql": sql, "params": params}
		if params == nil {
			in["sql"] = strings.Replace(sql, "?", "7", 1) // the text protocol, without parameters
		}
		out, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "query", Input: in})
		if err != nil {
			t.Fatal(err)
		}
		r := out[0]
		want := map[string]string{
			"price": "12.3 float64", "big": "12345678901234567890.5 string", "day": "2024-02-29 string",
			"at": "2024-02-29T10:00:00.25Z string", "word": "text string", "n": "7 int", "f": "1.5 float64", "p": "7 int",
		}
		for k, v := range want {
			if got := fmt.Sprintf("%v %T", r[k], r[k]); got != v {
				t.Errorf("params %v: %s = %s, want %s", params, k, got, v)
			}
		}
	}
}
