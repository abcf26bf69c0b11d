// Package postgres is Bistro's PostgreSQL connector: queries with bound
// parameters, inserts, upserts, updates and deletes that return the rows
// they wrote, bulk loads with COPY, and a trigger that polls a table for
// new or changed rows.
package postgres

import (
	"context"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// New returns the PostgreSQL connector.
func New() connector.Connector { return postgres{} }

type postgres struct{}

// Spec describes the connector.
func (postgres) Spec() connector.Spec {
	return connector.Spec{
		Name:        "postgres",
		Title:       "PostgreSQL",
		Version:     "1.0.0",
		Category:    "database",
		Description: "Read and write rows of a PostgreSQL database: queries with parameters, inserts, upserts, updates and deletes, fast bulk loads with COPY, and a trigger on new or changed rows.",
		Config:      config(),
		Actions: sqldb.Actions(sqldb.Help{
			Dialect:         sqldb.Postgres,
			Placeholders:    "Write parameters as $1, $2, ... in the order of params.",
			Bulk:            "copy",
			BulkTitle:       "Load many rows with COPY",
			BulkDescription: "Loads records into a table with PostgreSQL's COPY, the fastest way to add many rows.",
		}),
		Triggers:  []connector.Trigger{sqldb.Trigger()},
		Endpoints: sqldb.Endpoint(5432),
	}
}

func config() []connector.Field {
	return []connector.Field{
		{Name: "host", Type: connector.String, Required: true, Example: "db.internal", Help: "The server's host name or IP address."},
		{Name: "port", Type: connector.Int, Default: 5432, Help: "The server's port."},
		{Name: "database", Type: connector.String, Required: true, Example: "shop", Help: "The database to connect to."},
		{Name: "user", Type: connector.String, Required: true, Example: "bistro", Help: "The user name to log in with."},
		{Name: "password", Type: connector.String, Secret: true, Help: "The user's password."},
		{Name: "sslmode", Type: connector.Enum, Enum: []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}, Default: "prefer", Help: "Whether to encrypt the connection (TLS) and check the server's certificate, as in PostgreSQL's sslmode: prefer encrypts when the server can; verify-full also checks that the certificate is valid and for host."},
		{Name: "ca_cert", Type: connector.Text, Help: "The certificate (PEM) of the authority that signed the server's certificate, for verify-ca and verify-full; by default the system's authorities."},
		{Name: "max_connections", Type: connector.Int, Default: 4, Help: "The most connections Bistro opens to the database at once for this connection."},
		{Name: "connect_timeout", Type: connector.Duration, Default: "10s", Help: "How long connecting may take."},
	}
}

// settings are a connection's settings, read.
type settings struct {
	host, database, user, password, sslmode, caCert string
	port, maxConns                                  int
	timeout                                         time.Duration
}

func read(c map[string]any) (settings, error) {
	s := settings{port: 5432, maxConns: 4, timeout: 10 * time.Second, sslmode: "prefer"}
	s.host, _ = c["host"].(string)
	s.database, _ = c["database"].(string)
	s.user, _ = c["user"].(string)
	s.password, _ = c["password"].(string)
	s.caCert, _ = c["ca_cert"].(string)
	if v, ok := c["sslmode"].(string); ok && v != "" {
		s.sslmode = v
	}
	var err error
	if s.port, err = sqldb.Int(c, "port", s.port); err != nil {
		return s, err
	}
	if s.maxConns, err = sqldb.Int(c, "max_connections", s.maxConns); err != nil {
		return s, err
	}
	if v, ok := c["connect_timeout"].(string); ok && v != "" {
		if s.timeout, err = time.ParseDuration(v); err != nil {
			return s, connector.Permanent(fmt.Errorf("'connect_timeout' must be a length of time such as 10s"))
		}
	}
	if s.host == "" || s.database == "" || s.user == "" {
		return s, connector.Permanent(fmt.Errorf("host, database and user are required"))
	}
	return s, nil
}

func (s settings) addr() string { return s.host + ":" + strconv.Itoa(s.port) }

// quoted writes a value of a key=value connection string.
func quoted(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// poolConfig builds pgx's settings. The password is set on the parsed
// settings, never written into a connection string, and every connection
// is dialled through env.Dial.
func poolConfig(s settings, env connector.Env) (*pgxpool.Config, error) {
	dsn := fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=%s connect_timeout=%d application_name=bistro",
		quoted(s.host), s.port, quoted(s.database), quoted(s.user), quoted(s.sslmode), max(1, int(s.timeout.Seconds())))
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, connector.Permanent(fmt.Errorf("the connection settings are not valid: %s", sqldb.RedactText(err.Error(), s.password)))
	}
	cfg.MaxConns = int32(max(1, s.maxConns))
	cfg.MaxConnIdleTime = 5 * time.Minute
	cc := cfg.ConnConfig
	cc.Password = s.password
	cc.DialFunc = env.Dial
	cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	if s.caCert != "" {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM([]byte(s.caCert)) {
			return nil, connector.Permanent(fmt.Errorf("'ca_cert' holds no certificate in PEM form (-----BEGIN CERTIFICATE-----)"))
		}
		if cc.TLSConfig != nil {
			cc.TLSConfig.RootCAs = roots
		}
		for _, fb := range cc.Fallbacks {
			if fb.TLSConfig != nil {
				fb.TLSConfig.RootCAs = roots
			}
		}
	}
	return cfg, nil
}

// Open connects to the database and checks that it answers.
func (postgres) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	s, err := read(config)
	if err != nil {
		return nil, err
	}
	cfg, err := poolConfig(s, env)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, sqldb.Redact(connector.Permanent(fmt.Errorf("the connection settings are not valid: %w", err)), s.password)
	}
	conn := sqldb.New(sqldb.Postgres, &db{pool: pool, addr: s.addr()}, "copy", s.password)
	if err := conn.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return conn, nil
}
