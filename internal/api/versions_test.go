package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/store"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// v1Leads is the first version of the seeded flow "leads" (version 2).
const v1Leads = "name: leads\n# first try\n"

// withHistory gives the seeded flow "leads" its version 1, saved by ann.
func withHistory(t *testing.T) *fixture {
	t.Helper()
	f := setup(t)
	f.backend.AddFlowVersion("leads", api.StoredVersion{Version: store.Version{Version: 1, Document: []byte(v1Leads),
		Format: "yaml", By: "tok-ann", CreatedAt: apitest.T0.Add(-24 * time.Hour)}, Trigger: "manual", ByName: "ann"})
	return f
}

func TestFlowVersionList(t *testing.T) {
	t.Parallel()
	f := withHistory(t)
	r := f.do(t, "GET", "/api/v1/flows/leads/versions", "", "")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	for path, want := range map[string]string{
		"flow":                       "leads",
		"versions.0.version":         "2",
		"versions.0.current":         "true",
		"versions.0.trigger":         "webhook",
		"versions.0.format":          "yaml",
		"versions.0.created_at":      "2026-11-02T09:30:00Z",
		"versions.0.document_sha256": sha256Hex("name: leads\ntrigger: webhook\n"),
		"versions.0.document":        "",
		"versions.1.version":         "1",
		"versions.1.current":         "false",
		"versions.1.trigger":         "manual",
		"versions.1.created_at":      "2026-11-01T09:30:00Z",
		"versions.1.created_by":      "tok-ann",
		"versions.1.created_by_name": "ann",
		"versions.1.document_sha256": sha256Hex(v1Leads),
		"versions.1.document":        "",
		"versions.2.version":         "",
	} {
		if got := r.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}

func TestFlowVersionGet(t *testing.T) {
	t.Parallel()
	f := withHistory(t)
	tests := []struct {
		path   string
		fields map[string]string
	}{
		{"/api/v1/flows/leads/versions/1", map[string]string{"version": "1", "current": "false", "document": v1Leads, "created_by_name": "ann"}},
		{"/api/v1/flows/leads/versions/2", map[string]string{"version": "2", "current": "true", "document": "name: leads\ntrigger: webhook\n"}},
	}
	for _, tc := range tests {
		r := f.do(t, "GET", tc.path, "", "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.path, r.status, r.raw)
		}
		for path, want := range tc.fields {
			if got := r.str(path); got != want {
				t.Errorf("%s: %s = %q, want %q", tc.path, path, got, want)
			}
		}
	}
}

func TestFlowVersionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, token string
		status            int
		detail            string
	}{
		{"unknown flow", "/api/v1/flows/nope/versions", "", 404, "there is no flow called 'nope'"},
		{"unknown flow's version", "/api/v1/flows/nope/versions/1", "", 404, "there is no flow called 'nope'"},
		{"unknown version", "/api/v1/flows/leads/versions/7", "", 404, "the flow 'leads' has no version 7: its versions are 1 to 2"},
		{"version 0", "/api/v1/flows/leads/versions/0", "", 422, "the request is not valid"},
		{"not a number", "/api/v1/flows/leads/versions/latest", "", 422, "the request is not valid"},
		{"another workspace's flow", "/api/v1/flows/plans/versions", "", 404, "there is no flow called 'plans'"},
		{"another workspace's version", "/api/v1/flows/plans/versions/1", "", 404, "there is no flow called 'plans'"},
		{"no token", "/api/v1/flows/leads/versions", "-", 401, "you are not signed in"},
		{"a role without rights", "/api/v1/flows/leads/versions/1", "bst_outsider", 403, "not a member"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.backend.Lock(func(b *apitest.Backend) {
				b.Flows["plans"] = store.Flow{ID: "flow-plans", Workspace: "elsewhere", Name: "plans", Version: 1, Document: []byte("name: plans\n")}
			})
			checkProblem(t, f.do(t, "GET", tc.path, tc.token, ""), tc.status, tc.detail)
		})
	}
}

func TestFlowVersionBackendFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.backend.Lock(func(b *apitest.Backend) {
		b.Err["ListFlowVersions"] = errors.New("disk on fire")
		b.Err["GetFlowVersion"] = errors.New("disk on fire")
	})
	for _, path := range []string{"/api/v1/flows/leads/versions", "/api/v1/flows/leads/versions/1"} {
		r := f.do(t, "GET", path, "", "")
		checkProblem(t, r, http.StatusInternalServerError, "error id")
		if strings.Contains(r.raw, "disk on fire") {
			t.Errorf("%s: the cause leaked: %s", path, r.raw)
		}
	}
	if !strings.Contains(f.logs.String(), "disk on fire") {
		t.Errorf("the cause is not in the server log:\n%s", f.logs.String())
	}
}
