package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/auth"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

// versionDocs are three versions of one flow: two in YAML (manual, then
// webhook) and one in JSON.
var versionDocs = []struct{ file, doc, trigger string }{
	{"versioned.yaml", "bistro: 1\nname: versioned\ntrigger: { manual: {} }\nsteps:\n  - id: s\n    set: {a: 1}\n", "manual"},
	{"versioned.yaml", "bistro: 1\nname: versioned\n# now called by the shop\ntrigger: { webhook: { method: POST } }\nsteps:\n  - id: s\n    set: {a: 2}\n", "webhook"},
	{"versioned.json", `{"bistro": 1, "name": "versioned", "trigger": {"manual": {}}, "steps": [{"id": "s", "set": {"a": 3}}]}`, "manual"},
}

// versionServer is the real API on a runner with an admin token named
// "shop admin".
type versionServer struct {
	*httptest.Server
	f     *fixture
	token string
}

func newVersionServer(t *testing.T, s store.Store) *versionServer {
	t.Helper()
	f := setup(t, s, nil)
	secret := "bst_" + strings.Repeat("v", 32)
	sum := sha256.Sum256([]byte(secret))
	if err := s.CreateToken(t.Context(), store.Token{ID: "tok-shop", Name: "shop admin", Hash: sum[:], Role: "admin",
		Workspace: store.DefaultWorkspace}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Backend: f.Runner, Auth: auth.New(auth.Config{Store: s}), Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	return &versionServer{Server: srv, f: f, token: secret}
}

// send makes a request with the token, checks the status and decodes the
// answer into out (when not nil).
func (v *versionServer) send(t *testing.T, method, path, body string, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, v.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+v.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := v.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

func (v *versionServer) applyAll(t *testing.T) {
	t.Helper()
	for _, d := range versionDocs {
		body, _ := json.Marshal(api.ApplyFlowRequest{Document: d.doc, File: d.file})
		v.send(t, "PUT", "/api/v1/flows", string(body), http.StatusOK, nil)
	}
}

func sha256Of(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestFlowVersionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			v := newVersionServer(t, b.open(t))
			v.applyAll(t)
			var list api.FlowVersionList
			v.send(t, "GET", "/api/v1/flows/versioned/versions", "", http.StatusOK, &list)
			if list.Flow != "versioned" || len(list.Versions) != 3 {
				t.Fatalf("listed %+v; want the 3 versions of 'versioned'", list)
			}
			for i, got := range list.Versions {
				n := 3 - i
				want := versionDocs[n-1]
				if got.Version != n || got.Current != (n == 3) || got.Trigger != want.trigger || got.CreatedBy != "tok-shop" ||
					got.CreatedByName != "shop admin" || got.DocumentSHA256 != sha256Of(want.doc) || got.Document != "" || got.CreatedAt.IsZero() {
					t.Errorf("version %d is listed as %+v", n, got)
				}
			}
			if list.Versions[0].Format != "json" || list.Versions[1].Format != "yaml" {
				t.Errorf("formats %q, %q; want json, yaml", list.Versions[0].Format, list.Versions[1].Format)
			}
			for n, d := range versionDocs {
				var one api.FlowVersion
				v.send(t, "GET", fmt.Sprintf("/api/v1/flows/versioned/versions/%d", n+1), "", http.StatusOK, &one)
				if one.Document != d.doc || one.Version != n+1 || one.Trigger != d.trigger || one.Current != (n == 2) {
					t.Errorf("version %d: %+v; want the document as written:\n%s", n+1, one, d.doc)
				}
			}
		})
	}
}

func TestFlowVersionsNotFound(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			v := newVersionServer(t, b.open(t))
			v.applyAll(t)
			var p api.Problem
			v.send(t, "GET", "/api/v1/flows/versioned/versions/4", "", http.StatusNotFound, &p)
			if p.Detail != "the flow 'versioned' has no version 4: its versions are 1 to 3" {
				t.Errorf("a missing version: %q", p.Detail)
			}
			v.send(t, "GET", "/api/v1/flows/nope/versions/1", "", http.StatusNotFound, &p)
			if p.Detail != "there is no flow called 'nope'" {
				t.Errorf("a missing flow: %q", p.Detail)
			}

			// A flow of another workspace is not found, by name or version.
			doc := strings.ReplaceAll(versionDocs[0].doc, "versioned", "hidden")
			if _, _, err := v.f.ApplyFlow(t.Context(), "elsewhere", "hidden.yaml", []byte(doc), "tok-other"); err != nil {
				t.Fatal(err)
			}
			v.send(t, "GET", "/api/v1/flows/hidden/versions", "", http.StatusNotFound, &p)
			v.send(t, "GET", "/api/v1/flows/hidden/versions/1", "", http.StatusNotFound, &p)
			if p.Detail != "there is no flow called 'hidden'" {
				t.Errorf("another workspace's flow: %q", p.Detail)
			}
			if vs, err := v.f.ListFlowVersions(t.Context(), "elsewhere", "hidden"); err != nil || len(vs) != 1 || !vs[0].Current {
				t.Errorf("in its own workspace: %+v, %v", vs, err)
			}
			if _, err := v.f.GetFlowVersion(t.Context(), store.DefaultWorkspace, "hidden", 1); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetFlowVersion from another workspace = %v; want not found", err)
			}
		})
	}
}

// TestFlowVersionsWithoutAuditNames checks versions saved with no audit
// event naming who (here, applied without an API request): the token's
// id is there, its name is not.
func TestFlowVersionsWithoutAuditNames(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			f.apply(versionDocs[0].doc)
			f.apply(versionDocs[1].doc)
			vs, err := f.ListFlowVersions(t.Context(), store.DefaultWorkspace, "versioned")
			if err != nil || len(vs) != 2 {
				t.Fatalf("ListFlowVersions = %+v, %v", vs, err)
			}
			for _, got := range vs {
				if got.By != "test" || got.ByName != "" {
					t.Errorf("version %d saved by %q named %q; want test, no name", got.Version.Version, got.By, got.ByName)
				}
			}
			if vs[0].Version.Version != 2 || vs[0].Trigger != "webhook" || vs[1].Trigger != "manual" {
				t.Errorf("listed %d (%s), %d (%s)", vs[0].Version.Version, vs[0].Trigger, vs[1].Version.Version, vs[1].Trigger)
			}
		})
	}
}
