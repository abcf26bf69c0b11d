package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/riverwork"
)

// defaultPollInterval is how often an idle worker looks for jobs: SQLite
// has no LISTEN/NOTIFY, so jobs inserted by another client are found by
// polling. The query is a cheap indexed read of a local file; at 200ms the
// queue, not the work, limited async runs to a few dozen a second.
const defaultPollInterval = 20 * time.Millisecond

// riverConfig is the River configuration; handle nil gives an insert-only
// client.
func (s *Store) riverConfig(handle store.RunHandler, opts store.WorkOptions) *river.Config {
	cfg := riverwork.Config(s.logger, s.cfg.RetryPolicy, handle, opts)
	if handle != nil {
		riverwork.SetPoll(cfg, s.pollInterval())
	}
	return cfg
}

// pollInterval is Config.PollInterval or its default.
func (s *Store) pollInterval() time.Duration {
	if s.cfg.PollInterval > 0 {
		return s.cfg.PollInterval
	}
	return defaultPollInterval
}

// Work runs queued runs through handle until ctx is done, then drains.
func (s *Store) Work(ctx context.Context, opts store.WorkOptions, handle store.RunHandler) error {
	if handle == nil {
		return errors.New("work: no run handler given")
	}
	opts = opts.WithDefaults()
	client, err := river.NewClient(riversqlite.New(s.write), s.riverConfig(handle, opts))
	if err != nil {
		return fmt.Errorf("set up the workers: %w", err)
	}
	return riverwork.Serve(ctx, client, opts.DrainTimeout)
}
