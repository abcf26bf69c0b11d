package storetest

import (
	"errors"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

var webhookIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{24}$`)

func testFlowCreate(t *testing.T, s store.Store) {
	f, changed, err := s.PutFlow(t.Context(), store.PutFlow{Workspace: store.DefaultWorkspace,
		Name: "leads", Document: []byte("name: leads\n"), Format: "yaml", Trigger: "webhook", By: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if !changed || f.Version != 1 || !f.Enabled || f.Trigger != "webhook" || f.Format != "yaml" {
		t.Errorf("new flow: changed=%v version=%d enabled=%v trigger=%q format=%q; want true 1 true webhook yaml",
			changed, f.Version, f.Enabled, f.Trigger, f.Format)
	}
	if !webhookIDPattern.MatchString(f.WebhookID) {
		t.Errorf("webhook id %q is not 24 url-safe characters", f.WebhookID)
	}
	if f.ID == "" || f.CreatedAt.IsZero() || f.UpdatedAt.IsZero() {
		t.Errorf("new flow lacks id or times: %+v", f)
	}
	got, err := s.GetFlow(t.Context(), store.DefaultWorkspace, "leads")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("GetFlow differs from PutFlow's result (-put +get):\n%s", diff)
	}
	byID, err := s.GetFlowByID(t.Context(), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, byID); diff != "" {
		t.Errorf("GetFlowByID differs (-put +get):\n%s", diff)
	}
}

func testFlowNewVersion(t *testing.T, s store.Store) {
	ctx := t.Context()
	v1 := putFlow(t, s, "leads", "doc one")
	in := store.PutFlow{Workspace: store.DefaultWorkspace, Name: "leads", Document: []byte("doc one"),
		Format: "yaml", Trigger: "manual", By: "bob"}
	same, changed, err := s.PutFlow(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if changed || same.Version != 1 || same.ID != v1.ID {
		t.Errorf("same document: changed=%v version=%d; want false 1", changed, same.Version)
	}
	in.Document, in.Trigger = []byte("doc two"), "schedule"
	v2, changed, err := s.PutFlow(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !changed || v2.Version != 2 || v2.ID != v1.ID || v2.WebhookID != v1.WebhookID ||
		string(v2.Document) != "doc two" || v2.Trigger != "schedule" {
		t.Errorf("changed document: %+v changed=%v; want version 2 of the same flow", v2, changed)
	}
	versions, err := s.ListVersions(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, v := range versions {
		docs = append(docs, string(v.Document))
		if len(v.Hash) != 64 || v.FlowID != v1.ID || v.CreatedAt.IsZero() {
			t.Errorf("version %d: hash %q, flow %q, created %v", v.Version, v.Hash, v.FlowID, v.CreatedAt)
		}
	}
	if diff := cmp.Diff([]string{"doc one", "doc two"}, docs); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	one, err := s.FlowVersion(ctx, v1.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if string(one.Document) != "doc one" || one.By != "tester" || one.Format != "yaml" {
		t.Errorf("version 1 = %q by %q (%s); want doc one by tester (yaml)", one.Document, one.By, one.Format)
	}
}

func testFlowList(t *testing.T, s store.Store) {
	putFlow(t, s, "b-flow", "b")
	putFlow(t, s, "a-flow", "a")
	_, _, err := s.PutFlow(t.Context(), store.PutFlow{Workspace: "other", Name: "a-flow",
		Document: []byte("a"), Format: "yaml", Trigger: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	flows, err := s.ListFlows(t.Context(), store.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range flows {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"a-flow", "b-flow"}, names); diff != "" {
		t.Errorf("ListFlows (-want +got):\n%s", diff)
	}
	other, err := s.GetFlow(t.Context(), "other", "a-flow")
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == flows[0].ID {
		t.Error("the same name in two workspaces must be two flows")
	}
}

func testFlowEnableDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "leads", "doc")
	if err := s.SetFlowEnabled(ctx, f.ID, false); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetFlowByID(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled {
		t.Error("flow still enabled after SetFlowEnabled(false)")
	}
	if err := s.DeleteFlow(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetFlowByID(ctx, f.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetFlowByID after delete: %v; want ErrNotFound", err)
	}
	if _, err := s.ListVersions(ctx, f.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ListVersions after delete: %v; want ErrNotFound", err)
	}
	again := putFlow(t, s, "leads", "doc")
	if again.ID == f.ID || again.Version != 1 {
		t.Errorf("re-created flow: id %s version %d; want a new flow at version 1", again.ID, again.Version)
	}
}

func testFlowNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	missing := newID(t)
	checks := map[string]error{}
	_, checks["GetFlow"] = s.GetFlow(ctx, store.DefaultWorkspace, "nope")
	_, checks["GetFlowByID"] = s.GetFlowByID(ctx, missing)
	_, checks["FlowVersion"] = s.FlowVersion(ctx, missing, 1)
	_, checks["ListVersions"] = s.ListVersions(ctx, missing)
	checks["SetFlowEnabled"] = s.SetFlowEnabled(ctx, missing, true)
	checks["DeleteFlow"] = s.DeleteFlow(ctx, missing)
	f := putFlow(t, s, "leads", "doc")
	_, checks["FlowVersion 2"] = s.FlowVersion(ctx, f.ID, 2)
	for name, err := range checks {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v; want ErrNotFound", name, err)
		}
	}
}
