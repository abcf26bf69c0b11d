// Package store is where Bistro keeps its state: flows and their versions,
// runs and their steps, API tokens. SQL is the truth: the backends are
// SQLite (internal/store/sqlite, the default, embedded) and PostgreSQL
// (internal/store/postgres), both checked by one conformance suite
// (internal/store/storetest). Durable work is River, inside each backend, so
// that a run's row and the job that drives it are written in one
// transaction.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// DefaultWorkspace is the workspace objects belong to until workspaces can
// be created (people and access come later).
const DefaultWorkspace = "default"

// Errors every backend returns, so callers can test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict") // e.g. a run whose dedupe key exists already
	ErrFinished = errors.New("the run has already finished")
)

// Store is the one interface to the state. Every call is behind it, so the
// backends are interchangeable and a fault-injecting wrapper can sit in front.
type Store interface {
	FlowStore
	RunStore
	TokenStore
	IdentityStore
	ConnectionStore
	EventStore
	AuditStore
	GuardStore
	// Work starts the durable workers: handle is called for every queued
	// run, at least once; it returns when ctx is done and in-flight handles
	// have returned (or the drain timeout passed).
	Work(ctx context.Context, opts WorkOptions, handle RunHandler) error
	// Close releases the database.
	Close() error
}

// RunHandler executes one run. An error makes River retry the job later
// (with backoff); the handler must be idempotent: a run that has already
// finished is left as it is.
type RunHandler func(ctx context.Context, runID string) error

// SnoozeError, returned by a RunHandler, puts the run's job back in the
// queue for After without counting an attempt (River's JobSnooze): the run
// is not failing, it waits for room, e.g. because its flow already has as
// many runs in flight as its concurrency allows. Backends translate it.
type SnoozeError struct{ After time.Duration }

func (e *SnoozeError) Error() string {
	return fmt.Sprintf("the run waits %s for room to run", e.After)
}

// WebhookFinder finds a flow by the stable id in its webhook URL. Backends
// implement it next to FlowStore; callers that only have a Store check for
// it, so adding it breaks no backend.
type WebhookFinder interface {
	FlowByWebhookID(ctx context.Context, webhookID string) (Flow, error)
}

// StepBatcher records many step checkpoints in one transaction. The
// runner's batching writer uses it, when a backend has it, for the steps
// of runs executed inline; without it only failed inline runs keep steps.
type StepBatcher interface {
	SaveSteps(ctx context.Context, steps []Step) error
}

// Pinger reports whether the database answers, for readiness checks.
type Pinger interface {
	Ping(ctx context.Context) error
}

// WorkOptions tune the durable workers.
type WorkOptions struct {
	// Workers is how many runs go on at once. Default 16 per CPU: a run
	// mostly waits on the systems it calls, not on the CPU.
	Workers      int
	DrainTimeout time.Duration // graceful shutdown: how long in-flight runs may finish; default 10s
	// RescueAfter is when a job whose worker vanished (crash, kill -9) is
	// handed to another worker; default 1m.
	RescueAfter time.Duration
}

// WithDefaults fills in the defaults documented on the fields.
func (o WorkOptions) WithDefaults() WorkOptions {
	if o.Workers <= 0 {
		o.Workers = 16 * runtime.GOMAXPROCS(0)
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 10 * time.Second
	}
	if o.RescueAfter <= 0 {
		o.RescueAfter = time.Minute
	}
	return o
}

// FlowStore keeps flows. A flow has a stable id and name within its
// workspace and a list of immutable versions.
type FlowStore interface {
	// PutFlow saves a flow document. When the document differs from the
	// latest version a new version is created (changed true); otherwise the
	// existing flow is returned unchanged.
	PutFlow(ctx context.Context, in PutFlow) (f Flow, changed bool, err error)
	GetFlow(ctx context.Context, workspace, name string) (Flow, error)
	GetFlowByID(ctx context.Context, id string) (Flow, error)
	ListFlows(ctx context.Context, workspace string) ([]Flow, error)
	// FlowVersion returns one version's document.
	FlowVersion(ctx context.Context, flowID string, version int) (Version, error)
	ListVersions(ctx context.Context, flowID string) ([]Version, error)
	SetFlowEnabled(ctx context.Context, id string, enabled bool) error
	DeleteFlow(ctx context.Context, id string) error
}

