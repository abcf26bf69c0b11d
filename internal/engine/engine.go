// Package engine runs flows.
//
// Compile turns a flow document into a Plan once: every expression,
// template and setting is compiled up front, with the same scopes the
// validator uses. Plan.Run then streams records through the steps.
//
// # Streaming
//
// The engine is push based and runs on one goroutine per run, with one
// exception: an input longer than a batch is read on its own goroutine, and
// the flow's leading pure steps (set, filter, split) then run on one worker
// per CPU, batch by batch, with the order kept (see parallel.go). Input records
// are read in batches of Options.BatchSize; each step is an operator that
// takes a batch, handles its records one at a time and pushes what it
// produces, in order, to the next step. So a run holds about one batch per
// step, however long the input. Only steps that must hold state hold more:
// group (one accumulator per group), dedupe (the keys seen) and join (the
// other branch's records) hold at most MaxHeld entries each and fail the
// step with a plain message beyond that. sort holds SortChunk records in
// memory and spills sorted chunks to temporary files beyond that, merging
// them at the end; the files are removed when the run ends.
// Output order is the input order for every step except sort and group.
// Branches (if, switch) send each record down one branch and rejoin in the
// input order.
//
// # Records
//
// A record is a JSON-like object (map[string]any). Steps never change a
// record they do not own: the input records, list items and records kept
// for steps.X are copied before a step writes into them, so the caller's
// records and the trigger stay as they were. The input iterator may be
// read on another goroutine than the one that called Run (never on two at
// once), and Run returns only after it has stopped reading. Object and list
// values computed by set are deep-copied (expr.Copy: times become RFC 3339
// text), so no record can contain itself.
// A dotted set key ("customer.name") writes a nested field, creating the
// objects on the way; rename, remove and keep work on top-level fields.
// Within one set step the order is rename, then set, then remove, then
// keep; set values see the record after the renames and before any set
// field is written, so the order of the set fields does not matter.
//
// # Variables
//
// Expressions read record, trigger, vars (computed once per run), env
// (only the variables an admin allowed, Options.Env), run (id, flow,
// started_at as RFC 3339 text), steps (steps.X is the record as it left step
// X in this record's lineage; kept only when some expression reads steps),
// loop (index from 0, parent) inside for_each and error (message, step) in
// on_error branches.
//
// # Decisions where the document leaves room
//
//   - when: a record for which the condition is false passes through the
//     step unchanged (held steps such as sort pass it on at once).
//   - stop ends the run successfully. Records that already left the last
//     step stay output; records still held by sort or group are not output.
//     Within a batch, records before the stopping one finish their way.
//   - A run that fails keeps what it already output; the records of the
//     failing batch that had not reached the end are not output. An input
//     that fails to read fails the run after the records before it.
//   - limit on the main line stops reading input once it has let N records
//     through; at most a few batches already read are still finished.
//   - join runs its other branch once, on the first record that reaches it,
//     starting from one empty record. Every match gives one record (like
//     SQL); a left join keeps unmatched records as they are (with into, the
//     field is left unset). Nothing never matches.
//   - group output: the by fields and the aggregates, one record per group
//     in the order of the groups' first records. count() counts records;
//     sum, avg, min and max skip nothing; sum of no values is 0, avg, min
//     and max of none are nothing.
//   - sort: numbers, then text, then true/false, then other values; nothing
//     is always last, in both orders. The sort is stable.
//   - call passes a list input as one record per item; trigger.input is the
//     input value. Calls nest at most 10 deep.
//   - fail ends the run whatever the step's on_error says: it is meant.
//   - respond: the first one reached wins; the record passes on.
//   - retry waits backoff, doubling per try up to max_backoff, with equal
//     jitter (half fixed, half random); a longer RetryAfter from a
//     transient error (internal/fault) wins. Waits use Options.Clock.
//   - on_error: retries happen first (not for http steps, which retry per
//     request themselves). skip drops the record, continue passes the input
//     record on; both are logged. An error branch gets the record that
//     failed; its outputs do not rejoin the main line. An error inside a
//     branch (if, for_each...) is handled by the innermost failing step.
//   - A panic inside a step is caught and fails that record like any error.
package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"

	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/httpstep"
)

// Record is one record flowing through a flow.
type Record = map[string]any

