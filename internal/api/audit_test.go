package api_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/store"
)

// seedAudit gives the double's log five events: flow changes by two
// tokens, one installation-wide event and one of another workspace.
func seedAudit(f *fixture) []store.AuditEvent {
	ann := store.AuditActor{Kind: "token", ID: "tok-ann", Name: "ann"}
	bob := store.AuditActor{Kind: "token", ID: "tok-bob", Name: "bob"}
	leads := store.AuditTarget{Kind: "flow", ID: "flow-leads", Name: "leads"}
	var out []store.AuditEvent
	for i, e := range []store.AuditEvent{
		{Workspace: "default", Actor: ann, Action: "flow.apply", Target: leads, After: json.RawMessage(`{"version":1}`)},
		{Workspace: "default", Actor: bob, Action: "flow.disable", Target: leads, Before: json.RawMessage(`{"enabled":true}`), After: json.RawMessage(`{"enabled":false}`)},
		{Workspace: "elsewhere", Actor: ann, Action: "flow.apply", Target: store.AuditTarget{Kind: "flow", Name: "secret-plans"}},
		{Workspace: "", Actor: store.AuditActor{Kind: "cli", ID: "root"}, Action: "secrets.rotate", Target: store.AuditTarget{Kind: "key", ID: "k2"}},
		{Workspace: "default", Actor: ann, Action: "connection.secret_changed", Target: store.AuditTarget{Kind: "connection", Name: "crm-db"},
			After: json.RawMessage(`{"changes":{"password":"changed"}}`)},
	} {
		e.Time = apitest.T0.Add(time.Duration(i) * time.Hour)
		e.ID, e.Hash, e.PrevHash = fmt.Sprintf("ev-%d", i+1), fmt.Sprintf("h%d", i+1), fmt.Sprintf("h%d", i)
		out = append(out, f.backend.AddAuditEvent(e))
	}
	return out
}

func TestAuditList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query string
		seqs        string // the seqs listed, newest first
		next        string
	}{
		{"all of the workspace and the installation", "", "[5,4,2,1]", ""},
		{"everything, for an admin naming no workspace", "-", "[5,4,3,2,1]", ""},
		{"one action", "?action=flow.disable", "[2]", ""},
		{"a kind of action", "?action=flow", "[2,1]", ""},
		{"a target by name", "?target=leads", "[2,1]", ""},
		{"an actor by name or id", "?actor=ann", "[5,1]", ""},
		{"an actor by id", "?actor=tok-bob", "[2]", ""},
		{"a time range", "?since=2026-11-02T10:30:00Z&until=2026-11-02T13:30:00Z", "[4,2]", ""},
		{"a page", "?limit=2", "[5,4]", "4"},
		{"the next page", "?limit=2&before=4", "[2,1]", "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			seedAudit(f)
			h := http.Header{api.WorkspaceHeader: {"default"}}
			if tc.query == "-" {
				h, tc.query = nil, ""
			}
			r := f.doWith(t, "GET", "/api/v1/audit"+tc.query, "", "", h)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			var list api.AuditList
			if err := json.Unmarshal([]byte(r.raw), &list); err != nil {
				t.Fatal(err)
			}
			seqs := []int64{}
			for _, e := range list.Events {
				seqs = append(seqs, e.Seq)
			}
			if got, _ := json.Marshal(seqs); string(got) != tc.seqs || r.str("next") != tc.next {
				t.Errorf("listed %s next %q; want %s next %q", got, r.str("next"), tc.seqs, tc.next)
			}
		})
	}
}

