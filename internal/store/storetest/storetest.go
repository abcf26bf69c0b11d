// Package storetest is the conformance suite every store backend passes:
// one set of tests, run against SQLite and PostgreSQL, so that the two
// behave the same. Every test runs in parallel on a store of its own.
package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river/rivertype"

	"github.com/bistro-dev/bistro/internal/store"
)

// JobCounter is what the suite needs beyond store.Store: how many River
// jobs drive a run, and where the newest of them is. Every backend
// implements it.
type JobCounter interface {
	JobCount(ctx context.Context, runID string) (int, error)
	// JobState is the River state ("completed", ...) and attempt count of
	// the run's newest job.
	JobState(ctx context.Context, runID string) (state string, attempt int, err error)
}

// RetryNow is a River retry policy that retries a failed job at once, so
// that tests of retries do not wait for River's backoff.
type RetryNow struct{}

// NextRetry implements river.ClientRetryPolicy.
func (RetryNow) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

// Run runs the conformance suite. open returns a new, empty store that
// retries failed jobs at once (RetryNow); it closes it in t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := map[string]func(t *testing.T, s store.Store){
		"FlowCreate":         testFlowCreate,
		"FlowNewVersion":     testFlowNewVersion,
		"FlowList":           testFlowList,
		"FlowEnableDelete":   testFlowEnableDelete,
		"FlowNotFound":       testFlowNotFound,
		"RunCreateGet":       testRunCreateGet,
		"RunJobs":            testRunJobs,
		"RunDedupe":          testRunDedupe,
		"RunAtomic":          testRunAtomic,
		"RunUpdate":          testRunUpdate,
		"RunFinished":        testRunFinished,
		"RunNotFound":        testRunNotFound,
		"RunKeepsFlowName":   testRunKeepsFlowName,
		"RunList":            testRunList,
		"RunListPaging":      testRunListPaging,
		"RunCount":           testRunCount,
		"RunListTrigger":     testRunListTrigger,
		"RunDropInput":       testRunDropInput,
		"FlowByWebhookID":    testFlowByWebhookID,
		"StepsBatch":         testStepsBatch,
		"StepsBatchAtomic":   testStepsBatchAtomic,
		"Ping":               testPing,
		"WorkSnoozes":        testWorkSnoozes,
		"Steps":              testSteps,
		"Prune":              testPrune,
		"PruneLimit":         testPruneLimit,
		"Tokens":             testTokens,
		"WorkHandlesQueued":  testWorkHandlesQueued,
		"WorkRetries":        testWorkRetries,
		"WorkStopsOnCancel":  testWorkStopsOnCancel,
		"WorkWithoutHandler": testWorkWithoutHandler,
		"EventCursor":        testEventCursor,
		"DeadLetters":        testDeadLetters,
		"Checkpoint":         testCheckpoint,
		"FinishRuns":         testFinishRuns,
	}
	addConnectionTests(tests)
	addAuditTests(tests)
	addIdentityTests(tests)
	addGuardTests(tests)
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

// newID returns a uuid v7, as callers create run ids.
func newID(t *testing.T) string {
	t.Helper()
	return uuid.Must(uuid.NewV7()).String()
}

// ms is a time at millisecond precision, the precision stores promise.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// putFlow saves a flow and fails the test on error.
func putFlow(t *testing.T, s store.Store, name, doc string) store.Flow {
	t.Helper()
	f, _, err := s.PutFlow(t.Context(), store.PutFlow{Workspace: store.DefaultWorkspace, Name: name,
		Document: []byte(doc), Format: "yaml", Trigger: "manual", By: "tester"})
	if err != nil {
		t.Fatalf("PutFlow(%q): %v", name, err)
	}
	return f
}

// queued is a queued run of flow f.
func queued(t *testing.T, f store.Flow) store.NewRun {
	return store.NewRun{ID: newID(t), Workspace: f.Workspace, FlowID: f.ID, FlowVersion: f.Version,
		Trigger: "manual", TriggerData: json.RawMessage(`{"by":"tester"}`),
		Input: json.RawMessage(`[{"a":1}]`), Status: store.StatusQueued, CreatedAt: ms(time.Now())}
}

// finished is a run of flow f created already final, ending at ended.
func finished(t *testing.T, f store.Flow, status store.Status, ended time.Time) store.NewRun {
	r := queued(t, f)
	r.Status, r.StartedAt, r.EndedAt = status, ms(ended), ms(ended)
	r.Output = json.RawMessage(`[{"ok":true}]`)
	return r
}

// create creates runs and fails the test on error.
func create(t *testing.T, s store.Store, runs ...store.NewRun) []store.Created {
	t.Helper()
	out, err := s.CreateRuns(t.Context(), runs)
	if err != nil {
		t.Fatalf("CreateRuns: %v", err)
	}
	if len(out) != len(runs) {
		t.Fatalf("CreateRuns returned %d results for %d runs", len(out), len(runs))
	}
	return out
}

// optional returns s as the optional interface I, failing the test when
// the backend lacks it: every backend is expected to have them all.
func optional[I any](t *testing.T, s store.Store) I {
	t.Helper()
	i, ok := s.(I)
	if !ok {
		var zero *I
		t.Fatalf("%T does not implement %T", s, zero)
	}
	return i
}

// jobCount is the number of jobs of a run.
func jobCount(t *testing.T, s store.Store, runID string) int {
	t.Helper()
	n, err := optional[JobCounter](t, s).JobCount(t.Context(), runID)
	if err != nil {
		t.Fatalf("JobCount: %v", err)
	}
	return n
}
