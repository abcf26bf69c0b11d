package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/bistro-dev/bistro/internal/store"
)

// TestConnectorCatalogueAndRequests goes through the catalogue as IT and
// as a builder: blocking, seeing it blocked, asking, answering, and the
// notifications on both sides.
func TestConnectorCatalogueAndRequests(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	it, err := f.people.Auth.CreateUser(ctx, auth.NewUser{Email: "it@example.com", Name: "IT desk", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	sam, err := f.people.Auth.CreateUser(ctx, auth.NewUser{Email: "sam@example.com", Name: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.people.Auth.SetMember(ctx, store.DefaultWorkspace, sam.ID, store.RoleBuilder); err != nil {
		t.Fatal(err)
	}
	f.people.AddToken(t, "bst_it", store.Token{ID: "tok-it", Name: "it", Role: store.RoleAdmin, UserID: it.ID})
	f.people.AddToken(t, "bst_sam", store.Token{ID: "tok-sam", Name: "sam", Role: store.RoleBuilder, Workspace: store.DefaultWorkspace, UserID: sam.ID})

	if got := f.do(t, "PUT", "/api/v1/catalogue/chat", "bst_sam", `{"status":"blocked"}`); got.status != http.StatusForbidden {
		t.Errorf("a builder changed the catalogue: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "PUT", "/api/v1/catalogue/slack", "bst_it", `{"status":"blocked"}`); got.status != http.StatusNotFound ||
		!strings.Contains(got.str("detail"), "there is no connector 'slack'") {
		t.Errorf("an unknown connector: %d %s", got.status, got.raw)
	}
	blocked := f.do(t, "PUT", "/api/v1/catalogue/chat", "bst_it", `{"status":"blocked"}`)
	if blocked.status != http.StatusOK || blocked.str("catalogue.connectors.chat") != "blocked" || blocked.str("catalogue.default") != "approved" {
		t.Fatalf("block chat: %d %s", blocked.status, blocked.raw)
	}
	list := f.do(t, "GET", "/api/v1/connectors", "bst_sam", "")
	access := map[string]string{}
	for _, c := range list.body["connectors"].([]any) {
		m := c.(map[string]any)
		access[m["name"].(string)] = m["access"].(string)
	}
	if access["chat"] != "blocked" || access["postgres"] != "approved" {
		t.Errorf("what the builder sees: %v", access)
	}
	if got := f.do(t, "GET", "/api/v1/connectors/chat", "bst_sam", ""); got.str("access") != "blocked" {
		t.Errorf("one connector: %s", got.raw)
	}

	// The editor's check refuses the blocked connector at its step.
	check := f.do(t, "POST", "/api/v1/flows/validate", "bst_sam",
		`{"document":"bistro: 1\nname: t\ntrigger: {manual: {}}\nsteps:\n  - {id: post, action: chat.send, with: {text: hi}}\n"}`)
	if check.status != http.StatusOK || !strings.Contains(check.raw, "IT has blocked the connector 'chat' in workspace 'default'") ||
		check.str("problems.0.line") != "5" {
		t.Errorf("validate with a blocked connector: %d %s", check.status, check.raw)
	}

	if got := f.do(t, "POST", "/api/v1/connector-requests", "bst_sam", `{"connector":"postgres","reason":"the CRM"}`); got.status != http.StatusConflict {
		t.Errorf("asking for an allowed connector: %d %s", got.status, got.raw)
	}
	req := f.do(t, "POST", "/api/v1/connector-requests", "bst_sam", `{"connector":"chat","reason":"Post won deals to #sales"}`)
	if req.status != http.StatusCreated || req.str("status") != "pending" || req.str("requested_by") != sam.ID {
		t.Fatalf("request: %d %s", req.status, req.raw)
	}
	id := req.str("id")
	if got := f.do(t, "GET", "/api/v1/connector-requests", "bst_outsider", ""); got.status != http.StatusForbidden {
		t.Errorf("an outsider listed the workspace's requests: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "GET", "/api/v1/connector-requests", "bst_it", ""); !strings.Contains(got.raw, id) {
		t.Errorf("IT's list lacks the request: %s", got.raw)
	}
	note := f.do(t, "GET", "/api/v1/notifications", "bst_it", "")
	if note.str("unread") != "1" || !strings.Contains(note.str("notifications.0.message"), "Sam asks for the connector 'chat' in workspace 'default': Post won deals to #sales") {
		t.Errorf("IT's notifications: %s", note.raw)
	}
	if got := f.do(t, "POST", "/api/v1/connector-requests/"+id+"/answer", "bst_sam", `{"approve":true}`); got.status != http.StatusForbidden {
		t.Errorf("a builder answered: %d %s", got.status, got.raw)
	}
	ans := f.do(t, "POST", "/api/v1/connector-requests/"+id+"/answer", "bst_it", `{"approve":true,"answer":"use the #sales webhook"}`)
	if ans.status != http.StatusOK || ans.str("status") != "approved" || ans.str("answered_by") != it.ID {
		t.Fatalf("answer: %d %s", ans.status, ans.raw)
	}
	if got := f.do(t, "POST", "/api/v1/connector-requests/"+id+"/answer", "bst_it", `{"approve":false}`); got.status != http.StatusConflict {
		t.Errorf("a second answer: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "GET", "/api/v1/connectors/chat", "bst_sam", ""); got.str("access") != "approved" {
		t.Errorf("chat after approval: %s", got.raw)
	}
	mine := f.do(t, "GET", "/api/v1/notifications", "bst_sam", "")
	if mine.str("unread") != "1" || !strings.Contains(mine.str("notifications.0.message"), "IT approved your request for the connector 'chat' in workspace 'default': use the #sales webhook") {
		t.Fatalf("Sam's notifications: %s", mine.raw)
	}
	nid := mine.str("notifications.0.id")
	if got := f.do(t, "POST", "/api/v1/notifications/"+nid+"/read", "bst_it", ""); got.status != http.StatusNotFound {
		t.Errorf("IT marked Sam's notification: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "POST", "/api/v1/notifications/"+nid+"/read", "bst_sam", ""); got.status != http.StatusNoContent {
		t.Errorf("read: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "GET", "/api/v1/notifications", "bst_sam", ""); got.str("unread") != "0" || got.str("notifications.0.read_at") == "" {
		t.Errorf("after reading: %s", got.raw)
	}

	events, err := f.people.Store.ListAudit(ctx, store.AuditFilter{Action: "connector"})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]string{}
	for _, e := range events {
		by[e.Action] = e.Actor.ID
	}
	if by["connector.status"] != it.ID || by["connector.request"] != sam.ID || by["connector.request.approved"] != it.ID {
		t.Errorf("the audit log's connector events and who did them: %v", by)
	}
}

// TestInventory lists every flow of every workspace for IT, flags the
// orphaned one, exports CSV, and hands the orphan to a builder.
func TestInventory(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	st := f.people.Store
	gone, err := f.people.Auth.CreateUser(ctx, auth.NewUser{Email: "gone@example.com", Name: "Gone"})
	if err != nil {
		t.Fatal(err)
	}
	bo, err := f.people.Auth.CreateUser(ctx, auth.NewUser{Email: "bo@example.com", Name: "Bo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.people.Auth.SetMember(ctx, "elsewhere", bo.ID, store.RoleBuilder); err != nil {
		t.Fatal(err)
	}
	put := func(ws, name, owner, doc string) {
		if _, _, err := st.PutFlow(ctx, store.PutFlow{Workspace: ws, Name: name, Document: []byte(doc), Format: "yaml",
			Trigger: "webhook", By: "test", Owner: owner}); err != nil {
			t.Fatal(err)
		}
	}
	put(store.DefaultWorkspace, "Tidy", bo.ID, "bistro: 1\nname: Tidy\ntrigger: {webhook: {}}\nsteps:\n  - {id: a, set: {x: 1}}\n")
	put("elsewhere", "Shout", gone.ID, "bistro: 1\nname: Shout\ntrigger: {webhook: {}}\nsteps:\n"+
		"  - {id: a, http: {method: POST, url: 'https://hooks.example.com/x'}}\n"+
		"  - {id: b, http: {method: POST, url: '{{ record.callback }}'}}\n"+
		"  - {id: c, action: chat.send, connection: team-chat}\n")
	if _, err := st.DeactivateUser(ctx, store.Deactivation{UserID: gone.ID}); err != nil {
		t.Fatal(err)
	}

	if got := f.do(t, "GET", "/api/v1/inventory", "bst_viewer", ""); got.status != http.StatusForbidden {
		t.Errorf("a viewer read the inventory: %d", got.status)
	}
	inv := f.do(t, "GET", "/api/v1/inventory", "", "")
	if inv.status != http.StatusOK || inv.str("orphaned") != "1" {
		t.Fatalf("inventory: %d %s", inv.status, inv.raw)
	}
	flows := map[string]map[string]any{}
	for _, x := range inv.body["flows"].([]any) {
		m := x.(map[string]any)
		flows[m["flow"].(string)] = m
	}
	shout, tidy := flows["Shout"], flows["Tidy"]
	if shout == nil || tidy == nil {
		t.Fatalf("flows: %s", inv.raw)
	}
	if shout["workspace"] != "elsewhere" || shout["orphaned"] != true || tidy["orphaned"] != false || tidy["owner_email"] != "bo@example.com" {
		t.Errorf("owners: Shout %v, Tidy %v", shout, tidy)
	}
	if got := strings.Join(toStrings(shout["destinations"]), ","); got != "chat via team-chat,computed at run time,hooks.example.com" {
		t.Errorf("Shout's destinations: %s", got)
	}
	if got := strings.Join(toStrings(shout["connectors"]), ","); got != "chat,http" {
		t.Errorf("Shout's connectors: %s", got)
	}
	if shout["risk_level"] != "medium" && shout["risk_level"] != "high" || tidy["risk_level"] != "low" {
		t.Errorf("risk: Shout %v %v, Tidy %v", shout["risk"], shout["risk_reasons"], tidy["risk"])
	}

	csv := f.do(t, "GET", "/api/v1/inventory/export", "", "")
	lines := strings.Split(strings.TrimSpace(csv.raw), "\n")
	if csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || len(lines) != 3 ||
		!strings.HasPrefix(lines[0], "workspace,flow,enabled") || !strings.Contains(csv.raw, "elsewhere,Shout,") {
		t.Errorf("CSV: %d %v\n%s", csv.status, csv.header, csv.raw)
	}

	in := http.Header{"Bistro-Workspace": {"elsewhere"}}
	bad := f.doWith(t, "PUT", "/api/v1/flows/Shout/owner", "", `{"owner":"`+gone.ID+`"}`, in)
	if bad.status != http.StatusUnprocessableEntity {
		t.Errorf("handing to a deactivated person: %d %s", bad.status, bad.raw)
	}
	moved := f.doWith(t, "PUT", "/api/v1/flows/Shout/owner", "", `{"owner":"`+bo.ID+`"}`, in)
	if moved.status != http.StatusOK || moved.str("owner") != bo.ID {
		t.Fatalf("reassign: %d %s", moved.status, moved.raw)
	}
	if got := f.do(t, "GET", "/api/v1/inventory", "", ""); got.str("orphaned") != "0" {
		t.Errorf("after reassigning: %s", got.raw)
	}
	ns, _ := st.ListNotifications(ctx, bo.ID, 10)
	if len(ns) != 1 || !strings.Contains(ns[0].Message, "You now own the flow 'Shout' in workspace 'elsewhere'") {
		t.Errorf("Bo's notifications: %+v", ns)
	}
	if evs, _ := st.ListAudit(ctx, store.AuditFilter{Action: "flow.owner"}); len(evs) != 1 {
		t.Errorf("audit of the hand-over: %+v", evs)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestReviewAndPublish: with a threshold of 0, a builder's change waits
// for review instead of going live; IT approves one (published as the
// builder's) and sends another back; admins publish at once.
func TestReviewAndPublish(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	it, err := f.people.Auth.CreateUser(ctx, auth.NewUser{Email: "it@example.com", Name: "IT desk", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	sam, err := f.people.Auth.CreateUser(ctx, auth.NewUser{Email: "sam@example.com", Name: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.people.Auth.SetMember(ctx, store.DefaultWorkspace, sam.ID, store.RoleBuilder); err != nil {
		t.Fatal(err)
	}
	f.people.AddToken(t, "bst_it", store.Token{ID: "tok-it", Name: "it", Role: store.RoleAdmin, UserID: it.ID})
	f.people.AddToken(t, "bst_sam", store.Token{ID: "tok-sam", Name: "sam", Role: store.RoleBuilder, Workspace: store.DefaultWorkspace, UserID: sam.ID})
	apply := func(token, doc string) response {
		body, _ := json.Marshal(map[string]string{"document": doc, "file": "flow.yaml"})
		return f.do(t, "PUT", "/api/v1/flows", token, string(body))
	}
	calm := "bistro: 1\nname: Calm\ntrigger: {manual: {}}\nsteps:\n  - {id: a, set: {x: 1}}\n"
	loud := "bistro: 1\nname: Loud\ntrigger: {manual: {}}\nsteps:\n  - {id: a, http: {method: POST, url: '{{ record.url }}'}}\n"

	// The default threshold lets low-risk changes through.
	if got := apply("bst_sam", calm); got.status != http.StatusOK || got.str("flow.name") != "Calm" {
		t.Fatalf("a calm flow: %d %s", got.status, got.raw)
	}
	if got := f.do(t, "PUT", "/api/v1/review-settings", "bst_sam", `{"threshold":0}`); got.status != http.StatusForbidden {
		t.Errorf("a builder set the threshold: %d", got.status)
	}
	if got := f.do(t, "PUT", "/api/v1/review-settings", "bst_it", `{"threshold":10}`); got.status != http.StatusOK {
		t.Fatalf("threshold: %d %s", got.status, got.raw)
	}
	sub := apply("bst_sam", loud)
	if sub.status != http.StatusAccepted || sub.str("review.status") != "submitted" || sub.str("review.flow") != "Loud" ||
		!strings.Contains(sub.raw, "computed at run time") {
		t.Fatalf("a risky change: %d %s", sub.status, sub.raw)
	}
	f.backend.Lock(func(b *apitest.Backend) {
		if _, ok := b.Flows["Loud"]; ok {
			t.Error("the change was saved before review")
		}
	})
	bad := apply("bst_sam", "bistro: 1\nname: Bad\ntrigger: {manual: {}}\nsteps:\n  - {id: a, http: {url: '{{ nope( }}'}}\n")
	if bad.status != http.StatusUnprocessableEntity {
		t.Errorf("an invalid change is refused, not submitted: %d %s", bad.status, bad.raw)
	}
	admins, _ := f.people.Store.ListNotifications(ctx, it.ID, 10)
	if len(admins) != 1 || !strings.Contains(admins[0].Message, "Sam submitted the flow 'Loud' in workspace 'default' for review") {
		t.Errorf("IT's notifications: %+v", admins)
	}
	list := f.do(t, "GET", "/api/v1/reviews?status=submitted", "bst_sam", "")
	if list.status != http.StatusOK || list.str("reviews.0.id") != sub.str("review.id") {
		t.Errorf("the builder's reviews: %d %s", list.status, list.raw)
	}
	id := sub.str("review.id")
	if got := f.do(t, "POST", "/api/v1/reviews/"+id+"/approve", "bst_sam", `{}`); got.status != http.StatusForbidden {
		t.Errorf("the builder approved their own change: %d", got.status)
	}
	ok := f.do(t, "POST", "/api/v1/reviews/"+id+"/approve", "bst_it", `{"comment":"fine for the pilot"}`)
	if ok.status != http.StatusOK || ok.str("status") != "approved" || ok.str("version") != "1" || ok.str("reviewed_by") != it.ID {
		t.Fatalf("approve: %d %s", ok.status, ok.raw)
	}
	f.backend.Lock(func(b *apitest.Backend) {
		if fl, ok := b.Flows["Loud"]; !ok || fl.Version != 1 {
			t.Errorf("the approved change was not published: %+v", fl)
		}
	})
	if got := f.do(t, "POST", "/api/v1/reviews/"+id+"/approve", "bst_it", `{}`); got.status != http.StatusConflict {
		t.Errorf("approving twice: %d %s", got.status, got.raw)
	}
	mine, _ := f.people.Store.ListNotifications(ctx, sam.ID, 10)
	if len(mine) != 1 || !strings.Contains(mine[0].Message, "IT published your change to the flow 'Loud' (version 1): fine for the pilot") {
		t.Errorf("Sam's notifications: %+v", mine)
	}

	again := apply("bst_sam", strings.Replace(loud, "Loud", "Louder", 1))
	back := f.do(t, "POST", "/api/v1/reviews/"+again.str("review.id")+"/request-changes", "bst_it", `{}`)
	if back.status != http.StatusUnprocessableEntity {
		t.Errorf("changes requested without a comment: %d %s", back.status, back.raw)
	}
	back = f.do(t, "POST", "/api/v1/reviews/"+again.str("review.id")+"/request-changes", "bst_it", `{"comment":"send to the CRM connection, not any URL"}`)
	if back.status != http.StatusOK || back.str("status") != "changes_requested" {
		t.Errorf("request changes: %d %s", back.status, back.raw)
	}
	if got := apply("bst_it", strings.Replace(loud, "Loud", "Loudest", 1)); got.status != http.StatusOK {
		t.Errorf("an admin's change waits: %d %s", got.status, got.raw)
	}
	evs, _ := f.people.Store.ListAudit(ctx, store.AuditFilter{Action: "flow"})
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"flow.submit", "flow.review.approved", "flow.review.changes_requested"} {
		if !slices.Contains(actions, want) {
			t.Errorf("the audit log lacks %s: %v", want, actions)
		}
	}
}
