package api_test

import (
	"errors"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/store"
)

func TestFlowRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		fields                   map[string]string // dotted path → value
	}{
		{"create", "PUT", "/api/v1/flows", `{"document":"name: tidy\n"}`, 200,
			map[string]string{"flow.name": "tidy", "flow.version": "1", "changed": "true", "flow.trigger": "manual"}},
		{"unchanged", "PUT", "/api/v1/flows", `{"document":"name: leads\ntrigger: webhook\n"}`, 200,
			map[string]string{"flow.version": "2", "changed": "false", "flow.webhook_path": "/hooks/whleads"}},
		{"update", "PUT", "/api/v1/flows", `{"document":"name: leads\ntrigger: webhook\n# v3\n"}`, 200,
			map[string]string{"flow.version": "3", "changed": "true"}},
		{"list", "GET", "/api/v1/flows", "", 200, map[string]string{"flows.0.name": "leads", "flows.0.document": ""}},
		{"get", "GET", "/api/v1/flows/leads", "", 200,
			map[string]string{"name": "leads", "document": "name: leads\ntrigger: webhook\n", "webhook_path": "/hooks/whleads", "created_at": "2026-11-02T09:30:00Z"}},
		{"disable", "POST", "/api/v1/flows/leads/disable", "", 200, map[string]string{"enabled": "false"}},
		{"enable", "POST", "/api/v1/flows/leads/enable", "", 200, map[string]string{"enabled": "true"}},
		{"delete", "DELETE", "/api/v1/flows/leads", "", 204, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			r := f.do(t, tc.method, tc.path, "", tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			for path, want := range tc.fields {
				if got := r.str(path); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
			if strings.Contains(r.raw, "hash") || strings.Contains(r.raw, "workspace") {
				t.Errorf("internal fields exposed: %s", r.raw)
			}
		})
	}
}

func TestFlowErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		detail                   string
	}{
		{"get unknown", "GET", "/api/v1/flows/nope", "", 404, "there is no flow called 'nope'"},
		{"enable unknown", "POST", "/api/v1/flows/nope/enable", "", 404, "there is no flow called 'nope'"},
		{"delete unknown", "DELETE", "/api/v1/flows/nope", "", 404, "there is no flow called 'nope'"},
		{"no document", "PUT", "/api/v1/flows", `{}`, 422, "the request is not valid"},
		{"not json", "PUT", "/api/v1/flows", `{"document":`, 400, ""},
		{"bad format", "PUT", "/api/v1/flows", `{"document":"name: x","format":"xml"}`, 422, "not valid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			checkProblem(t, f.do(t, tc.method, tc.path, "", tc.body), tc.status, tc.detail)
		})
	}
}

func TestInvalidFlowListsLocatedErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.do(t, "PUT", "/api/v1/flows", "", `{"document":"steps: []\n","file":"x.yaml"}`)
	checkProblem(t, r, 422, "the flow has 1 problem, so it was not saved")
	want := map[string]string{
		"code": "invalid_flow", "errors.0.location": "name", "errors.0.line": "1", "errors.0.column": "1",
		"errors.0.message": "the flow has no name", "errors.0.hint": "add 'name: ...'", "errors.0.severity": "error",
	}
	for path, v := range want {
		if got := r.str(path); got != v {
			t.Errorf("%s = %q, want %q", path, got, v)
		}
	}
}

func TestRunRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		fields                   map[string]string
	}{
		{"start", "POST", "/api/v1/flows/leads/runs", `{"input":{"email":"a@b.c"}}`, 201,
			map[string]string{"status": "queued", "flow_name": "leads", "input": `{"email":"a@b.c"}`}},
		{"start without body", "POST", "/api/v1/flows/leads/runs", "", 201, map[string]string{"input": `{}`}},
		{"start and wait", "POST", "/api/v1/flows/leads/runs", `{"wait":2.5}`, 200,
			map[string]string{"status": "succeeded", "output": `[{"ok":true}]`, "ended_at": "2026-11-02T09:30:01Z"}},
		{"list", "GET", "/api/v1/runs?flow=leads&status=failed&limit=1", "", 200,
			map[string]string{"runs.0.id": "run-x", "next": "run-x"}},
		{"get", "GET", "/api/v1/runs/run-x", "", 200,
			map[string]string{"status": "failed", "error": `{"message":"the database said no","step":"save"}`, "steps.0.id": "clean", "steps.0.records_out": "1",
				"steps.0.input": `[{"email":" A@B.C "}]`, "steps.0.output": `[{"email":"a@b.c"}]`}},
		{"cancel", "POST", "/api/v1/runs/run-q/cancel", "", 200, map[string]string{"status": "cancelled"}},
		{"rerun", "POST", "/api/v1/runs/run-x/rerun", `{"from_failed":true}`, 201,
			map[string]string{"parent_id": "run-x", "from_step": "save", "trigger": "rerun", "status": "queued"}},
		{"rerun from start", "POST", "/api/v1/runs/run-x/rerun", "", 201, map[string]string{"from_step": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.backend.Lock(func(b *apitest.Backend) {
				b.Runs["run-q"] = store.Run{ID: "run-q", Workspace: store.DefaultWorkspace, Status: store.StatusQueued}
			})
			r := f.do(t, tc.method, tc.path, "", tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			for path, want := range tc.fields {
				if got := r.str(path); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
		})
	}
}

func TestStartRunPassesWaitAndListPassesFilter(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.do(t, "POST", "/api/v1/flows/leads/runs", "", `{"wait":1.5}`)
	if f.backend.LastWait != 1500*time.Millisecond {
		t.Errorf("wait %v", f.backend.LastWait)
	}
	r := f.do(t, "GET", "/api/v1/runs?flow=leads&status=failed&since=2026-11-01T00:00:00Z&before=run-9", "", "")
	got := f.backend.LastFilter
	want := store.RunFilter{Workspace: "default", FlowID: "flow-leads", Status: store.StatusFailed,
		Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Limit: 50, Before: "run-9"}
	if r.status != 200 || !got.Since.Equal(want.Since) || got.FlowID != want.FlowID || got.Status != want.Status ||
		got.Limit != want.Limit || got.Before != want.Before || got.Workspace != want.Workspace {
		t.Errorf("status %d, filter %+v, want %+v", r.status, got, want)
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		failing                  string // backend method that fails
		err                      error
		status                   int
		detail                   string
		retryAfter               string
	}{
		{"start unknown flow", "POST", "/api/v1/flows/nope/runs", "", "", nil, 404, "there is no flow called 'nope'", ""},
		{"busy", "POST", "/api/v1/flows/leads/runs", "", "StartRun", &api.BusyError{RetryAfter: 4500 * time.Millisecond}, 503, "try again", "5"},
		{"transient", "POST", "/api/v1/flows/leads/runs", "", "StartRun", fault.Transient(errors.New("db locked"), 0), 503, "busy", "1"},
		{"wait too long", "POST", "/api/v1/flows/leads/runs", `{"wait":301}`, "", nil, 422, "not valid", ""},
		{"unknown run", "GET", "/api/v1/runs/nope", "", "", nil, 404, "there is no run with id 'nope'", ""},
		{"other workspace", "GET", "/api/v1/runs/run-other", "", "", nil, 404, "there is no run with id 'run-other'", ""},
		{"cancel finished", "POST", "/api/v1/runs/run-x/cancel", "", "", nil, 409, "the run has already finished", ""},
		{"list unknown flow", "GET", "/api/v1/runs?flow=nope", "", "", nil, 404, "there is no flow called 'nope'", ""},
		{"list bad status", "GET", "/api/v1/runs?status=broken", "", "", nil, 422, "not valid", ""},
		{"list bad time", "GET", "/api/v1/runs?since=yesterday", "", "", nil, 422, "not valid", ""},
		{"internal", "GET", "/api/v1/runs/run-x", "", "GetRun", errors.New("pq: secret internals"), 500, "something went wrong", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			if tc.failing != "" {
				f.backend.FailWith(tc.failing, tc.err)
			}
			r := f.do(t, tc.method, tc.path, "", tc.body)
			checkProblem(t, r, tc.status, tc.detail)
			if got := r.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if strings.Contains(r.raw, "secret internals") {
				t.Errorf("internal error leaked: %s", r.raw)
			}
		})
	}
}
