package runner

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/auth"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/storefault"
)

// auditPasswords are the secrets the audit tests set: none may appear in
// the log.
var auditPasswords = []string{"first-pa55word", "second-pa55word", "t0ken-value", "hunter2-in-a-url"}

// auditServer is the real API on a runner, with an admin token named
// "ci token".
type auditServer struct {
	*httptest.Server
	store store.Store
	token string
	id    string
}

func newAuditServer(t *testing.T, s store.Store) *auditServer {
	f := setup(t, s, withVault(newKeyring(t, "k1")))
	secret := "bst_" + strings.Repeat("a", 32)
	sum := sha256.Sum256([]byte(secret))
	tok := store.Token{ID: "tok-ci", Name: "ci token", Hash: sum[:], Role: "admin", Workspace: store.DefaultWorkspace}
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Backend: f.Runner, Auth: auth.New(auth.Config{Store: s}), Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	return &auditServer{Server: srv, store: s, token: secret, id: tok.ID}
}

// call sends a request with the token and fails the test unless the
// status is want.
func (a *auditServer) call(t *testing.T, method, path, body string, want int) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
}

// events returns the log, oldest first, and fails the test when it does
// not verify.
func (a *auditServer) events(t *testing.T) []store.AuditEvent {
	t.Helper()
	rep, err := audit.Verify(t.Context(), a.store, audit.Chain{})
	if err != nil || !rep.OK() {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	list, err := a.store.ListAudit(t.Context(), store.AuditFilter{Oldest: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// summary is an event in one line: action target before → after.
func summary(e store.AuditEvent) string {
	return fmt.Sprintf("%s %s %s → %s", e.Action, e.Target.Name, e.Before, e.After)
}

func flowDocument(version string) string {
	return fmt.Sprintf("bistro: 1\nname: audited\ndescription: version %s\ntrigger: { manual: {} }\nsteps:\n  - id: s\n    set: {a: 1}\n", version)
}

func flowDoc(version string) string {
	b, _ := json.Marshal(map[string]string{"document": flowDocument(version), "file": "audited.yaml"})
	return string(b)
}

func TestAuditFlowChanges(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			a := newAuditServer(t, b.open(t))
			a.call(t, "PUT", "/api/v1/flows", flowDoc("1"), 200)
			a.call(t, "PUT", "/api/v1/flows", flowDoc("1"), 200) // unchanged: no event
			a.call(t, "PUT", "/api/v1/flows", flowDoc("2"), 200)
			a.call(t, "POST", "/api/v1/flows/audited/disable", "", 200)
			a.call(t, "POST", "/api/v1/flows/audited/disable", "", 200) // already disabled: no event
			a.call(t, "POST", "/api/v1/flows/audited/enable", "", 200)
			a.call(t, "DELETE", "/api/v1/flows/audited", "", 204)
			events := a.events(t)
			var got []string
			for _, e := range events {
				got = append(got, e.Action)
				if e.Actor != (store.AuditActor{Kind: "token", ID: a.id, Name: "ci token"}) || e.Source != "127.0.0.1" ||
					e.Workspace != store.DefaultWorkspace || e.Target.Kind != "flow" || e.Target.Name != "audited" || e.Target.ID == "" {
					t.Errorf("event %d: %+v; want the ci token from 127.0.0.1 on the flow 'audited'", e.Seq, e)
				}
			}
			if want := "flow.apply flow.apply flow.disable flow.enable flow.delete"; strings.Join(got, " ") != want {
				t.Fatalf("actions %v; want %s", got, want)
			}
			var first, second map[string]any
			_ = json.Unmarshal(events[0].After, &first)
			_ = json.Unmarshal(events[1].After, &second)
			if events[0].Before != nil || first["version"] != 1.0 || second["version"] != 2.0 ||
				!strings.Contains(string(events[1].Before), `"document_sha256":"`+first["document_sha256"].(string)+`"`) {
				t.Errorf("applies: %s / %s", summary(events[0]), summary(events[1]))
			}
			if string(events[2].Before) != `{"enabled":true}` || string(events[2].After) != `{"enabled":false}` ||
				events[4].After != nil || !strings.Contains(string(events[4].Before), `"version":2`) {
				t.Errorf("disable, delete: %s / %s", summary(events[2]), summary(events[4]))
			}
		})
	}
}

func TestAuditConnectionChangesNeverHoldSecrets(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			a := newAuditServer(t, b.open(t))
			settings := func(host, password string) string {
				return fmt.Sprintf(`{"connector":"vault","config":{"host":%q,"port":5432,"user":"ann","password":%q,"auth":{"token":"t0ken-value"}}}`, host, password)
			}
			a.call(t, "PUT", "/api/v1/connections/vault-1", settings("db.internal", "first-pa55word"), 201)
			a.call(t, "PUT", "/api/v1/connections/vault-1", settings("db2.internal", "first-pa55word"), 200) // same secrets
			a.call(t, "PUT", "/api/v1/connections/vault-1", settings("db2.internal", "second-pa55word"), 200)
			a.call(t, "PUT", "/api/v1/connections/vault-1", `{"connector":"vault","config":{"host":"https://ann:hunter2-in-a-url@db3.internal","port":5432,"auth":{"token":null}}}`, 200)
			a.call(t, "DELETE", "/api/v1/connections/vault-1", "", 204)
			events := a.events(t)
			var got []string
			for _, e := range events {
				got = append(got, summary(e))
			}
			want := []string{
				`connection.create vault-1  → {"config":{"auth":{},"host":"db.internal","port":5432,"user":"ann"},"connector":"vault","labels":[],"secrets":{"auth.token":"set","password":"set"}}`,
				`connection.update vault-1 {"config":{"auth":{},"host":"db.internal","port":5432,"user":"ann"},"connector":"vault","labels":[],"secrets":{"auth.token":"set","password":"set"}} → {"config":{"auth":{},"host":"db2.internal","port":5432,"user":"ann"},"connector":"vault","labels":[],"secrets":{"auth.token":"set","password":"set"}}`,
				`connection.secret_changed vault-1 {"secrets":{"auth.token":"set","password":"set"}} → {"changes":{"password":"changed"},"secrets":{"auth.token":"set","password":"set"}}`,
				`connection.update vault-1 {"config":{"auth":{},"host":"db2.internal","port":5432,"user":"ann"},"connector":"vault","labels":[],"secrets":{"auth.token":"set","password":"set"}} → {"config":{"auth":{},"host":"https://ann:[redacted]@db3.internal","port":5432},"connector":"vault","labels":[],"secrets":{"password":"set"}}`,
				`connection.secret_changed vault-1 {"secrets":{"auth.token":"set","password":"set"}} → {"changes":{"auth.token":"cleared"},"secrets":{"password":"set"}}`,
				`connection.delete vault-1 {"config":{"auth":{},"host":"https://ann:[redacted]@db3.internal","port":5432},"connector":"vault","labels":[],"secrets":{"password":"set"}} → `,
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			raw, _ := json.Marshal(events)
			for _, secret := range auditPasswords {
				if strings.Contains(string(raw), secret) {
					t.Errorf("the audit log holds the secret %q", secret)
				}
			}
		})
	}
}

// TestAuditFailureKeepsTheChange checks that a change the log cannot
// record still happens (it cannot be undone), and that the failure is
// logged with the change.
func TestAuditFailureKeepsTheChange(t *testing.T) {
	t.Parallel()
	s, faults := storefault.Wrap(openSQLite(t))
	faults.FailOn("AppendAudit", 0, errors.New("the disk is full"))
	logs := &syncLog{}
	f := setup(t, s, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	fl, changed, err := f.ApplyFlow(t.Context(), store.DefaultWorkspace, "", []byte(flowDocument("1")), "test")
	if err != nil || !changed {
		t.Fatalf("ApplyFlow with a failing audit log: %v", err)
	}
	if _, err := s.GetFlow(t.Context(), store.DefaultWorkspace, fl.Name); err != nil {
		t.Errorf("the flow was not saved: %v", err)
	}
	for _, want := range []string{"level=ERROR", "a change could not be recorded in the audit log", "action=flow.apply", "target=audited", "the disk is full"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
	if n := faults.Calls("AppendAudit"); n != 1 {
		t.Errorf("%d appends; want 1", n)
	}
}

// syncLog is a log sink safe for concurrent writes.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
