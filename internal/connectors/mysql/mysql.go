// Package mysql is Bistro's MySQL and MariaDB connector: queries with
// bound parameters, inserts, upserts, updates and deletes, bulk loads by
// multi-row inserts in a transaction, and a trigger that polls a table
// for new or changed rows.
package mysql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// New returns the MySQL / MariaDB connector.
func New() connector.Connector { return mysql{} }

type mysql struct{}

// Spec describes the connector.
func (mysql) Spec() connector.Spec {
	return connector.Spec{
		Name:        "mysql",
		Title:       "MySQL / MariaDB",
		Version:     "1.0.0",
		Category:    "database",
		Description: "Read and write rows of a MySQL or MariaDB database: queries with parameters, inserts, upserts, updates and deletes, bulk loads, and a trigger on new or changed rows. A value that does not fit its column is refused, never silently changed.",
		Config:      config(),
		Actions: sqldb.Actions(sqldb.Help{
			Dialect:         sqldb.MySQL,
			Placeholders:    "Write each parameter as ?, in the order of params.",
			Bulk:            "bulk_insert",
			BulkTitle:       "Load many rows",
			BulkDescription: "Loads records into a table with multi-row inserts in one transaction per batch.",
		}),
		Triggers:  []connector.Trigger{sqldb.Trigger()},
		Endpoints: sqldb.Endpoint(3306),
	}
}

func config() []connector.Field {
	return []connector.Field{
		{Name: "host", Type: connector.String, Required: true, Example: "db.internal", Help: "The server's host name or IP address."},
		{Name: "port", Type: connector.Int, Default: 3306, Help: "The server's port."},
		{Name: "database", Type: connector.String, Required: true, Example: "shop", Help: "The database to use."},
		{Name: "user", Type: connector.String, Required: true, Example: "bistro", Help: "The user name to log in with."},
		{Name: "password", Type: connector.String, Secret: true, Help: "The user's password."},
		{Name: "tls", Type: connector.Enum, Enum: []string{"disabled", "preferred", "required", "verify_ca", "verify_identity"}, Default: "preferred", Help: "Whether to encrypt the connection (TLS) and check the server's certificate, as in MySQL's ssl-mode: preferred encrypts when the server can; verify_identity also checks that the certificate is valid and for host."},
		{Name: "ca_cert", Type: connector.Text, Help: "The certificate (PEM) of the authority that signed the server's certificate, for verify_ca and verify_identity; by default the system's authorities."},
		{Name: "max_connections", Type: connector.Int, Default: 4, Help: "The most connections Bistro opens to the database at once for this connection."},
		{Name: "connect_timeout", Type: connector.Duration, Default: "10s", Help: "How long connecting may take."},
	}
}

// settings are a connection's settings, read.
type settings struct {
	host, database, user, password, tls, caCert string
	port, maxConns                              int
	timeout                                     time.Duration
}

func read(c map[string]any) (settings, error) {
	s := settings{tls: "preferred", timeout: 10 * time.Second}
	s.host, _ = c["host"].(string)
	s.database, _ = c["database"].(string)
	s.user, _ = c["user"].(string)
	s.password, _ = c["password"].(string)
	s.caCert, _ = c["ca_cert"].(string)
	if v, ok := c["tls"].(string); ok && v != "" {
		s.tls = v
	}
	var err error
	if s.port, err = sqldb.Int(c, "port", 3306); err != nil {
		return s, err
	}
	if s.maxConns, err = sqldb.Int(c, "max_connections", 4); err != nil {
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

func (s settings) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// driverConfig builds the driver's settings: connections are dialled
// through env.Dial, values are bound by the server (no client-side
// interpolation), one statement per call, no LOAD DATA LOCAL, and the
// session is strict, so a value that does not fit its column is refused
// rather than silently changed.
func driverConfig(s settings, env connector.Env) (*driver.Config, error) {
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = s.user, s.password, s.database
	cfg.Net, cfg.Addr = "tcp", s.addr()
	cfg.DialFunc = env.Dial
	cfg.Timeout = s.timeout
	cfg.ParseTime, cfg.Loc = true, time.UTC
	cfg.InterpolateParams, cfg.MultiStatements, cfg.AllowAllFiles = false, false, false
	cfg.Params = map[string]string{"sql_mode": "CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES')"}
	if err := setTLS(cfg, s); err != nil {
		return nil, err
	}
	return cfg, nil
}

func setTLS(cfg *driver.Config, s settings) error {
	var roots *x509.CertPool
	if s.caCert != "" {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM([]byte(s.caCert)) {
			return connector.Permanent(fmt.Errorf("'ca_cert' holds no certificate in PEM form (-----BEGIN CERTIFICATE-----)"))
		}
	}
	switch s.tls {
	case "disabled":
		cfg.TLSConfig = "false"
	case "preferred":
		cfg.TLSConfig = "preferred"
	case "required":
		cfg.TLS = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // required encrypts without checking, as MySQL's REQUIRED
	case "verify_ca":
		cfg.TLS = verifyCA(roots)
	case "verify_identity":
		cfg.TLS = &tls.Config{ServerName: s.host, RootCAs: roots, MinVersion: tls.VersionTLS12}
	default:
		return connector.Permanent(fmt.Errorf("'tls' must be one of disabled, preferred, required, verify_ca, verify_identity"))
	}
	return nil
}

// verifyCA checks the server's certificate chain but not its name, as
// MySQL's VERIFY_CA.
func verifyCA(roots *x509.CertPool) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // the chain is checked below
		MinVersion:         tls.VersionTLS12,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			certs := make([]*x509.Certificate, len(raw))
			for i, b := range raw {
				c, err := x509.ParseCertificate(b)
				if err != nil {
					return err
				}
				certs[i] = c
			}
			if len(certs) == 0 {
				return fmt.Errorf("the server sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, c := range certs[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := certs[0].Verify(opts)
			return err
		},
	}
}

// Open connects to the database and checks that it answers.
func (mysql) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	s, err := read(config)
	if err != nil {
		return nil, err
	}
	cfg, err := driverConfig(s, env)
	if err != nil {
		return nil, err
	}
	dc, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, sqldb.Redact(connector.Permanent(fmt.Errorf("the connection settings are not valid: %w", err)), s.password)
	}
	pool := sql.OpenDB(dc)
	pool.SetMaxOpenConns(max(1, s.maxConns))
	pool.SetMaxIdleConns(max(1, s.maxConns))
	pool.SetConnMaxIdleTime(5 * time.Minute)
	addr := s.addr()
	db := sqldb.NewSQLDB(pool, func(err error, params []string) error { return describe(addr, err, params) }, column)
	conn := sqldb.New(sqldb.MySQL, db, "bulk_insert", s.password)
	if err := conn.Ping(ctx); err != nil {
		_ = pool.Close()
		return nil, err
	}
	return conn, nil
}
