// Package riverwork is what both store backends do the same with River:
// the job that drives a run, the worker that hands it to the runtime, and
// a graceful stop. Each backend keeps only its driver and its polling.
package riverwork

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/bistro-dev/bistro/internal/store"
)

// RunArgs are the arguments of the River job that drives one run.
type RunArgs struct {
	RunID string `json:"run_id"`
}

// Kind is the River job kind of run jobs.
func (RunArgs) Kind() string { return "run" }

// hardStopTimeout bounds the wait for cancelled runs to return.
const hardStopTimeout = 10 * time.Second

// Config is the River configuration shared by the backends; handle nil
// gives an insert-only client (runs can be queued by a process that does
// not work them).
func Config(logger *slog.Logger, retry river.ClientRetryPolicy, handle store.RunHandler, opts store.WorkOptions) *river.Config {
	cfg := &river.Config{
		Logger: logger,
		// Runs carry their own timeouts (the engine applies them); River
		// must not kill a long run mid-way.
		JobTimeout:  -1,
		RetryPolicy: retry,
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
	return cfg
}

// SetPoll sets how often idle workers look for jobs.
func SetPoll(cfg *river.Config, interval time.Duration) {
	cfg.FetchPollInterval = max(interval, river.FetchPollIntervalMin)
	// River refuses a cooldown longer than the poll interval.
	cfg.FetchCooldown = min(river.FetchCooldownDefault, cfg.FetchPollInterval)
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

// Serve starts client and stops it gracefully once ctx is done: in-flight
// runs get drain to finish, then their contexts are cancelled.
func Serve[TTx any](ctx context.Context, client *river.Client[TTx], drain time.Duration) error {
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
	if err := client.Stop(soft); err == nil {
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
