package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/riverwork"
)

// riverConfig is the River configuration, in the store's schema; handle
// nil gives an insert-only client. PostgreSQL tells workers about new jobs
// (LISTEN/NOTIFY), so River's default poll only backs that up.
func (s *Store) riverConfig(handle store.RunHandler, opts store.WorkOptions) *river.Config {
	cfg := riverwork.Config(s.logger, s.cfg.RetryPolicy, handle, opts)
	cfg.Schema = s.cfg.Schema
	if handle != nil && s.cfg.PollInterval > 0 {
		riverwork.SetPoll(cfg, s.cfg.PollInterval)
	}
	return cfg
}

// Work runs queued runs through handle until ctx is done, then drains.
func (s *Store) Work(ctx context.Context, opts store.WorkOptions, handle store.RunHandler) error {
	if handle == nil {
		return errors.New("work: no run handler given")
	}
	opts = opts.WithDefaults()
	client, err := river.NewClient(riverpgxv5.New(s.pool), s.riverConfig(handle, opts))
	if err != nil {
		return fmt.Errorf("set up the workers: %w", err)
	}
	return riverwork.Serve(ctx, client, opts.DrainTimeout)
}
