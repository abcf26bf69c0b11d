package guard_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
)

var t0 = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

type fixture struct {
	st      store.Store
	svc     *guard.Service
	admin   store.User
	builder store.User
	paused  []string
}

const chatFlow = `bistro: 1
name: Tell sales
trigger: {webhook: {}}
steps:
  - id: check
    if:
      condition: record.won
      then:
        - {id: post, action: chat.send, connection: sales-chat}
`

const dbFlow = `bistro: 1
name: Save leads
trigger: {webhook: {}}
steps:
  - {id: save, action: postgres.insert, connection: crm}
`

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), sqlite.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	f := &fixture{st: st,
		admin:   store.User{ID: "u-admin", Email: "it@example.com", Name: "IT", Admin: true, Active: true, CreatedAt: t0},
		builder: store.User{ID: "u-sam", Email: "sam@example.com", Name: "Sam", Active: true, CreatedAt: t0}}
	for _, u := range []store.User{f.admin, f.builder} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateWorkspace(ctx, store.Workspace{ID: "sales", Name: "Sales", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMember(ctx, store.Member{Workspace: "sales", UserID: f.builder.ID, Role: store.RoleBuilder, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{chatFlow, dbFlow} {
		name := strings.TrimPrefix(strings.Split(doc, "\n")[1], "name: ")
		fl, _, err := st.PutFlow(ctx, store.PutFlow{Workspace: "sales", Name: name, Document: []byte(doc), Format: "yaml",
			Trigger: "webhook", By: "test", Owner: f.builder.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetFlowEnabled(ctx, fl.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	f.svc = guard.New(guard.Config{Store: st, Audit: audit.Log{Store: st},
		Known: func(id string) bool { return id == "chat" || id == "postgres" || id == "email" },
		Pause: func(ctx context.Context, ws, name string) error {
			f.paused = append(f.paused, ws+"/"+name)
			fl, err := st.GetFlow(ctx, ws, name)
			if err != nil {
				return err
			}
			return st.SetFlowEnabled(ctx, fl.ID, false)
		}})
	return f
}

func kindOf(err error) guard.Kind {
	var ge *guard.Error
	if errors.As(err, &ge) {
		return ge.Kind
	}
	return 0
}

func TestCatalogueStatus(t *testing.T) {
	t.Parallel()
	var c guard.Catalogue
	if c.Status("sales", "chat") != guard.Approved {
		t.Errorf("an empty catalogue approves: %s", c.Status("sales", "chat"))
	}
	c = c.With("", "chat", guard.Blocked).With("finance", "chat", guard.Approved).With("", "email", guard.Review)
	for _, tc := range []struct{ ws, id, want string }{
		{"sales", "chat", guard.Blocked}, {"finance", "chat", guard.Approved},
		{"sales", "email", guard.Review}, {"sales", "postgres", guard.Approved},
	} {
		if got := c.Status(tc.ws, tc.id); got != tc.want {
			t.Errorf("%s in %s: %s; want %s", tc.id, tc.ws, got, tc.want)
		}
	}
	c.Default = guard.Blocked
	if c.Status("sales", "postgres") != guard.Blocked {
		t.Error("the default applies to connectors listed nowhere")
	}
	back := c.With("finance", "chat", "")
	if back.Status("finance", "chat") != guard.Blocked || c.Status("finance", "chat") != guard.Approved {
		t.Error("removing the workspace entry brings the platform's back, and leaves the original alone")
	}
	if _, ok := back.Workspaces["finance"]; ok {
		t.Error("an empty workspace entry is dropped")
	}
}

func TestBlockingPausesFlowsAndTellsOwners(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := audit.WithActor(t.Context(), store.AuditActor{Kind: "user", ID: f.admin.ID, Name: f.admin.Email}, "")
	if err := f.svc.Allowed(ctx, "sales", "chat"); err != nil {
		t.Fatalf("chat before blocking: %v", err)
	}
	paused, err := f.svc.SetStatus(ctx, "", "chat", guard.Blocked)
	if err != nil {
		t.Fatal(err)
	}
	if len(paused) != 1 || paused[0].Flow != "Tell sales" || strings.Join(f.paused, ",") != "sales/Tell sales" {
		t.Fatalf("paused %+v (%v); want only Tell sales", paused, f.paused)
	}
	if fl, _ := f.st.GetFlow(ctx, "sales", "Save leads"); !fl.Enabled {
		t.Error("a flow without the connector was paused")
	}
	err = f.svc.Allowed(ctx, "sales", "chat")
	if err == nil || !strings.Contains(err.Error(), "IT has blocked the connector 'chat' in workspace 'sales'") {
		t.Errorf("chat after blocking: %v", err)
	}
	ns, err := f.st.ListNotifications(ctx, f.builder.ID, 10)
	if err != nil || len(ns) != 1 || ns[0].Kind != "flow_suspended" ||
		!strings.Contains(ns[0].Message, "Your flow 'Tell sales' in workspace 'sales' was paused: IT blocked the connector 'chat' it uses") {
		t.Errorf("the owner's notifications: %+v, %v", ns, err)
	}
	evs, err := f.st.ListAudit(ctx, store.AuditFilter{Action: "connector"})
	if err != nil || len(evs) != 1 || evs[0].Action != "connector.status" || evs[0].Actor.ID != f.admin.ID {
		t.Errorf("audit: %+v, %v", evs, err)
	}
	// Blocking it again pauses nothing more; a workspace exception allows it.
	if again, err := f.svc.SetStatus(ctx, "", "chat", guard.Blocked); err != nil || len(again) != 0 {
		t.Errorf("blocking twice: %+v, %v", again, err)
	}
	if _, err := f.svc.SetStatus(ctx, "sales", "chat", guard.Approved); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Allowed(ctx, "sales", "chat"); err != nil {
		t.Errorf("chat approved for sales: %v", err)
	}
}

func TestSetStatusRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	for _, tc := range []struct {
		ws, id, status string
		kind           guard.Kind
		want           string
	}{
		{"", "chat", "maybe", guard.Invalid, "not one of approved, review, blocked"},
		{"", "slack", guard.Blocked, guard.NotFound, "there is no connector 'slack'"},
		{"nowhere", "chat", guard.Blocked, guard.NotFound, "there is no workspace 'nowhere'"},
	} {
		_, err := f.svc.SetStatus(ctx, tc.ws, tc.id, tc.status)
		if kindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetStatus(%q, %q, %q): %v; want %q", tc.ws, tc.id, tc.status, err, tc.want)
		}
	}
	if c, _ := f.svc.Catalogue(ctx); len(c.Connectors) != 0 {
		t.Errorf("a refused change was saved: %+v", c)
	}
}

func TestConnectorRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.svc.Request(ctx, "sales", "email", "welcome mails", f.builder); kindOf(err) != guard.Conflict {
		t.Errorf("asking for an allowed connector: %v; want a conflict", err)
	}
	if _, err := f.svc.SetStatus(ctx, "", "email", guard.Blocked); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Request(ctx, "sales", "email", "  ", f.builder); kindOf(err) != guard.Invalid {
		t.Errorf("no reason: %v; want invalid", err)
	}
	r, err := f.svc.Request(ctx, "sales", "email", "welcome mails to new customers", f.builder)
	if err != nil || r.Status != store.RequestPending {
		t.Fatalf("request: %+v, %v", r, err)
	}
	ns, _ := f.st.ListNotifications(ctx, f.admin.ID, 10)
	if len(ns) != 1 || !strings.Contains(ns[0].Message, "Sam asks for the connector 'email' in workspace 'sales': welcome mails to new customers") {
		t.Errorf("the admin's notifications: %+v", ns)
	}
	ans, err := f.svc.Answer(ctx, r.ID, true, "fine, use the shared mailbox", f.admin)
	if err != nil || ans.Status != store.RequestApproved {
		t.Fatalf("answer: %+v, %v", ans, err)
	}
	if err := f.svc.Allowed(ctx, "sales", "email"); err != nil {
		t.Errorf("email after approval: %v", err)
	}
	if err := f.svc.Allowed(ctx, "hr", "email"); err == nil {
		t.Error("approval for sales allowed email in hr too")
	}
	ns, _ = f.st.ListNotifications(ctx, f.builder.ID, 10)
	if len(ns) != 1 || !strings.Contains(ns[0].Message, "IT approved your request for the connector 'email' in workspace 'sales': fine, use the shared mailbox") {
		t.Errorf("the builder's notifications: %+v", ns)
	}
	if _, err := f.svc.Answer(ctx, r.ID, false, "changed my mind", f.admin); kindOf(err) != guard.Conflict {
		t.Errorf("a second answer: %v; want a conflict", err)
	}
	if _, err := f.svc.Answer(ctx, "nope", true, "", f.admin); kindOf(err) != guard.NotFound {
		t.Errorf("answering a missing request: %v", err)
	}
	evs, _ := f.st.ListAudit(ctx, store.AuditFilter{Action: "connector"})
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	got := strings.Join(actions, ",")
	for _, want := range []string{"connector.request", "connector.request.approved"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %s: %s", want, got)
		}
	}
}
