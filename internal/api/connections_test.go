package api_test

import (
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/store"
)

const newPassword = "n3w-pa55word-xyz"

func TestConnectionRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		fields                   map[string]string // dotted path → value
	}{
		{"list", "GET", "/api/v1/connections", "", 200,
			map[string]string{"connections.0.name": "crm-db", "connections.0.config.host": "db.internal", "connections.0.secrets.password.set": "true", "connections.0.secrets.token.set": "false"}},
		{"get", "GET", "/api/v1/connections/crm-db", "", 200,
			map[string]string{"connector": "postgres", "config.user": "crm", "secrets.password": `{"set":true}`, "labels.0": "pii", "created_at": "2026-11-02T09:30:00Z"}},
		{"create", "POST", "/api/v1/connections", `{"name":"cache","connector":"redis","config":{"host":"redis.internal","password":"` + newPassword + `"}}`, 201,
			map[string]string{"name": "cache", "config.host": "redis.internal", "config.password": "", "secrets.password.set": "true"}},
		{"update keeps an omitted secret", "PUT", "/api/v1/connections/crm-db", `{"connector":"postgres","config":{"host":"db2.internal"}}`, 200,
			map[string]string{"config.host": "db2.internal", "config.user": "", "secrets.password.set": "true"}},
		{"update replaces a secret", "PUT", "/api/v1/connections/crm-db", `{"connector":"postgres","config":{"host":"db.internal","password":"` + newPassword + `"}}`, 200,
			map[string]string{"secrets.password.set": "true"}},
		{"update clears a secret given as null", "PUT", "/api/v1/connections/crm-db", `{"connector":"postgres","config":{"host":"db.internal","password":null}}`, 200,
			map[string]string{"secrets.password.set": "false"}},
		{"put creates", "PUT", "/api/v1/connections/mail", `{"connector":"email","config":{"host":"smtp.internal"}}`, 201,
			map[string]string{"name": "mail", "secrets.password.set": "false"}},
		{"delete", "DELETE", "/api/v1/connections/crm-db", "", 204, nil},
		{"test", "POST", "/api/v1/connections/crm-db/test", "", 200,
			map[string]string{"ok": "true", "message": "the connection 'crm-db' works"}},
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
			for _, secret := range []string{apitest.SeedPassword, newPassword} {
				if strings.Contains(r.raw, secret) {
					t.Errorf("the answer holds a secret: %s", r.raw)
				}
			}
		})
	}
}

func TestConnectionSecretsAreWriteOnly(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.do(t, "PUT", "/api/v1/connections/crm-db", "", `{"connector":"postgres","config":{"host":"db.internal"}}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if v, ok := f.backend.Secret("crm-db", "password"); !ok || v != apitest.SeedPassword {
		t.Errorf("an update without the password lost it: %v, %v", v, ok)
	}
	r = f.do(t, "PUT", "/api/v1/connections/crm-db", "", `{"connector":"postgres","config":{"host":"db.internal","password":"`+newPassword+`"}}`)
	if v, _ := f.backend.Secret("crm-db", "password"); r.status != 200 || v != newPassword {
		t.Errorf("the new password did not reach the backend: %d %v", r.status, v)
	}
	for _, path := range []string{"/api/v1/connections", "/api/v1/connections/crm-db"} {
		if r := f.do(t, "GET", path, "", ""); strings.Contains(r.raw, newPassword) || !strings.Contains(r.raw, `"set":true`) {
			t.Errorf("GET %s: %s", path, r.raw)
		}
	}
	if logs := f.logs.String(); strings.Contains(logs, newPassword) {
		t.Errorf("the log holds the password:\n%s", logs)
	}
}

func TestConnectionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		detail                   string
		locations                []string
	}{
		{"get unknown", "GET", "/api/v1/connections/nope", "", 404, "there is no connection called 'nope'", nil},
		{"test unknown", "POST", "/api/v1/connections/nope/test", "", 404, "there is no connection called 'nope'", nil},
		{"delete unknown", "DELETE", "/api/v1/connections/nope", "", 404, "there is no connection called 'nope'", nil},
		{"create existing", "POST", "/api/v1/connections", `{"name":"crm-db","connector":"postgres","config":{"host":"x"}}`, 409, "there is already a connection called 'crm-db'", nil},
		{"invalid settings", "POST", "/api/v1/connections", `{"name":"x","connector":"unknown","config":{}}`, 422, "the connection has 2 problems, so it was not saved",
			[]string{"body.connector", "body.config.host"}},
		{"no connector", "POST", "/api/v1/connections", `{"name":"x"}`, 422, "the request is not valid", nil},
		{"no token", "GET", "/api/v1/connections", "", 401, "you are not signed in", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			token := ""
			if tc.status == 401 {
				token = "-"
			}
			r := f.do(t, tc.method, tc.path, token, tc.body)
			checkProblem(t, r, tc.status, tc.detail)
			for i, loc := range tc.locations {
				if got := r.str("errors." + string(rune('0'+i)) + ".location"); got != loc {
					t.Errorf("errors[%d].location = %q, want %q: %s", i, got, loc, r.raw)
				}
			}
		})
	}
}

func TestDeleteConnectionInUse(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.backend.Lock(func(b *apitest.Backend) {
		b.Flows["sync"] = store.Flow{ID: "flow-sync", Name: "sync", Document: []byte("name: sync\nsteps:\n  - action: postgres.query\n    connection: crm-db\n")}
	})
	r := f.do(t, "DELETE", "/api/v1/connections/crm-db", "", "")
	checkProblem(t, r, 409, "the connection 'crm-db' is used by the flow 'sync'")
	if r.str("code") != "in_use" || r.str("errors.0.message") != "the flow 'sync' uses the connection" {
		t.Errorf("problem: %s", r.raw)
	}
	if r := f.do(t, "GET", "/api/v1/connections/crm-db", "", ""); r.status != 200 {
		t.Errorf("the connection is gone after a refused delete: %d", r.status)
	}
}

func TestConnectionTestAnswersInPlainWords(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.do(t, "PUT", "/api/v1/connections/far", "", `{"connector":"postgres","config":{"host":"`+apitest.Unreachable+`","password":"`+newPassword+`"}}`)
	if r.status != 201 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	r = f.do(t, "POST", "/api/v1/connections/far/test", "", "")
	if r.status != 200 || r.str("ok") != "false" || r.str("message") != "could not reach unreachable.invalid:5432: no such host" {
		t.Errorf("test of an unreachable host: %d %s", r.status, r.raw)
	}
}
