package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

// deactivationSetup gives ann two sessions, two live tokens and one
// revoked at old, two memberships and a flow; bob has the same kinds.
func deactivationSetup(t *testing.T, s store.Store, old time.Time) (ann, bob store.User) {
	t.Helper()
	newWorkspace(t, s, "hr")
	ann = newUser(t, s, "ann@example.com", func(u *store.User) { u.Admin = true })
	bob = newUser(t, s, "bob@example.com")
	for _, u := range []store.User{ann, bob} {
		newSession(t, s, u.ID, u.ID+"-s1")
		newSession(t, s, u.ID, u.ID+"-s2")
		newToken(t, s, u.ID, u.ID+"-t1")
		newToken(t, s, u.ID, u.ID+"-t2")
		newToken(t, s, u.ID, u.ID+"-old", func(tok *store.Token) { tok.RevokedAt = old })
		for _, w := range []string{store.DefaultWorkspace, "hr"} {
			setMember(t, s, store.Member{Workspace: w, UserID: u.ID, Role: store.RoleBuilder, Source: "manual"})
		}
		ownedFlow(t, s, "flow-of-"+u.Email, u.ID)
	}
	return ann, bob
}

// checkDeactivated checks that u has no access left.
func checkDeactivated(t *testing.T, s store.Store, u store.User, at, old time.Time) {
	t.Helper()
	ctx := t.Context()
	if got := getUser(t, s, u.ID); got.Active || !got.DeactivatedAt.Equal(at) {
		t.Errorf("after DeactivateUser: active %v, deactivated at %v; want false, %v", got.Active, got.DeactivatedAt, at)
	}
	for _, cookie := range []string{"-s1", "-s2"} {
		if _, err := s.SessionByHash(ctx, hashOf(u.ID+cookie), time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %s after DeactivateUser: %v; want ErrNotFound", cookie, err)
		}
	}
	toks, err := s.ListTokens(ctx, store.TokenFilter{UserID: u.ID})
	if err != nil || len(toks) != 3 {
		t.Fatalf("ListTokens = %d tokens, %v; want 3", len(toks), err)
	}
	for _, tok := range toks {
		want := at
		if tok.Name == u.ID+"-old" {
			want = old
		}
		if !tok.RevokedAt.Equal(want) {
			t.Errorf("token %s revoked at %v; want %v", tok.Name, tok.RevokedAt, want)
		}
		if _, err := s.TokenByHash(ctx, hashOf(tok.Name)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TokenByHash(%s) after DeactivateUser: %v; want ErrNotFound", tok.Name, err)
		}
	}
	if got := roles(t, s, u.ID); len(got) != 0 {
		t.Errorf("memberships after DeactivateUser: %v; want none", got)
	}
}

// checkUntouched checks that u kept all of deactivationSetup's access.
func checkUntouched(t *testing.T, s store.Store, u store.User) {
	t.Helper()
	ctx := t.Context()
	if got := getUser(t, s, u.ID); !got.Active {
		t.Errorf("%s is inactive", u.Email)
	}
	for _, secret := range []string{"-t1", "-t2"} {
		if _, err := s.TokenByHash(ctx, hashOf(u.ID+secret)); err != nil {
			t.Errorf("token %s of %s: %v", secret, u.Email, err)
		}
	}
	if _, err := s.SessionByHash(ctx, hashOf(u.ID+"-s1"), time.Now()); err != nil {
		t.Errorf("session of %s: %v", u.Email, err)
	}
	if got := roles(t, s, u.ID); len(got) != 2 {
		t.Errorf("memberships of %s: %v; want 2", u.Email, got)
	}
}

