// Package sqlite is Bistro's SQLite connector: a database file in a
// folder the admin allowed, with queries with bound parameters, inserts,
// upserts, updates and deletes that return the rows they wrote, bulk
// loads, and a trigger that polls a table for new or changed rows.
package sqlite

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"sync"

	driver "modernc.org/sqlite"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// New returns the SQLite connector.
func New() connector.Connector { return sqlite{} }

type sqlite struct{}

// Spec describes the connector.
func (sqlite) Spec() connector.Spec {
	return connector.Spec{
		Name:        "sqlite",
		Title:       "SQLite",
		Version:     "1.0.0",
		Category:    "database",
		Description: "Read and write rows of an SQLite database file in a folder an admin allowed: queries with parameters, inserts, upserts, updates and deletes, bulk loads, and a trigger on new or changed rows.",
		Config: []connector.Field{
			{Name: "path", Type: connector.String, Required: true, Example: "shop.db", Help: "The database file: a path inside a folder an admin allowed, or relative to one. Links and .. are followed, and a file that ends up outside the allowed folders is refused."},
			{Name: "create", Type: connector.Bool, Default: false, Help: "Create an empty database file when there is none at path (otherwise a missing file is an error, which catches a mistyped path)."},
		},
		Actions: sqldb.Actions(sqldb.Help{
			Dialect:         sqldb.SQLite,
			Placeholders:    "Write each parameter as ? (or ?1, ?2, ... to number them), in the order of params.",
			Bulk:            "bulk_insert",
			BulkTitle:       "Load many rows",
			BulkDescription: "Loads records into a table with multi-row inserts in one transaction per batch.",
		}),
		Triggers: []connector.Trigger{sqldb.Trigger()},
	}
}

// Open opens the database file, after checking that it lies inside an
// allowed folder.
func (sqlite) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	path, _ := config["path"].(string)
	create, _ := config["create"].(bool)
	file, err := resolve(path, env.Folders, create)
	if err != nil {
		return nil, err
	}
	dsn := file + "?_busy_timeout=10000&_foreign_keys=1&_txlock=immediate&_defensive=1"
	pool := sql.OpenDB(fileConnector{dsn: dsn})
	pool.SetMaxOpenConns(4)
	pool.SetMaxIdleConns(4)
	db := sqldb.NewSQLDB(pool, func(err error, _ []string) error { return describe(file, err) }, nil)
	conn := sqldb.New(sqldb.SQLite, db, "bulk_insert")
	if err := conn.Ping(ctx); err != nil {
		_ = pool.Close()
		return nil, err
	}
	return conn, nil
}

// fileConnector opens connections to one file with Bistro's own driver,
// which refuses ATTACH (and VACUUM INTO): a statement must not reach
// files outside the allowed folders.
type fileConnector struct{ dsn string }

func (c fileConnector) Connect(context.Context) (sqldriver.Conn, error) {
	return guarded().Open(c.dsn)
}

func (c fileConnector) Driver() sqldriver.Driver { return guarded() }

var guarded = sync.OnceValue(func() *driver.Driver {
	d := &driver.Driver{}
	d.RegisterConnectionHook(func(conn driver.ExecQuerierContext, _ string) error {
		a, ok := conn.(driver.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("the SQLite driver cannot restrict statements")
		}
		return a.RegisterAuthorizer(authorize)
	})
	return d
})

// authorize refuses attaching other database files.
func authorize(action driver.AuthorizerActionCode, _, _, _, _ string) driver.AuthorizerReturnCode {
	if action == driver.AuthAttach {
		return driver.AuthorizerDeny
	}
	return driver.AuthorizerOK
}
