package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/bistro-dev/bistro/internal/store"
)

// RunArgs are the arguments of the River job that drives one run.
type RunArgs struct {
	RunID string `json:"run_id"`
}

// Kind is the River job kind of run jobs.
func (RunArgs) Kind() string { return "run" }

// defaultPollInterval is how often an idle worker looks for jobs: SQLite
// has no LISTEN/NOTIFY, so jobs inserted by another client are found by
// polling. The query is a cheap indexed read of a local file; at 200ms the
// queue, not the work, limited async runs to a few dozen a second.
const defaultPollInterval = 20 * time.Millisecond

// hardStopTimeout bounds the wait for cancelled runs to return.
const hardStopTimeout = 10 * time.Second

// riverConfig is the River configuration; handle nil gives an insert-only
// client (runs can be queued by a process that does not work them).
func (s *Store) riverConfig(handle store.RunHandler, opts store.WorkOptions) *river.Config {
	cfg := &river.Config{
		Logger: s.logger,
		// Runs carry their own timeouts (the engine applies them); River
		// must not kill a long run mid-way.
		JobTimeout:  -1,
		RetryPolicy: s.cfg.RetryPolicy,
	}
	if handle == nil {
		return cfg
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[RunArgs]) error {
		return jobError(handle(ctx, job.Args.RunID))
	}))
	cfg.Workers = workers
	cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}}
	cfg.RescueStuckJobsAfter = opts.RescueAfter
	cfg.FetchPollInterval = s.pollInterval()
	// River refuses a cooldown longer than the poll interval.
	cfg.FetchCooldown = min(river.FetchCooldownDefault, cfg.FetchPollInterval)
	return cfg
}

// pollInterval is Config.PollInterval or its default.
func (s *Store) pollInterval() time.Duration {
	if s.cfg.PollInterval > 0 {
		return max(s.cfg.PollInterval, river.FetchPollIntervalMin)
	}
	return defaultPollInterval
}

// jobError translates a handler's error for River: a snoozed run goes
// back to the queue without counting an attempt and without holding a
// worker while it waits.
func jobError(err error) error {
	var snooze *store.SnoozeError
	if errors.As(err, &snooze) {
		return river.JobSnooze(max(snooze.After, 0))
	}
	return err
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
	return serve(ctx, client, opts.DrainTimeout)
}

// serve starts client and stops it gracefully once ctx is done: in-flight
// runs get drain to finish, then their contexts are cancelled.
func serve(ctx context.Context, client *river.Client[*sql.Tx], drain time.Duration) error {
	// River stops hard when its start context ends; the graceful stop
	// below is ours to decide, so River gets a context that is never
	// cancelled.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start the workers: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-client.Stopped():
		return errors.New("the workers stopped unexpectedly")
	}
	soft, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := client.Stop(soft)
	if err == nil {
		return nil
	}
	// Cancelled runs still record their outcome; give them time to.
	hard, cancelHard := context.WithTimeout(context.Background(), hardStopTimeout)
	defer cancelHard()
	if err := client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stop the workers: %w", err)
	}
	return nil
}
