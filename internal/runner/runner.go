// Package runner is the runtime that runs flows on the server. It implements
// api.Backend on top of a store.Store: flows are validated and versioned,
// runs are queued through a batching writer (many runs per commit) and
// executed by the store's durable workers, webhooks start runs (sync ones
// inline in the request), schedules fire, and old runs are pruned.
//
// # Delivery
//
// Runs are executed at least once: a run whose worker dies is handed to
// another worker, which goes on after the input records the run had
// finished at its last checkpoint (see checkpoint.go), or starts it again
// from its first record when its flow holds records in a step. A run that is
// already final is never touched again. A sync webhook run that passes its
// timeout is abandoned in the request and restarts on a worker, so its steps
// may run twice.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/connpool"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/redact"
	"github.com/bistro-dev/bistro/internal/schedule"
	"github.com/bistro-dev/bistro/internal/secret"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/webhook"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxQueued   = 10_000
	DefaultMaxOutput   = 64 << 10
	DefaultRetention   = 30 * 24 * time.Hour
	DefaultSyncTimeout = 10 * time.Second
	DefaultRunTimeout  = time.Hour
)

// Config configures a Runner.
type Config struct {
	Store  store.Store
	Engine engine.Options // HTTP client, Env, Logger, Clock...; Flows is set by the runner
	// Connectors finds a connector by name: flows are checked against
	// their specs, and connections opened with them. Default
	// internal/connectors.Find.
	Connectors func(name string) (connector.Connector, bool)
	// PolicyCheck checks a flow being saved against IT's data policy: its
	// violations as located errors. Nil: no data policy.
	PolicyCheck func(ctx context.Context, workspace string, doc *flow.Document) (flow.Diagnostics, error)
	// Quota says what a workspace may use: runs started per UTC day, and
	// runs executing at once on this node; 0 is no limit. Nil: no quotas.
	Quota func(ctx context.Context, workspace string) (runsPerDay, concurrent int)
	// OverQuota is told when a workspace reaches a quota, with the reason
	// in plain words (to tell its owners). Nil: nobody is told.
	OverQuota func(ctx context.Context, workspace, message string)
	// Allowed says whether flows of a workspace may use a connector (IT's
	// catalogue): an error says why not. It is asked when a flow is saved
	// or enabled and before every run. Nil allows every connector.
	Allowed    func(ctx context.Context, workspace, connector string) error
	AllowedEnv []string     // environment variables flows may read as env.NAME
	Logger     *slog.Logger // nil: discard
	Clock      clock.Clock  // nil: clock.Real{}
	// MaxQueued is the back-pressure bound: webhooks are refused with
	// api.ErrBusy while this many runs are queued. Default 10,000.
	MaxQueued int
	// MaxOutput is how many bytes of output records a run or step keeps;
	// beyond it the list ends with a truncation marker. Default 64 KB.
	MaxOutput int
	// KeepSuccessData keeps the input and output of successful runs. When
	// false only failed runs keep their data (a successful inline webhook
	// run also drops the request). Default true (nil): a pointer, because
	// the default of this setting is on.
	KeepSuccessData *bool
	// Retention is how long finished runs are kept. Default 30 days.
	Retention time.Duration
	// SyncTimeout is how long a sync webhook waits for its run when the
	// flow does not say. Default 10s.
	SyncTimeout time.Duration
	Workers     int // concurrent runs on this node; default the store's
	// DrainTimeout is how long running steps may finish on shutdown before
	// they are interrupted (they resume after restart). Default the store's.
	DrainTimeout time.Duration
	Registry     *prometheus.Registry // metrics; nil: not registered
	// ReplayGuard refuses replayed signed webhook calls that carry no
	// message id to deduplicate by; nil: one in memory (100,000 calls).
	ReplayGuard webhook.ReplayGuard
	// PlanCache is how many compiled flow versions are kept. Default 256.
	PlanCache int
	// EventRetryPause is how long a message whose run failed waits before
	// its next attempt; each further attempt waits four times longer, at
	// most ten minutes. Default 5s.
	EventRetryPause time.Duration
	// Redact hides secret values in everything a run stores or answers
	// (output, reply, errors). New adds the values of Engine.Env to it: an
	// allowed environment variable is how a flow reaches a token. The same
	// filter should sit in front of the server's logs. Nil: a new one.
	Redact *redact.Filter
	// Keyring seals and opens the secrets of connections. Nil: connections
	// with secrets can be neither saved nor opened.
	Keyring *secret.Keyring
	// ConnEnv is lent to every connection: the guarded Dial and HTTP
	// client and the folders the admin allowed; its Logger defaults to
	// Logger.
	ConnEnv connector.Env
}