// PutFlow is a flow document to save.
type PutFlow struct {
	Workspace string
	Name      string // the flow's name, unique in the workspace
	Document  []byte // the document as written (YAML or JSON)
	Format    string // "yaml" or "json"
	Trigger   string // "manual", "webhook" or "schedule"
	By        string // who applied it (token or user id)
	// Owner is the user who owns a new flow; an existing flow keeps its
	// owner (only DeactivateUser hands flows over).
	Owner string
}

// Flow is a flow with its latest version.
type Flow struct {
	ID        string
	Workspace string
	Name      string
	Enabled   bool
	Version   int    // latest version number, from 1
	Trigger   string // of the latest version
	Document  []byte // of the latest version
	Format    string
	WebhookID string // the stable random part of the webhook URL
	Owner     string // the user id of its owner; "" for flows applied by a token without a user
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Version is one immutable version of a flow.
type Version struct {
	FlowID    string
	Version   int
	Document  []byte
	Format    string
	Hash      string // sha256 of Document, hex
	By        string
	CreatedAt time.Time
}

// Status is the state of a run.
type Status string

// Run states. Succeeded, failed and cancelled are final.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusWaiting   Status = "waiting"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// Final reports whether a run in this state is over.
func (s Status) Final() bool {
	return s == StatusSucceeded || s == StatusFailed || s == StatusCancelled
}

// RunStore keeps runs and their steps.
type RunStore interface {
	// CreateRuns writes runs in one transaction. Runs with status queued
	// get their River job in the same transaction; runs created finished
	// (a sync webhook run executed inline) get none. A run whose DedupeKey
	// exists already for its flow is not created and comes back with
	// Duplicate set (its existing id in ID): that is how a schedule tick
	// fires once across nodes and a replayed webhook-id runs once.
	CreateRuns(ctx context.Context, runs []NewRun) ([]Created, error)
	GetRun(ctx context.Context, id string) (Run, error)
	ListRuns(ctx context.Context, f RunFilter) ([]Run, error)
	// UpdateRun moves a run to a new state. It returns ErrFinished, and
	// changes nothing, when the run is already final — so recovery can never
	// overwrite a finished run's outcome.
	UpdateRun(ctx context.Context, u RunUpdate) error
	// SaveStep records (or replaces) a step's checkpoint for a run.
	SaveStep(ctx context.Context, s Step) error
	ListSteps(ctx context.Context, runID string) ([]Step, error)
	// CountRuns counts runs by status, for back-pressure and metrics.
	CountRuns(ctx context.Context, status Status) (int, error)
	// PruneRuns deletes finished runs (with their steps) that ended before
	// p.Before, keeping failed ones when p.KeepFailed, at most p.Limit per
	// call, and lets the database give the space back (SQLite: incremental
	// vacuum and a WAL checkpoint), so the files never grow without bound.
	PruneRuns(ctx context.Context, p Retention) (deleted int, err error)
}

// NewRun is a run to create.
type NewRun struct {
	ID          string // uuid; set by the caller
	Workspace   string
	FlowID      string
	FlowVersion int
	Trigger     string          // manual, webhook, schedule, call, rerun
	TriggerData json.RawMessage // the trigger variable (server-owned fields set by the server only)
	Input       json.RawMessage // the input records as a JSON list
	Status      Status          // queued, or final for inline runs
	DedupeKey   string          // optional; unique per flow
	// For runs created already final (inline sync webhook runs):
	Output    json.RawMessage
	Response  json.RawMessage
	Error     json.RawMessage
	ParentID  string // for sub-flow runs and re-runs
	FromStep  string // re-run: start at this step
	CreatedAt time.Time
	StartedAt time.Time
	EndedAt   time.Time
}

// Created is the outcome of one NewRun.
type Created struct {
	ID        string
	Duplicate bool
}

// Run is a stored run.
type Run struct {
	ID          string
	Workspace   string
	FlowID      string
	FlowName    string
	FlowVersion int
	Trigger     string
	TriggerData json.RawMessage
	Input       json.RawMessage
	Status      Status
	DedupeKey   string
	Output      json.RawMessage // the output records, truncated beyond the configured size
	Response    json.RawMessage
	Error       json.RawMessage // {step, index, message, record}
	Attempt     int
	ParentID    string
	FromStep    string
	CreatedAt   time.Time
	StartedAt   time.Time // zero until started
	EndedAt     time.Time // zero until final
}

// RunFilter selects runs; zero fields do not filter.
type RunFilter struct {
	Workspace string
	FlowID    string
	Status    Status
	Trigger   string // manual, webhook, schedule, call, rerun
	Since     time.Time
	Until     time.Time
	Limit     int    // default 50, at most 1000
	Before    string // paging: runs created before this run id
}

// RunUpdate changes a run's state.
type RunUpdate struct {
	ID       string
	Status   Status
	Output   json.RawMessage
	Response json.RawMessage
	Error    json.RawMessage
	Attempt  int
	At       time.Time // when the change happened (StartedAt for running, EndedAt for final)
	// DropInput clears the run's input, for successful runs when only
	// failures keep their data.
	DropInput bool
}

// Step is a step's checkpoint in a run.
type Step struct {
	RunID    string
	StepID   string
	Position int    // order in the flow
	Status   Status // running, succeeded, failed
	In, Out  int
	Input    json.RawMessage // the records that reached it, truncated beyond the configured size
	Output   json.RawMessage // the records it output, truncated beyond the configured size
	Error    string
	Attempts int
	Started  time.Time
	Ended    time.Time
}

// Retention says which finished runs to delete.
type Retention struct {
	Before     time.Time // runs that ended before this
	KeepFailed bool      // keep failed runs regardless
	Limit      int       // at most this many per call (batching keeps transactions short)
}

// TokenStore keeps API tokens (hashed).
type TokenStore interface {
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash finds a live token by the sha256 of its secret: not
	// expired, not revoked, and whose user (when it has one) is active.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	CountTokens(ctx context.Context) (int, error)
}

// Token is an API token. Only its hash is stored.
type Token struct {
	ID   string
	Name string
	Hash []byte
	// Role is the most the token may do: "admin" (platform admin), or a
	// workspace role in Workspace. A person's token never does more than
	// its user may at the time it is used.
	Role      string
	Workspace string
	UserID    string // the person it belongs to; "" for a token of the installation
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: not revoked
}

// EventStore keeps what event triggers need: the cursor of every polled
// flow, and the dead-letter list of messages whose runs kept failing.
type EventStore interface {
	// EventCursor returns the flow's poll cursor; "" when it has none.
	EventCursor(ctx context.Context, flowID string) (string, error)
	// SetEventCursor saves the flow's poll cursor.
	SetEventCursor(ctx context.Context, flowID, cursor string) error
	// AddDeadLetter stores a dead letter; one with the same ID already
	// there is left as it is.
	AddDeadLetter(ctx context.Context, d DeadLetter) error
	// ListDeadLetters lists dead letters, newest first.
	ListDeadLetters(ctx context.Context, f DeadLetterFilter) ([]DeadLetter, error)
	GetDeadLetter(ctx context.Context, id string) (DeadLetter, error)
	DeleteDeadLetter(ctx context.Context, id string) error
}

// DeadLetter is a message whose runs failed as many times as its flow
// allows: kept with its last error until someone replays or deletes it.
type DeadLetter struct {
	ID        string // the id of the last failed run's dead letter, stable across retried handling
	Workspace string
	FlowID    string
	FlowName  string // filled in by the store from the flow, when it still exists
	RunID     string // the last failed run
	Source    string // e.g. "redis.stream"
	MessageID string // the message's id at its source
	Record    json.RawMessage
	Error     string
	Attempts  int
	CreatedAt time.Time
}

// DeadLetterFilter selects dead letters; zero fields do not filter.
type DeadLetterFilter struct {
	Workspace string
	FlowID    string
	Limit     int // default 50, at most 1000
}

// DeadLetterLimit is the number of dead letters a list returns for limit.
func DeadLetterLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 1000:
		return 1000
	}
	return limit
}