// Options configure a Plan.
type Options struct {
	Env         map[string]string // environment variables an admin allowed, with values (expressions read env.NAME)
	HTTP        *httpstep.Client  // nil: http steps fail with a clear error
	Flows       FlowLoader        // resolves call targets; nil: call steps fail clearly
	Connections Connections       // opens connections for action steps; nil: action steps fail clearly
	Logger      *slog.Logger      // log steps, skipped/continued errors; nil: discard
	Clock       clock.Clock       // nil: clock.Real{}
	BatchSize   int               // records per batch; default 256
}

// Observer is shown every record entering (in) and leaving (!in) each step
// of a run, nested steps included, on the run's goroutine and in order (a
// run with an observer runs serially). The engine never changes a record
// it showed, so the observer may keep it; the observer must not change it
// either. Steps of called flows are not shown: they are another flow's.
type Observer func(step string, in bool, rec Record)

// DefaultBatchSize is the number of records per batch when Options.BatchSize is 0.
const DefaultBatchSize = 256

// FlowLoader finds the flows that call steps run.
type FlowLoader interface {
	// Load returns the flow called name from the flow from (a path relative
	// to it, or a name).
	Load(ctx context.Context, from *flow.Document, name string) (*flow.Document, error)
}

// Input is what a run starts from.
type Input struct {
	// Trigger is the trigger variable (e.g. {"input": ...} for manual runs,
	// {"body", "headers", "query", "method"} for webhooks).
	Trigger map[string]any
	// Records are the input records, streamed; nil means one empty record.
	Records iter.Seq2[Record, error]
	// RunID is the run's id (run.id in expressions); empty: a new uuid.
	RunID string
	// Observe, when set, is shown the records in and out of every step.
	// It belongs to the run rather than the plan, which runs may share.
	Observe Observer
	// Skip leaves out the first Skip input records: a resumed run
	// (Plan.Resumable) had finished them before. Records keep their
	// numbers.
	Skip int
	// From, when set, first runs From.Record from From.Step on, then the
	// input records (usually with Skip set to From.Index): a failed run run
	// again from its failed step. Only a Resumable plan can start so.
	From *From
	// Progress, when set, is called after every batch of input records
	// with the number of the last input record that has gone through
	// every step: where a resumed run would start after. It runs on the
	// run's goroutine, between batches.
	Progress func(done int)
}

// Status is how a run ended.
type Status string

// The statuses of a finished run.
const (
	StatusSucceeded Status = "succeeded"
	StatusStopped   Status = "stopped"
	StatusFailed    Status = "failed"
)

// Result describes a finished run.
type Result struct {
	RunID      string      `json:"run_id"`
	Status     Status      `json:"status"`
	StopReason string      `json:"stop_reason,omitempty"`
	Response   *Response   `json:"response,omitempty"` // from the first respond step reached
	Error      *StepError  `json:"error,omitempty"`    // when failed
	Steps      []StepStats `json:"steps"`              // per step, in flow order, nested steps included
	Logs       []LogLine   `json:"logs,omitempty"`     // the first MaxLogLines lines; all go to Options.Logger
	LogsLost   int         `json:"logs_lost,omitempty"`
}

// MaxLogLines caps Result.Logs; further lines only go to the logger.
const MaxLogLines = 1000

// LogLine is one line of the run log: a log step's text, or a record that
// a step skipped or continued after an error.
type LogLine struct {
	Level   string `json:"level"` // "info" or "warn"
	Step    string `json:"step"`
	Index   int    `json:"index"` // the input record it came from, 1-based
	Message string `json:"message"`
}

// Response is the reply for the webhook that started the run.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// StepStats counts what one step did.
type StepStats struct {
	Step    string `json:"step"`
	In      int    `json:"in"`      // records that reached the step
	Out     int    `json:"out"`     // records it passed on
	Failed  int    `json:"failed"`  // records it failed on, whatever the policy
	Skipped int    `json:"skipped"` // records its when condition let through untouched
}

// StepError is a step failing a run.
type StepError struct {
	Step     string // the step id
	Index    int    // 1-based number of the input record it came from
	Record   Record // the record as it reached the step
	Attempts int    // how many times the step was tried
	Err      error
}

// Error says which step failed on which record, and why.
func (e *StepError) Error() string {
	if e.Index <= 0 {
		return fmt.Sprintf("step '%s' failed: %v", e.Step, e.Err)
	}
	return fmt.Sprintf("step '%s' failed on record %d: %v", e.Step, e.Index, e.Err)
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// MarshalJSON writes the error for run records and golden files.
func (e *StepError) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"step": e.Step, "index": e.Index, "record": e.Record,
		"attempts": e.Attempts, "message": e.Err.Error(),
	})
}
