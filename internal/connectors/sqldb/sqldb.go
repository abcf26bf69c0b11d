// Package sqldb is what Bistro's SQL connectors (PostgreSQL, MySQL and
// SQLite) share: their actions and poll trigger, written once over a
// small interface each database driver provides.
//
// Values are always bound as parameters, never written into a
// statement's text. Table and column names cannot be bound, so they are
// checked to be plain names (letters, digits, underscores, optionally
// schema.table) and quoted for the dialect.
package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bistro-dev/bistro/connector"
)

// DB is what a database driver provides to sqldb.
type DB interface {
	// Query runs a statement and calls row for each row it returns, in
	// order, as they arrive. An error from row is returned as is.
	Query(ctx context.Context, sql string, args []any, row func(map[string]any) error) error
	// Exec runs a statement and reports what it changed.
	Exec(ctx context.Context, sql string, args []any) (Result, error)
	// Tx runs fn in a transaction, committed when fn returns nil and
	// rolled back otherwise.
	Tx(ctx context.Context, fn func(DB) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
	// Describe turns an error of the driver into one in plain words,
	// marked permanent, retryable or lost (connector.Permanent,
	// connector.Retryable, connector.ErrNotConnected). params are the
	// columns of the statement's parameters in order, for errors that
	// name a parameter by its number; they may be empty.
	Describe(err error, params []string) error
}

// Loader is implemented by a DB with its own way of loading many rows at
// once (PostgreSQL's COPY). Load writes all rows or none and returns the
// number written. Its errors are described already.
type Loader interface {
	Load(ctx context.Context, table Name, columns []Name, rows [][]any) (int64, error)
}

// Result is what a statement without rows changed.
type Result struct {
	// Rows is the number of rows changed.
	Rows int64
	// LastID is the id an auto-increment column got (MySQL), or 0.
	LastID int64
}

// Conn is an open connection of a SQL connector. It implements
// connector.Conn, Batcher, Pinger and Poller.
type Conn struct {
	d       Dialect
	db      DB
	secrets []string
	bulk    string // the name of the bulk action

	autoMu sync.Mutex
	auto   map[Name]string // MySQL: a table's auto-increment column
}

// New returns a connection over db. bulk is the name of the connector's
// bulk action ("copy", "bulk_insert"). secrets (the password) are
// removed from every error message.
func New(d Dialect, db DB, bulk string, secrets ...string) *Conn {
	return &Conn{d: d, db: db, bulk: bulk, secrets: secrets, auto: map[Name]string{}}
}

// Ping checks that the database answers.
func (c *Conn) Ping(ctx context.Context) error {
	if err := c.db.Ping(ctx); err != nil {
		return c.fail("connect", err, nil)
	}
	return nil
}

// Close releases the connection.
func (c *Conn) Close() error { return c.db.Close() }

// Do runs one action for one record.
func (c *Conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	switch req.Action {
	case "query":
		return c.query(ctx, req, emit)
	case "insert":
		return c.insert(ctx, req, emit)
	case "upsert":
		return c.upsert(ctx, req, emit)
	case "update":
		return c.update(ctx, req, emit)
	case "delete":
		return c.delete(ctx, req, emit)
	case c.bulk:
		return c.DoBatch(ctx, req.Action, []connector.Request{req}, emit)
	}
	return connector.Permanent(fmt.Errorf("there is no action '%s'", req.Action))
}

// fail describes an error of the statement with the given parameters,
// naming the operation, and removes secrets from it.
func (c *Conn) fail(op string, err error, params []string) error {
	if e, ok := unwrapEmit(err); ok {
		return e
	}
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = c.db.Describe(err, params)
	}
	return Redact(fmt.Errorf("%s: %w", op, err), c.secrets...)
}

// passOn marks errors that come from emit, so that they are returned
// as they are rather than described as database errors.
type passOn struct{ err error }

func (p *passOn) Error() string { return p.err.Error() }
func (p *passOn) Unwrap() error { return p.err }

// emitting wraps emit so that its errors can be told apart.
func emitting(emit func(map[string]any) error) func(map[string]any) error {
	return func(r map[string]any) error {
		if err := emit(r); err != nil {
			return &passOn{err}
		}
		return nil
	}
}

// unwrapEmit returns the error of emit inside err, if there is one.
func unwrapEmit(err error) (error, bool) {
	var p *passOn
	if errors.As(err, &p) {
		return p.err, true
	}
	return nil, false
}
