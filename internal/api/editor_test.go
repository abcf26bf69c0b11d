package api_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/api/apitest"
)

// body is a JSON request body.
func body(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// find returns the element of the list at path whose field equals value.
func find(t *testing.T, r response, path, field, value string) map[string]any {
	t.Helper()
	list, _ := r.body[path].([]any)
	for _, v := range list {
		if m, ok := v.(map[string]any); ok && m[field] == value {
			return m
		}
	}
	t.Fatalf("no %s with %s %q in %s", path, field, value, r.raw)
	return nil
}

func TestListConnectors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.do(t, "GET", "/api/v1/connectors", "", "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	list, _ := r.body["connectors"].([]any)
	for i := 1; i < len(list); i++ {
		a, b := list[i-1].(map[string]any)["name"].(string), list[i].(map[string]any)["name"].(string)
		if a >= b {
			t.Errorf("connectors not ordered by name: %q before %q", a, b)
		}
	}
	httpSpec := find(t, r, "connectors", "name", "http")
	if httpSpec["built_in"] != true {
		t.Errorf("http is not marked built in: %v", httpSpec)
	}
	request := httpSpec["actions"].([]any)[0].(map[string]any)
	if request["id"] != "http.request" || request["step"] != false {
		t.Errorf("http.request = %v, want id http.request and step false (it is its own step kind)", request)
	}
	schema := request["input_schema"].(map[string]any)
	if req, _ := json.Marshal(schema["required"]); string(req) != `["url"]` {
		t.Errorf("http.request input schema requires %s, want [url]", req)
	}
}

func TestGetConnector(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.do(t, "GET", "/api/v1/connectors/redis", "", "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if r.str("config_schema.properties.password.writeOnly") != "true" {
		t.Errorf("the password setting is not writeOnly: %s", r.str("config_schema"))
	}
	set := find(t, r, "actions", "name", "set")
	if set["id"] != "redis.set" || set["step"] != true || set["side_effects"] != true {
		t.Errorf("redis.set = %v", set)
	}
	keyType := set["input_schema"].(map[string]any)["properties"].(map[string]any)["key"].(map[string]any)["type"]
	if keyType != "string" {
		t.Errorf("redis.set key type %v, want string", keyType)
	}
	triggers, _ := r.body["triggers"].([]any)
	if len(triggers) == 0 {
		t.Fatalf("redis has no triggers: %s", r.raw)
	}
	tr := triggers[0].(map[string]any)
	if !strings.HasPrefix(tr["id"].(string), "redis.") || tr["input_schema"].(map[string]any)["type"] != "object" {
		t.Errorf("trigger %v lacks an id or an object input schema", tr)
	}

	missing := f.do(t, "GET", "/api/v1/connectors/nope", "", "")
	checkProblem(t, missing, 404, "there is no connector called 'nope'")
	if r := f.do(t, "GET", "/api/v1/connectors", "-", ""); r.status != 401 {
		t.Errorf("without a token: status %d, want 401", r.status)
	}
}

func TestValidateFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      []string // "severity path: part of the message", in order; none for a valid document
	}{
		{"valid", "bistro: 1\nname: ok\ntrigger: { manual: {} }\nsteps:\n  - { id: a, set: { x: \"{{ record.y }}\" } }\n", nil},
		{"unknown step kind, located", "bistro: 1\nname: bad\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    sett: { x: 1 }\n",
			[]string{"error steps[0].sett: unknown setting 'sett'"}},
		{"unknown action", "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, action: nope.go }\n",
			[]string{"error steps[0].action: unknown action 'nope.go'"}},
		{"action settings checked against the spec", "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, action: redis.set, with: { value: 1 } }\n",
			[]string{"error steps[0].with.key: "}},
		{"connection of another connector", "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, action: redis.get, connection: crm-db, with: { key: k } }\n",
			[]string{"error steps[0].connection: 'crm-db' is a postgres connection, not a redis one"}},
		{"missing connection", "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, action: redis.get, connection: cache, with: { key: k } }\n",
			[]string{"error steps[0].connection: there is no connection called 'cache'"}},
		{"called flow exists", "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, call: { flow: leads } }\n", nil},
		{"called flow missing", "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, call: { flow: ghost } }\n",
			[]string{"error steps[0].call.flow: there is no flow called 'ghost' on the server"}},
		{"environment variables are left to saving", "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, set: { t: \"{{ env.TOKEN }}\" } }\n",
			[]string{"warning steps[0].set.t: environment variable 'TOKEN' is not allowed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			r := f.do(t, "POST", "/api/v1/flows/validate", "", body(t, map[string]string{"document": tc.doc}))
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			var out struct {
				Problems []struct {
					Line, Column                  int
					Path, Severity, Message, Hint string
				}
			}
			if err := json.Unmarshal([]byte(r.raw), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Problems) != len(tc.want) {
				t.Fatalf("got %d problems, want %d: %s", len(out.Problems), len(tc.want), r.raw)
			}
			for i, p := range out.Problems {
				got := p.Severity + " " + p.Path + ": " + p.Message
				where, what, _ := strings.Cut(tc.want[i], ": ")
				if !strings.HasPrefix(got, where+": ") || !strings.Contains(p.Message, what) {
					t.Errorf("problem %d is %q, want %q", i, got, tc.want[i])
				}
				if p.Line == 0 || p.Column == 0 {
					t.Errorf("problem %q has no location", got)
				}
			}
		})
	}
}

