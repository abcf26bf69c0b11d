// Package postgres is the store for PostgreSQL (pgx), for when several
// Bistro processes share one database. River's pgx driver does the
// durable work, sharing the load between the processes.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/bistro-dev/bistro/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config says which database to use.
type Config struct {
	URL    string       // e.g. postgres://bistro@db/bistro
	Logger *slog.Logger // nil: discard
	// Schema keeps every table, Bistro's and River's, in this schema
	// (which must exist); empty uses the connection's search_path.
	Schema string
	// RetryPolicy overrides River's backoff between attempts of a failed
	// run job; nil keeps River's default.
	RetryPolicy river.ClientRetryPolicy
	// PollInterval is how often idle workers look for jobs that LISTEN/NOTIFY
	// did not announce (retries, snoozes, jobs come due); zero keeps
	// River's 1s. Tests shorten it.
	PollInterval time.Duration
}

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool   *pgxpool.Pool
	river  *river.Client[pgx.Tx]
	cfg    Config
	logger *slog.Logger
}

// The store's interface, and the optional ones callers look for.
var (
	_ store.Store         = (*Store)(nil)
	_ store.WebhookFinder = (*Store)(nil)
	_ store.StepBatcher   = (*Store)(nil)
	_ store.Pinger        = (*Store)(nil)
)

// Open connects and brings the schema, Bistro's and River's, up to date.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("the database address is not valid: %w", err)
	}
	if cfg.Schema != "" {
		pc.ConnConfig.RuntimeParams["search_path"] = cfg.Schema
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	s := &Store{pool: pool, cfg: cfg, logger: logger}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(pool), s.riverConfig(nil, store.WorkOptions{}))
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("set up the job queue: %w", err)
	}
	s.river = client
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithSlog(s.logger))
	if err != nil {
		return fmt.Errorf("prepare the database migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("update the database schema: %w", err)
	}
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: s.logger, Schema: s.cfg.Schema})
	if err != nil {
		return fmt.Errorf("prepare the job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("update the job queue schema: %w", err)
	}
	return nil
}

// Ping reports whether the database answers, for readiness checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("the database does not answer: %w", err)
	}
	return nil
}

// Close releases the connections. Work must have returned first.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// pgCode is the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// SQLSTATEs the store turns into store errors.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)
