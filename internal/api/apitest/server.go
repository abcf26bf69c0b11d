package apitest

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Seed gives the backend one webhook flow, "leads" (version 2, webhook id
// "whleads"), a failed run of it, "run-x", with one step, a run of
// another workspace, "run-other", and the connection "crm-db".
func (b *Backend) Seed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Flows["leads"] = store.Flow{
		ID: "flow-leads", Workspace: store.DefaultWorkspace, Name: "leads", Enabled: true, Version: 2,
		Trigger: "webhook", Document: []byte("name: leads\ntrigger: webhook\n"), Format: "yaml",
		WebhookID: "whleads", CreatedAt: T0, UpdatedAt: T0,
	}
	b.Runs["run-x"] = store.Run{
		ID: "run-x", Workspace: store.DefaultWorkspace, FlowID: "flow-leads", FlowName: "leads", FlowVersion: 2,
		Trigger: "manual", Status: store.StatusFailed, Input: json.RawMessage(`[{"a":1}]`),
		Error: json.RawMessage(`{"step":"save","message":"the database said no"}`), CreatedAt: T0, StartedAt: T0,
	}
	b.Steps["run-x"] = []store.Step{{RunID: "run-x", StepID: "clean", Status: store.StatusSucceeded, In: 1, Out: 1,
		Input: json.RawMessage(`[{"email":" A@B.C "}]`), Output: json.RawMessage(`[{"email":"a@b.c"}]`)}}
	b.Runs["run-other"] = store.Run{ID: "run-other", Workspace: "elsewhere", Status: store.StatusQueued}
	b.seedConnections()
}

// Server is an API server on a seeded Backend.
type Server struct {
	*httptest.Server
	Backend *Backend
	People  *People
}

// NewServer starts an API server on a seeded Backend with NewPeople and a
// webhook body limit of 64 bytes; logs go to logs (nil: discarded). It is
// closed when the test ends.
func NewServer(t testing.TB, logs io.Writer) *Server {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	s := &Server{Backend: NewBackend(), People: NewPeople(t, nil)}
	s.Backend.Seed()
	s.Server = httptest.NewServer(api.New(api.Config{
		Backend: s.Backend, Auth: s.People.Auth, Guard: s.People.Guard, Registry: prometheus.NewRegistry(), Version: "1.2.3", MaxBody: 64,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}))
	t.Cleanup(s.Close)
	return s
}

// Lock runs fn with the backend locked, to change its state while a
// server is running.
func (b *Backend) Lock(fn func(b *Backend)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(b)
}
