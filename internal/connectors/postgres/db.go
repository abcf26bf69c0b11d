package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// db is sqldb's DB over a pgx pool.
type db struct {
	pool *pgxpool.Pool
	addr string
}

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func (d *db) Query(ctx context.Context, sql string, args []any, row func(map[string]any) error) error {
	return query(ctx, d.pool, sql, args, row)
}

func (d *db) Exec(ctx context.Context, sql string, args []any) (sqldb.Result, error) {
	return exec(ctx, d.pool, sql, args)
}

func (d *db) Tx(ctx context.Context, fn func(sqldb.DB) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		return fn(&txDB{tx: tx, db: d})
	})
}

func (d *db) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

func (d *db) Close() error {
	d.pool.Close()
	return nil
}

func (d *db) Describe(err error, params []string) error { return describe(d.addr, err, params) }

// txDB is a DB inside a transaction.
type txDB struct {
	tx pgx.Tx
	db *db
}

func (t *txDB) Query(ctx context.Context, sql string, args []any, row func(map[string]any) error) error {
	return query(ctx, t.tx, sql, args, row)
}

func (t *txDB) Exec(ctx context.Context, sql string, args []any) (sqldb.Result, error) {
	return exec(ctx, t.tx, sql, args)
}

func (t *txDB) Tx(_ context.Context, fn func(sqldb.DB) error) error { return fn(t) }
func (t *txDB) Ping(ctx context.Context) error                      { return t.db.Ping(ctx) }
func (t *txDB) Close() error                                        { return nil }
func (t *txDB) Describe(err error, params []string) error           { return t.db.Describe(err, params) }

func query(ctx context.Context, q querier, sql string, args []any, row func(map[string]any) error) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	types := rows.Conn().TypeMap()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		rec := make(map[string]any, len(fields))
		for i, f := range fields {
			rec[f.Name] = value(types, f.DataTypeOID, vals[i])
		}
		if err := row(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

func exec(ctx context.Context, q querier, sql string, args []any) (sqldb.Result, error) {
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return sqldb.Result{}, err
	}
	return sqldb.Result{Rows: tag.RowsAffected()}, nil
}

// value turns what pgx read into a record value: numbers, texts, JSON
// as decoded; numeric as a number when no digit is lost, as text
// otherwise; uuid as text; dates as 2006-01-02; any other type as
// PostgreSQL writes it as text.
func value(types *pgtype.Map, oid uint32, v any) any {
	switch v := v.(type) {
	case nil, string, bool, float64, float32, int16, int32, int64, map[string]any, []byte:
		return sqldb.Value(v)
	case pgtype.Numeric:
		text, err := v.Value()
		if s, ok := text.(string); ok && err == nil {
			return sqldb.Decimal(s)
		}
		return nil
	case time.Time:
		if oid == pgtype.DateOID {
			return v.Format("2006-01-02")
		}
		return sqldb.Value(v)
	case [16]byte:
		return uuid.UUID(v).String()
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = value(types, 0, e)
		}
		return out
	}
	if oid != 0 {
		if buf, err := types.Encode(oid, pgtype.TextFormatCode, v, nil); err == nil {
			return string(buf)
		}
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return sqldb.Value(v)
}
