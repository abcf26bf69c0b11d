package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bistro-dev/bistro/internal/store"
)

func newWorkspace(t *testing.T, s store.Store, id string) store.Workspace {
	t.Helper()
	w := store.Workspace{ID: id, Name: "Team " + id, CreatedAt: ms(time.Now())}
	if err := s.CreateWorkspace(t.Context(), w); err != nil {
		t.Fatalf("CreateWorkspace(%s): %v", id, err)
	}
	return w
}

func setMember(t *testing.T, s store.Store, m store.Member) {
	t.Helper()
	if err := s.SetMember(t.Context(), m); err != nil {
		t.Fatalf("SetMember(%+v): %v", m, err)
	}
}

// roles is a user's memberships as workspace -> role/source.
func roles(t *testing.T, s store.Store, userID string) map[string]string {
	t.Helper()
	ms, err := s.Memberships(t.Context(), userID)
	if err != nil {
		t.Fatalf("Memberships(%s): %v", userID, err)
	}
	out := map[string]string{}
	for _, m := range ms {
		out[m.Workspace] = m.Role + "/" + m.Source
	}
	return out
}

func testWorkspaces(t *testing.T, s store.Store) {
	ctx := t.Context()
	def, err := s.GetWorkspace(ctx, store.DefaultWorkspace)
	if err != nil || def.Name != "Default" || def.CreatedAt.IsZero() {
		t.Errorf("the default workspace: %+v, %v; want it named Default", def, err)
	}
	hr := newWorkspace(t, s, "hr")
	got, err := s.GetWorkspace(ctx, "hr")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hr, got); diff != "" {
		t.Errorf("GetWorkspace (-created +got):\n%s", diff)
	}
	if err := s.CreateWorkspace(ctx, store.Workspace{ID: "hr", Name: "again"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second workspace hr: %v; want ErrConflict", err)
	}
	newWorkspace(t, s, "eng")
	list, err := s.ListWorkspaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, w := range list {
		ids = append(ids, w.ID)
	}
	if diff := cmp.Diff([]string{"default", "eng", "hr"}, ids); diff != "" {
		t.Errorf("ListWorkspaces (-want +got):\n%s", diff)
	}
	if _, err := s.GetWorkspace(ctx, "nowhere"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetWorkspace(nowhere): %v; want ErrNotFound", err)
	}
}

func testMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	newWorkspace(t, s, "hr")
	bob := newUser(t, s, "bob@example.com")
	ann := newUser(t, s, "Ann@example.com")
	joined := ms(time.Now().Add(-time.Hour))
	setMember(t, s, store.Member{Workspace: "default", UserID: bob.ID, Role: store.RoleViewer, Source: "manual", CreatedAt: joined})
	setMember(t, s, store.Member{Workspace: "default", UserID: ann.ID, Role: store.RoleViewer, Source: "manual", CreatedAt: joined})
	setMember(t, s, store.Member{Workspace: "hr", UserID: ann.ID, Role: store.RoleOwner, Source: "manual", CreatedAt: joined})
	// A new role keeps the time the user joined.
	setMember(t, s, store.Member{Workspace: "default", UserID: bob.ID, Role: store.RoleBuilder, Source: "manual", CreatedAt: time.Now()})
	list, err := s.ListMembers(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Member{
		{Workspace: "default", UserID: ann.ID, Role: store.RoleViewer, Source: "manual", CreatedAt: joined, Email: ann.Email, Name: ann.Name},
		{Workspace: "default", UserID: bob.ID, Role: store.RoleBuilder, Source: "manual", CreatedAt: joined, Email: bob.Email, Name: bob.Name},
	}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("ListMembers by email (-want +got):\n%s", diff)
	}
	mine, err := s.Memberships(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantMine := []store.Member{want[0], {Workspace: "hr", UserID: ann.ID, Role: store.RoleOwner, Source: "manual", CreatedAt: joined}}
	if diff := cmp.Diff(wantMine, mine, cmpopts.IgnoreFields(store.Member{}, "Email", "Name")); diff != "" {
		t.Errorf("Memberships by workspace (-want +got):\n%s", diff)
	}
	if err := s.RemoveMember(ctx, "default", ann.ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"hr": "owner/manual"}, roles(t, s, ann.ID)); diff != "" {
		t.Errorf("after RemoveMember (-want +got):\n%s", diff)
	}
	if err := s.RemoveMember(ctx, "default", ann.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing a membership twice: %v; want ErrNotFound", err)
	}
	for name, m := range map[string]store.Member{
		"an unknown user":      {Workspace: "hr", UserID: "nobody", Role: store.RoleViewer},
		"an unknown workspace": {Workspace: "nowhere", UserID: ann.ID, Role: store.RoleViewer},
	} {
		if err := s.SetMember(ctx, m); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetMember for %s: %v; want ErrNotFound", name, err)
		}
	}
	if list, err := s.ListMembers(ctx, "nowhere"); err != nil || len(list) != 0 {
		t.Errorf("ListMembers(nowhere) = %v, %v; want none", list, err)
	}
}

func testMembersReplaceSSO(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, id := range []string{"hr", "ops", "eng"} {
		newWorkspace(t, s, id)
	}
	ann := newUser(t, s, "ann@example.com")
	bob := newUser(t, s, "bob@example.com")
	setMember(t, s, store.Member{Workspace: "hr", UserID: ann.ID, Role: store.RoleBuilder, Source: "manual"})
	setMember(t, s, store.Member{Workspace: "ops", UserID: bob.ID, Role: store.RoleViewer, Source: "sso"})
	sso := func(workspace, role string) store.Member {
		return store.Member{Workspace: workspace, UserID: ann.ID, Role: role, Source: "sso", CreatedAt: time.Now()}
	}
	replace := func(ms ...store.Member) {
		t.Helper()
		if err := s.ReplaceSSOMembers(ctx, ann.ID, ms); err != nil {
			t.Fatalf("ReplaceSSOMembers: %v", err)
		}
	}
	replace(sso("ops", store.RoleViewer))
	replace(sso("hr", store.RoleViewer), sso("ops", store.RoleOwner), sso("eng", store.RoleViewer))
	want := map[string]string{"hr": "builder/manual", "ops": "owner/sso", "eng": "viewer/sso"}
	if diff := cmp.Diff(want, roles(t, s, ann.ID)); diff != "" {
		t.Errorf("after ReplaceSSOMembers (-want +got):\n%s", diff)
	}
	replace()
	if diff := cmp.Diff(map[string]string{"hr": "builder/manual"}, roles(t, s, ann.ID)); diff != "" {
		t.Errorf("after ReplaceSSOMembers with none (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"ops": "viewer/sso"}, roles(t, s, bob.ID)); diff != "" {
		t.Errorf("another user's memberships changed (-want +got):\n%s", diff)
	}
	// One transaction: a workspace that does not exist changes nothing.
	err := s.ReplaceSSOMembers(ctx, ann.ID, []store.Member{sso("eng", store.RoleViewer), sso("nowhere", store.RoleViewer)})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReplaceSSOMembers with an unknown workspace: %v; want ErrNotFound", err)
	}
	if diff := cmp.Diff(map[string]string{"hr": "builder/manual"}, roles(t, s, ann.ID)); diff != "" {
		t.Errorf("a failed ReplaceSSOMembers changed memberships (-want +got):\n%s", diff)
	}
}