func flowOf(t *testing.T, s store.Store, u store.User) store.Flow {
	t.Helper()
	f, err := s.GetFlow(t.Context(), store.DefaultWorkspace, "flow-of-"+u.Email)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func testDeactivatePauses(t *testing.T, s store.Store) {
	ctx := t.Context()
	old, at := ms(time.Now().Add(-time.Hour)), ms(time.Now())
	ann, bob := deactivationSetup(t, s, old)
	d, err := s.DeactivateUser(ctx, store.Deactivation{UserID: ann.ID, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.Deactivated{Sessions: 2, Tokens: 2, Flows: 1}, d); diff != "" {
		t.Errorf("DeactivateUser (-want +got):\n%s", diff)
	}
	checkDeactivated(t, s, ann, at, old)
	checkUntouched(t, s, bob)
	if f := flowOf(t, s, ann); f.Enabled || f.Owner != ann.ID {
		t.Errorf("ann's flow: enabled %v, owner %q; want paused and still ann's", f.Enabled, f.Owner)
	}
	if f := flowOf(t, s, bob); !f.Enabled {
		t.Errorf("bob's flow was paused")
	}
	if n, err := s.CountAdmins(ctx); err != nil || n != 0 {
		t.Errorf("CountAdmins = %d, %v; want 0 once the admin is inactive", n, err)
	}
	again, err := s.DeactivateUser(ctx, store.Deactivation{UserID: ann.ID, At: at.Add(time.Hour)})
	if err != nil || again != (store.Deactivated{}) {
		t.Errorf("deactivating an inactive user = %+v, %v; want nothing changed", again, err)
	}
	checkDeactivated(t, s, ann, at, old)
	if _, err := s.DeactivateUser(ctx, store.Deactivation{UserID: "nobody"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeactivateUser(nobody): %v; want ErrNotFound", err)
	}
}

func testDeactivateReassigns(t *testing.T, s store.Store) {
	ctx := t.Context()
	old, at := ms(time.Now().Add(-time.Hour)), ms(time.Now())
	ann, bob := deactivationSetup(t, s, old)
	ownedFlow(t, s, "second-of-ann", ann.ID)
	d, err := s.DeactivateUser(ctx, store.Deactivation{UserID: ann.ID, ReassignTo: bob.ID, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.Deactivated{Sessions: 2, Tokens: 2, Flows: 2, Reassigned: true}, d); diff != "" {
		t.Errorf("DeactivateUser (-want +got):\n%s", diff)
	}
	checkDeactivated(t, s, ann, at, old)
	checkUntouched(t, s, bob)
	flows, err := s.ListFlows(ctx, store.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flows {
		if !f.Enabled || f.Owner != bob.ID {
			t.Errorf("flow %s: enabled %v, owner %q; want running and bob's", f.Name, f.Enabled, f.Owner)
		}
	}
}

// testDeactivateReassignToInactive checks that a hand-over to someone who
// cannot take it fails, and that the failure undoes everything.
func testDeactivateReassignToInactive(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann, bob := deactivationSetup(t, s, ms(time.Now().Add(-time.Hour)))
	carl := newUser(t, s, "carl@example.com", func(u *store.User) { u.Active = false })
	for _, to := range []string{carl.ID, "nobody", ann.ID} {
		_, err := s.DeactivateUser(ctx, store.Deactivation{UserID: ann.ID, ReassignTo: to, At: time.Now()})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("handing the flows over to %s: %v; want ErrNotFound", to, err)
		}
	}
	checkUntouched(t, s, ann)
	checkUntouched(t, s, bob)
	if f := flowOf(t, s, ann); !f.Enabled || f.Owner != ann.ID {
		t.Errorf("ann's flow after failed hand-overs: enabled %v, owner %q", f.Enabled, f.Owner)
	}
}

func testReactivate(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann, _ := deactivationSetup(t, s, ms(time.Now().Add(-time.Hour)))
	if _, err := s.DeactivateUser(ctx, store.Deactivation{UserID: ann.ID, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReactivateUser(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	got := getUser(t, s, ann.ID)
	if !got.Active || !got.DeactivatedAt.IsZero() {
		t.Errorf("after ReactivateUser: active %v, deactivated at %v; want true, never", got.Active, got.DeactivatedAt)
	}
	if n, err := s.CountAdmins(ctx); err != nil || n != 1 {
		t.Errorf("CountAdmins = %d, %v; want the reactivated admin", n, err)
	}
	// What the deactivation removed stays removed.
	if _, err := s.TokenByHash(ctx, hashOf(ann.ID+"-t1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a token revoked by the deactivation: %v; want ErrNotFound", err)
	}
	if r := roles(t, s, ann.ID); len(r) != 0 {
		t.Errorf("memberships after ReactivateUser: %v; want none", r)
	}
	if err := s.ReactivateUser(ctx, ann.ID); err != nil {
		t.Errorf("reactivating an active user: %v", err)
	}
	if err := s.ReactivateUser(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReactivateUser(nobody): %v; want ErrNotFound", err)
	}
}

func testFlowOwner(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := ownedFlow(t, s, "leads", "ann")
	if f.Owner != "ann" {
		t.Fatalf("new flow's owner %q; want ann", f.Owner)
	}
	in := store.PutFlow{Workspace: store.DefaultWorkspace, Name: "leads", Document: []byte("v2"),
		Format: "yaml", Trigger: "manual", By: "bob", Owner: "bob"}
	v2, changed, err := s.PutFlow(ctx, in)
	if err != nil || !changed || v2.Owner != "ann" {
		t.Errorf("a new version by bob: owner %q, changed %v, %v; want ann's still", v2.Owner, changed, err)
	}
	same, _, err := s.PutFlow(ctx, in)
	if err != nil || same.Owner != "ann" {
		t.Errorf("the same version again: owner %q, %v", same.Owner, err)
	}
	byName, err1 := s.GetFlow(ctx, store.DefaultWorkspace, "leads")
	byID, err2 := s.GetFlowByID(ctx, f.ID)
	byHook, err3 := optional[store.WebhookFinder](t, s).FlowByWebhookID(ctx, f.WebhookID)
	list, err4 := s.ListFlows(ctx, store.DefaultWorkspace)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("ListFlows: %d flows; want 1", len(list))
	}
	for name, got := range map[string]store.Flow{"GetFlow": byName, "GetFlowByID": byID, "FlowByWebhookID": byHook, "ListFlows": list[0]} {
		if got.Owner != "ann" {
			t.Errorf("%s: owner %q; want ann", name, got.Owner)
		}
	}
}
