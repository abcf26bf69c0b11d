package sqldb

import (
	"context"
	"database/sql"
)

// Column turns a value database/sql read from a column of the given type
// (its DatabaseTypeName, e.g. "DECIMAL") into a record value.
type Column func(dbType string, v any) any

// SQLDB is a DB over database/sql, for the drivers that use it.
type SQLDB struct {
	db       *sql.DB
	describe func(err error, params []string) error
	column   Column
}

// NewSQLDB returns a DB over db. describe makes the driver's errors
// readable (see DB.Describe); column converts values read (nil: Value).
func NewSQLDB(db *sql.DB, describe func(err error, params []string) error, column Column) *SQLDB {
	if column == nil {
		column = func(_ string, v any) any { return Value(v) }
	}
	return &SQLDB{db: db, describe: describe, column: column}
}

// Query runs a statement and calls row for each row.
func (s *SQLDB) Query(ctx context.Context, q string, args []any, row func(map[string]any) error) error {
	return query(ctx, s.db, s.column, q, args, row)
}

// Exec runs a statement without rows.
func (s *SQLDB) Exec(ctx context.Context, q string, args []any) (Result, error) {
	return exec(ctx, s.db, q, args)
}

// Tx runs fn in a transaction.
func (s *SQLDB) Tx(ctx context.Context, fn func(DB) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&sqlTx{tx: tx, parent: s}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Ping checks that the database answers.
func (s *SQLDB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the pool.
func (s *SQLDB) Close() error { return s.db.Close() }

// Describe makes a driver error readable.
func (s *SQLDB) Describe(err error, params []string) error { return s.describe(err, params) }

// sqlTx is a DB inside a transaction.
type sqlTx struct {
	tx     *sql.Tx
	parent *SQLDB
}

func (t *sqlTx) Query(ctx context.Context, q string, args []any, row func(map[string]any) error) error {
	return query(ctx, t.tx, t.parent.column, q, args, row)
}

func (t *sqlTx) Exec(ctx context.Context, q string, args []any) (Result, error) {
	return exec(ctx, t.tx, q, args)
}

// Tx inside a transaction runs fn in the same transaction.
func (t *sqlTx) Tx(_ context.Context, fn func(DB) error) error { return fn(t) }

func (t *sqlTx) Ping(ctx context.Context) error            { return t.parent.Ping(ctx) }
func (t *sqlTx) Close() error                              { return nil }
func (t *sqlTx) Describe(err error, params []string) error { return t.parent.Describe(err, params) }

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func query(ctx context.Context, q queryer, column Column, text string, args []any, row func(map[string]any) error) error {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		rec := make(map[string]any, len(types))
		for i, t := range types {
			rec[t.Name()] = column(t.DatabaseTypeName(), vals[i])
		}
		if err := row(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

func exec(ctx context.Context, q queryer, text string, args []any) (Result, error) {
	res, err := q.ExecContext(ctx, text, args...)
	if err != nil {
		return Result{}, err
	}
	var r Result
	r.Rows, _ = res.RowsAffected()
	r.LastID, _ = res.LastInsertId()
	return r, nil
}
