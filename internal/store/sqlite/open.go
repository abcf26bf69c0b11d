// Package sqlite is the embedded store: one SQLite file in the data
// directory (pure Go, modernc.org/sqlite), with River's SQLite driver for
// durable work. All writes, River's included, go through one connection so
// that SQLite never sees two writers; reads use a separate pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/bistro-dev/bistro/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config says where the database lives.
type Config struct {
	Dir    string       // data directory; created (0700) when missing
	Logger *slog.Logger // nil: discard
	// RetryPolicy overrides River's backoff between attempts of a failed
	// run job; nil keeps River's default.
	RetryPolicy river.ClientRetryPolicy
	// PollInterval is how often idle workers look for new or retried
	// jobs; zero is 200ms. Tests shorten it so that retries and snoozes
	// are picked up at once.
	PollInterval time.Duration
}

// Store is the SQLite implementation of store.Store.
type Store struct {
	write  *sql.DB // exactly one connection: every write and River
	read   *sql.DB // query_only connections for reads
	stmts  stmts   // hot statements, prepared once
	river  *river.Client[*sql.Tx]
	cfg    Config
	logger *slog.Logger
	lockf  *os.File // the data directory lock, held until Close
}

// The store's interface, and the optional ones callers look for.
var (
	_ store.Store         = (*Store)(nil)
	_ store.WebhookFinder = (*Store)(nil)
	_ store.StepBatcher   = (*Store)(nil)
	_ store.Pinger        = (*Store)(nil)
)

// FileName is the database file's name inside the data directory.
const FileName = "bistro.db"

// Open opens (creating when needed) Dir/bistro.db and brings its schema,
// Bistro's and River's, up to date.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("open the database: no data directory given")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data directory: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{cfg: cfg, logger: logger}
	if err := s.lock(cfg.Dir); err != nil {
		return nil, err
	}
	if err := s.openPools(ctx, filepath.Join(cfg.Dir, FileName)); err != nil {
		s.unlock()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if n, err := s.rescueOrphans(ctx); err != nil {
		s.Close()
		return nil, err
	} else if n > 0 {
		logger.Info("resuming runs interrupted when bistro last stopped", "runs", n)
	}
	client, err := river.NewClient(riversqlite.New(s.write), s.riverConfig(nil, store.WorkOptions{}))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("set up the job queue: %w", err)
	}
	s.river = client
	return s, nil
}

// dsn builds a modernc.org/sqlite data source name. auto_vacuum comes
// first: it only takes effect when set before the first table exists.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "auto_vacuum(INCREMENTAL)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func (s *Store) openPools(ctx context.Context, path string) error {
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return fmt.Errorf("open the database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer connects first so that it sets up the file (auto_vacuum,
	// WAL) before any reader touches it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("open the database %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return fmt.Errorf("open the database: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.write, s.read = w, r
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.write, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithSlog(s.logger))
	if err != nil {
		return fmt.Errorf("prepare the database migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("update the database schema: %w", err)
	}
	m, err := rivermigrate.New(riversqlite.New(s.write), &rivermigrate.Config{Logger: s.logger})
	if err != nil {
		return fmt.Errorf("prepare the job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("update the job queue schema: %w", err)
	}
	return nil
}

// Ping reads the database file, for readiness checks: it fails when the
// file cannot be read, not only when the driver is gone.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM pragma_page_count`).Scan(&n); err != nil {
		return fmt.Errorf("the database does not answer: %w", err)
	}
	return nil
}

// Close releases the database. Work must have returned first.
func (s *Store) Close() error {
	errs := []error{s.stmts.close()}
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	errs = append(errs, s.unlock())
	return errors.Join(errs...)
}