func TestValidateFlowEmptyDocument(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.do(t, "POST", "/api/v1/flows/validate", "", `{"document":""}`)
	if r.status != 200 || r.str("problems.0.severity") != "error" {
		t.Fatalf("an empty document: status %d, %s; want 200 with an error", r.status, r.raw)
	}
}

func TestValidateFlowLookupFailureIsWorded(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.backend.FailWith("GetFlow", errors.New("db down: password=hunter2"))
	doc := "bistro: 1\nname: a\ntrigger: { manual: {} }\nsteps:\n  - { id: a, call: { flow: leads } }\n"
	r := f.do(t, "POST", "/api/v1/flows/validate", "", body(t, map[string]string{"document": doc}))
	if !strings.Contains(r.str("problems.0.message"), "the flow 'leads' could not be checked") {
		t.Errorf("problem %q does not say the flow could not be checked", r.str("problems.0.message"))
	}
	if strings.Contains(r.raw, "hunter2") {
		t.Errorf("the answer leaks the backend's error: %s", r.raw)
	}
}

func TestApplyFlowBaseVersion(t *testing.T) {
	t.Parallel()
	// The seeded flow "leads" is at version 2.
	leads := "name: leads\ntrigger: webhook\nsteps: []\n"
	base := func(v int) *int { return &v }
	tests := []struct {
		name   string
		doc    string
		base   *int
		status int
		detail string
	}{
		{"no base saves as before", leads, nil, 200, ""},
		{"the version the editor started from", leads, base(2), 200, ""},
		{"an older version is refused", leads, base(1), 409, "the flow 'leads' was changed by someone else at 09:30 on 2 Nov 2026 UTC (it is now version 2; you started from version 1)"},
		{"a new flow whose name is taken", leads, base(0), 409, "there is already a flow called 'leads' (version 2"},
		{"a new flow", "name: fresh\ntrigger: manual\n", base(0), 200, ""},
		{"a flow deleted meanwhile", "name: gone\ntrigger: manual\n", base(3), 409, "the flow 'gone' was deleted since you opened it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			req := map[string]any{"document": tc.doc}
			if tc.base != nil {
				req["base_version"] = *tc.base
			}
			r := f.do(t, "PUT", "/api/v1/flows", "", body(t, req))
			if tc.status != 200 {
				checkProblem(t, r, tc.status, tc.detail)
				if want := map[bool]string{true: "flow_exists", false: "flow_changed"}[strings.Contains(tc.name, "taken")]; r.str("code") != want {
					t.Errorf("code %q, want %q", r.str("code"), want)
				}
				f.backend.Lock(func(b *apitest.Backend) {
					if b.Flows["leads"].Version != 2 {
						t.Errorf("a refused save changed the flow: version %d", b.Flows["leads"].Version)
					}
				})
				return
			}
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
		})
	}
}

func TestApplyFlowBaseVersionSecondSaveRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// Two people open version 2; the first save makes version 3.
	first := f.do(t, "PUT", "/api/v1/flows", "", body(t, map[string]any{"document": "name: leads\n# Ann\n", "base_version": 2}))
	if first.status != 200 || first.str("flow.version") != "3" {
		t.Fatalf("first save: status %d, %s", first.status, first.raw)
	}
	second := f.do(t, "PUT", "/api/v1/flows", "", body(t, map[string]any{"document": "name: leads\n# Bo\n", "base_version": 2}))
	checkProblem(t, second, 409, "it is now version 3; you started from version 2")
	f.backend.Lock(func(b *apitest.Backend) {
		if doc := string(b.Flows["leads"].Document); !strings.Contains(doc, "Ann") {
			t.Errorf("the second save overwrote the first: %q", doc)
		}
	})
}
