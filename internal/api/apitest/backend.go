// Package apitest has test doubles of what the API depends on: a Backend
// that keeps flows and runs in memory and a token store, so the API, its
// client and the command line can be tested without the runtime.
package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/webhook"
)

// Backend is a Backend test double: flows and runs in maps, and errors
// to return on demand (err, keyed by method name).
// Backend is an api.Backend in memory. Err makes a method (by name) fail.
// Last* record what the API passed on, for assertions.
type Backend struct {
	mu         sync.Mutex
	Flows      map[string]store.Flow // by name
	Runs       map[string]store.Run
	Steps      map[string][]store.Step
	Err        map[string]error
	Reply      api.WebhookReply
	LastHook   *webhook.Request
	LastWait   time.Duration
	LastInput  json.RawMessage
	LastFilter store.RunFilter
	nextID     int
	dead       map[string]store.DeadLetter
	conns      map[string]*conn
	audit      auditLog
	versions   map[string][]api.StoredVersion // older versions by flow id (versions.go)
}

// T0 is the time the double stamps on what it creates.
var T0 = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// NewBackend returns an empty Backend.
func NewBackend() *Backend {
	return &Backend{Flows: map[string]store.Flow{}, Runs: map[string]store.Run{}, Steps: map[string][]store.Step{}, Err: map[string]error{}}
}

func (b *Backend) fail(method string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Err[method]
}

// ApplyFlow saves a document named by its "name: " line; none is an
// *api.ApplyError located at 1:1.
func (b *Backend) ApplyFlow(_ context.Context, ws, file string, doc []byte, by string) (store.Flow, bool, error) {
	if err := b.fail("ApplyFlow"); err != nil {
		return store.Flow{}, false, err
	}
	// The name is the value of a "name: " line: enough for tests.
	name := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if v, ok := strings.CutPrefix(line, "name: "); ok {
			name = strings.TrimSpace(v)
		}
	}
	if name == "" {
		return store.Flow{}, false, &api.ApplyError{Diagnostics: flow.Diagnostics{{
			File: file, Line: 1, Column: 1, Path: "name", Message: "the flow has no name", Hint: "add 'name: ...'",
		}}}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.Flows[name]
	if ok && string(f.Document) == string(doc) {
		return f, false, nil
	}
	if !ok {
		f = store.Flow{ID: "flow-" + name, Workspace: ws, Name: name, Enabled: true, WebhookID: "wh" + name, CreatedAt: T0}
	}
	f.Version++
	f.Document, f.Format, f.Trigger, f.UpdatedAt = doc, "yaml", "manual", T0
	if strings.Contains(string(doc), "webhook") {
		f.Trigger = "webhook"
	}
	b.Flows[name] = f
	return f, true, nil
}

// ListFlows lists the flows by name.
func (b *Backend) ListFlows(_ context.Context, ws string) ([]store.Flow, error) {
	if err := b.fail("ListFlows"); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []store.Flow
	for _, f := range b.Flows {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, c store.Flow) int { return strings.Compare(a.Name, c.Name) })
	return out, nil
}

// GetFlow finds a flow by name.
func (b *Backend) GetFlow(_ context.Context, ws, name string) (store.Flow, error) {
	if err := b.fail("GetFlow"); err != nil {
		return store.Flow{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.Flows[name]
	if !ok {
		return store.Flow{}, store.ErrNotFound
	}
	return f, nil
}

// SetFlowEnabled enables or disables a flow.
func (b *Backend) SetFlowEnabled(_ context.Context, ws, name string, enabled bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.Flows[name]
	if !ok {
		return store.ErrNotFound
	}
	f.Enabled = enabled
	b.Flows[name] = f
	return nil
}

// DeleteFlow deletes a flow.
func (b *Backend) DeleteFlow(_ context.Context, ws, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.Flows[name]; !ok {
		return store.ErrNotFound
	}
	delete(b.Flows, name)
	return nil
}

// StartRun queues a run; with wait it returns the run succeeded with
// output [{"ok":true}].
func (b *Backend) StartRun(_ context.Context, ws, name string, input json.RawMessage, wait time.Duration) (store.Run, error) {
	if err := b.fail("StartRun"); err != nil {
		return store.Run{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.Flows[name]
	if !ok {
		return store.Run{}, store.ErrNotFound
	}
	b.LastWait, b.LastInput = wait, input
	b.nextID++
	r := store.Run{
		ID: fmt.Sprintf("run-%d", b.nextID), Workspace: ws, FlowID: f.ID, FlowName: f.Name, FlowVersion: f.Version,
		Trigger: "manual", Input: input, Status: store.StatusQueued, CreatedAt: T0,
	}
	if wait > 0 {
		r.Status, r.Output, r.StartedAt, r.EndedAt = store.StatusSucceeded, json.RawMessage(`[{"ok":true}]`), T0, T0.Add(time.Second)
	}
	b.Runs[r.ID] = r
	return r, nil
}

// ListRuns filters by flow and status, newest id first, up to Limit.
func (b *Backend) ListRuns(_ context.Context, f store.RunFilter) ([]store.Run, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.LastFilter = f
	var out []store.Run
	for _, r := range b.Runs {
		if (f.FlowID == "" || r.FlowID == f.FlowID) && (f.Status == "" || r.Status == f.Status) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, c store.Run) int { return strings.Compare(c.ID, a.ID) })
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	return out[:min(len(out), limit)], nil
}

// GetRun returns a run and its steps.
func (b *Backend) GetRun(_ context.Context, id string) (store.Run, []store.Step, error) {
	if err := b.fail("GetRun"); err != nil {
		return store.Run{}, nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.Runs[id]
	if !ok {
		return store.Run{}, nil, store.ErrNotFound
	}
	return r, b.Steps[id], nil
}

// CancelRun cancels a run that has not ended.
func (b *Backend) CancelRun(_ context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.Runs[id]
	switch {
	case !ok:
		return store.ErrNotFound
	case r.Status.Final():
		return store.ErrFinished
	}
	r.Status = store.StatusCancelled
	b.Runs[id] = r
	return nil
}

// RerunRun queues a copy of a run (from step "save" when fromFailed).
func (b *Backend) RerunRun(_ context.Context, id string, fromFailed bool) (store.Run, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.Runs[id]
	if !ok {
		return store.Run{}, store.ErrNotFound
	}
	b.nextID++
	n := r
	n.ID, n.Trigger, n.ParentID, n.Status = fmt.Sprintf("run-%d", b.nextID), "rerun", r.ID, store.StatusQueued
	if fromFailed {
		n.FromStep = "save"
	}
	b.Runs[n.ID] = n
	return n, nil
}

// Webhook answers Reply for the webhook id of an enabled flow.
func (b *Backend) Webhook(_ context.Context, id string, req *webhook.Request) (api.WebhookReply, error) {
	if err := b.fail("Webhook"); err != nil {
		return api.WebhookReply{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.LastHook = req
	for _, f := range b.Flows {
		if f.WebhookID == id && f.Enabled {
			return b.Reply, nil
		}
	}
	return api.WebhookReply{}, store.ErrNotFound
}

// Ready fails with Err["Ready"].
func (b *Backend) Ready(context.Context) error { return b.fail("Ready") }

// FailWith makes the Backend method of that name fail with err.
func (b *Backend) FailWith(method string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Err[method] = err
}