func TestAuditEventShape(t *testing.T) {
	t.Parallel()
	f := setup(t)
	seedAudit(f)
	r := f.do(t, "GET", "/api/v1/audit?action=flow.disable", "", "")
	for path, want := range map[string]string{
		"events.0.seq": "2", "events.0.id": "ev-2", "events.0.time": "2026-11-02T10:30:00Z", "events.0.workspace": "default",
		"events.0.actor.kind": "token", "events.0.actor.id": "tok-bob", "events.0.actor.name": "bob",
		"events.0.action": "flow.disable", "events.0.target.kind": "flow", "events.0.target.name": "leads",
		"events.0.before.enabled": "true", "events.0.after.enabled": "false",
		"events.0.prev_hash": "h1", "events.0.hash": "h2",
	} {
		if got := r.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	// The API says who read the log, and from where, to the backend.
	actor, source := f.backend.AuditReader()
	if actor.Kind != "token" || actor.ID != "tok-admin" || source != "127.0.0.1" {
		t.Errorf("the backend saw %+v from %q; want the admin token from 127.0.0.1", actor, source)
	}
}

func TestAuditRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, path := range []string{"/api/v1/audit", "/api/v1/audit/export"} {
		checkProblem(t, f.do(t, "GET", path, "-", ""), http.StatusUnauthorized, "you are not signed in")
		checkProblem(t, f.do(t, "GET", path, "bst_viewer", ""), http.StatusForbidden, "only platform admins")
	}
	checkProblem(t, f.do(t, "GET", "/api/v1/audit?limit=5000", "", ""), http.StatusUnprocessableEntity, "")
	checkProblem(t, f.do(t, "GET", "/api/v1/audit?since=yesterday", "", ""), http.StatusUnprocessableEntity, "")
	f.backend.Lock(func(b *apitest.Backend) { b.Err["ListAudit"] = errors.New("disk on fire") })
	checkProblem(t, f.do(t, "GET", "/api/v1/audit", "", ""), http.StatusInternalServerError, "error id")
	checkProblem(t, f.do(t, "GET", "/api/v1/audit/export", "", ""), http.StatusInternalServerError, "error id")
	if strings.Contains(f.logs.String(), "disk on fire") == false {
		t.Errorf("the cause is not in the server log:\n%s", f.logs.String())
	}
}

// exportLines reads an export answer's JSON lines.
func exportLines(t *testing.T, f *fixture, query string) []api.AuditEvent {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/audit/export"+query, nil)
	req.Header.Set("Authorization", "Bearer "+apitest.Token)
	req.Header.Set(api.WorkspaceHeader, "default")
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != api.NDJSON {
		t.Fatalf("export: status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out []api.AuditEvent
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var e api.AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuditExport(t *testing.T) {
	t.Parallel()
	f := setup(t)
	seeded := seedAudit(f)
	got := exportLines(t, f, "")
	want := []int64{1, 2, 4, 5} // oldest first, the other workspace's left out
	if len(got) != len(want) {
		t.Fatalf("exported %d events; want %d", len(got), len(want))
	}
	for i, e := range got {
		if e.Seq != want[i] {
			t.Errorf("line %d: seq %d; want %d", i, e.Seq, want[i])
		}
	}
	if s := got[1].Stored(); s.Hash != "h2" || s.PrevHash != "h1" || !s.Time.Equal(seeded[1].Time) || string(s.After) != `{"enabled":false}` {
		t.Errorf("an exported line read back: %+v; want event 2 as stored", s)
	}
	if got := exportLines(t, f, "?after=2&action=flow"); len(got) != 0 {
		t.Errorf("export after 2 of flow events: %d events; want none", len(got))
	}
	if got := exportLines(t, f, "?after=2"); len(got) != 2 || got[0].Seq != 4 {
		t.Errorf("export after 2: %+v; want events 4 and 5", got)
	}
}

// TestAuditExportPages exports more events than one page.
func TestAuditExportPages(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for i := range 1203 {
		f.backend.AddAuditEvent(store.AuditEvent{Workspace: "default", Action: "flow.apply", ID: fmt.Sprint(i)})
	}
	got := exportLines(t, f, "")
	if len(got) != 1203 || got[0].Seq != 1 || got[1202].Seq != 1203 {
		t.Fatalf("exported %d events", len(got))
	}
}