// Runner runs flows on the server. It implements api.Backend.
type Runner struct {
	cfg    Config
	store  store.Store
	log    *slog.Logger
	clock  clock.Clock
	keep   bool
	writer *writer
	// finisher batches finished runs when the store can (nil: it cannot).
	finisher *finisher
	plans    *planCache
	metrics  *metrics
	depth    depthGauge
	sched    *schedule.Scheduler
	hooks    hookCache
	events   events

	mu       sync.Mutex
	inflight map[string]context.CancelCauseFunc // run id → cancels its execution on this node
	perFlow  map[string]int                     // flow id → runs in flight on this node
	perWS    map[string]int                     // workspace → runs in flight on this node
	daily    dailyCount

	poolMu   sync.Mutex
	pools    map[string]*connpool.Pool // workspace → its connections, when the runner keeps them
	ownPools bool
	waiters  map[string][]chan struct{} // run id → closed when this node finishes it
}

var _ api.Backend = (*Runner)(nil)

// New checks the configuration and builds a Runner. Nothing runs until
// Start, except that API calls work at once.
func New(cfg Config) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("the runner needs a store")
	}
	cfg = withDefaults(cfg)
	for _, v := range cfg.Engine.Env {
		cfg.Redact.Add(v)
	}
	r := &Runner{
		cfg: cfg, store: cfg.Store, log: cfg.Logger, clock: cfg.Clock,
		keep:     *cfg.KeepSuccessData,
		inflight: map[string]context.CancelCauseFunc{},
		perFlow:  map[string]int{},
		perWS:    map[string]int{},
		waiters:  map[string][]chan struct{}{},
	}
	r.writer = newWriter(cfg.Store, r.log)
	if fin, ok := cfg.Store.(store.RunFinisher); ok {
		r.finisher = newFinisher(fin, r.log)
	}
	r.plans = newPlanCache(cfg.PlanCache)
	r.sched = schedule.NewScheduler(r.clock, r.fireSchedule, r.log)
	r.cfg.Engine.Flows = &flowLoader{r: r}
	r.wireConnections()
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	r.metrics = m
	return r, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Connectors == nil {
		cfg.Connectors = connectors.Find
	}
	if cfg.EventRetryPause <= 0 {
		cfg.EventRetryPause = 5 * time.Second
	}
	if cfg.Redact == nil {
		cfg.Redact = redact.New()
	}
	if cfg.Engine.Clock == nil {
		cfg.Engine.Clock = cfg.Clock
	}
	if cfg.Engine.Logger == nil {
		cfg.Engine.Logger = cfg.Logger
	}
	if cfg.MaxQueued == 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = DefaultMaxOutput
	}
	if cfg.KeepSuccessData == nil {
		keep := true
		cfg.KeepSuccessData = &keep
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = DefaultSyncTimeout
	}
	if cfg.ReplayGuard == nil {
		cfg.ReplayGuard = webhook.NewMemoryGuard(100_000, cfg.Clock)
	}
	if cfg.PlanCache <= 0 {
		cfg.PlanCache = 256
	}
	return cfg
}

// Start runs the durable workers, the scheduler and the retention loop
// until ctx is done; in-flight runs then get the store's drain timeout to
// finish.
func (r *Runner) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer r.closeConnections()
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	start := func(name string, f func(context.Context) error) {
		wg.Go(func() {
			if err := f(ctx); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		})
	}
	start("workers", func(ctx context.Context) error {
		return r.store.Work(ctx, store.WorkOptions{Workers: r.cfg.Workers, DrainTimeout: r.cfg.DrainTimeout}, r.handle)
	})
	start("schedules", r.runSchedules)
	start("events", r.runEvents)
	start("retention", r.retain)
	start("metrics", r.sampleDepth)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// Ready reports whether the store answers.
func (r *Runner) Ready(ctx context.Context) error {
	if p, ok := r.store.(store.Pinger); ok {
		return p.Ping(ctx)
	}
	_, err := r.store.CountRuns(ctx, store.StatusQueued)
	return err
}
