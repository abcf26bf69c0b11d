package storetest

import (
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

// addIdentityTests adds the cases of store.IdentityStore (and of the
// owners and revocation of tokens and flows) to the suite.
func addIdentityTests(tests map[string]func(t *testing.T, s store.Store)) {
	tests["UserCreateGet"] = testUserCreateGet
	tests["UserList"] = testUserList
	tests["UserUpdate"] = testUserUpdate
	tests["UserConflicts"] = testUserConflicts
	tests["UserCountAdmins"] = testUserCountAdmins
	tests["UserLoginFailed"] = testUserLoginFailed
	tests["UserLoginFailedConcurrent"] = testUserLoginFailedConcurrent
	tests["UserByResetHash"] = testUserByResetHash
	tests["Workspaces"] = testWorkspaces
	tests["Members"] = testMembers
	tests["MembersReplaceSSO"] = testMembersReplaceSSO
	tests["Sessions"] = testSessions
	tests["SessionsDeleteUser"] = testSessionsDeleteUser
	tests["TokenOwners"] = testTokenOwners
	tests["TokenRevoke"] = testTokenRevoke
	tests["DeactivatePauses"] = testDeactivatePauses
	tests["DeactivateReassigns"] = testDeactivateReassigns
	tests["DeactivateReassignToInactive"] = testDeactivateReassignToInactive
	tests["Reactivate"] = testReactivate
	tests["FlowOwner"] = testFlowOwner
	tests["Settings"] = testSettings
	tests["SettingsConcurrentInit"] = testSettingsConcurrentInit
}

// hashOf is the sha256 of s, as callers hash secrets.
func hashOf(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// newUser stores an active user with email and fails the test on error;
// change adjusts the user before it is stored.
func newUser(t *testing.T, s store.Store, email string, change ...func(*store.User)) store.User {
	t.Helper()
	now := ms(time.Now())
	u := store.User{ID: newID(t), Email: email, Name: "Name of " + email, Active: true,
		CreatedAt: now, UpdatedAt: now}
	for _, c := range change {
		c(&u)
	}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func getUser(t *testing.T, s store.Store, id string) store.User {
	t.Helper()
	u, err := s.GetUser(t.Context(), id)
	if err != nil {
		t.Fatalf("GetUser(%s): %v", id, err)
	}
	return u
}

func testUserCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := ms(time.Now())
	u := newUser(t, s, "Ann@Example.com", func(u *store.User) {
		u.Admin, u.PasswordHash = true, "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA"
		u.Issuer, u.Subject = "https://idp.example.com", "sub-ann"
		u.ResetHash, u.ResetExpires = hashOf("reset"), now.Add(time.Hour)
	})
	if diff := cmp.Diff(u, getUser(t, s, u.ID)); diff != "" {
		t.Errorf("GetUser (-created +got):\n%s", diff)
	}
	for _, email := range []string{"Ann@Example.com", "ann@example.com", "ANN@EXAMPLE.COM"} {
		got, err := s.UserByEmail(ctx, email)
		if err != nil || got.ID != u.ID {
			t.Errorf("UserByEmail(%s) = %s, %v; want %s", email, got.ID, err, u.ID)
		}
	}
	got, err := s.UserBySubject(ctx, "https://idp.example.com", "sub-ann")
	if err != nil || got.ID != u.ID {
		t.Errorf("UserBySubject = %s, %v; want %s", got.ID, err, u.ID)
	}
	plain := newUser(t, s, "bob@example.com")
	if got := getUser(t, s, plain.ID); got.ResetHash != nil || !got.LockedUntil.IsZero() || got.Admin {
		t.Errorf("a plain user reads back %+v", got)
	}
	for name, err := range map[string]error{
		"GetUser":                  second(s.GetUser(ctx, "nobody")),
		"UserByEmail":              second(s.UserByEmail(ctx, "nobody@example.com")),
		"UserBySubject":            second(s.UserBySubject(ctx, "https://idp.example.com", "sub-bob")),
		"UserBySubject(other idp)": second(s.UserBySubject(ctx, "https://other.example.com", "sub-ann")),
		"UserBySubject(empty)":     second(s.UserBySubject(ctx, "", "")),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v; want ErrNotFound", name, err)
		}
	}
}

// second is the error of a two-valued call.
func second[T any](_ T, err error) error { return err }

func testUserList(t *testing.T, s store.Store) {
	newUser(t, s, "bob@example.com")
	newUser(t, s, "Ann@example.com")
	newUser(t, s, "carl@example.com", func(u *store.User) { u.Active = false })
	list, err := s.ListUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range list {
		emails = append(emails, u.Email)
	}
	want := []string{"Ann@example.com", "bob@example.com", "carl@example.com"}
	if diff := cmp.Diff(want, emails); diff != "" {
		t.Errorf("ListUsers by email, without regard to case (-want +got):\n%s", diff)
	}
}

func testUserUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann@example.com")
	other := newUser(t, s, "bob@example.com")
	if _, err := s.LoginFailed(ctx, u.ID, 10, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := u
	want.Email, want.Name, want.Admin, want.PasswordHash = "ann.new@example.com", "Ann New", true, "$argon2id$new"
	want.Issuer, want.Subject = "https://idp.example.com", "sub-ann"
	want.ResetHash, want.ResetExpires, want.UpdatedAt = hashOf("r"), ms(time.Now().Add(time.Hour)), ms(time.Now().Add(time.Minute))
	update := want
	update.Active, update.FailedLogins = false, 0 // changed only by their own calls
	if err := s.UpdateUser(ctx, update); err != nil {
		t.Fatal(err)
	}
	want.FailedLogins = 1
	if diff := cmp.Diff(want, getUser(t, s, u.ID)); diff != "" {
		t.Errorf("after UpdateUser (-want +got):\n%s", diff)
	}
	want.ResetHash, want.ResetExpires = nil, time.Time{}
	if err := s.UpdateUser(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got := getUser(t, s, u.ID); got.ResetHash != nil || !got.ResetExpires.IsZero() {
		t.Errorf("clearing the reset token left %x until %v", got.ResetHash, got.ResetExpires)
	}
	taken := other
	taken.Email = "ANN.NEW@example.com"
	if err := s.UpdateUser(ctx, taken); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateUser to another user's email: %v; want ErrConflict", err)
	}
	if err := s.UpdateUser(ctx, store.User{ID: "nobody", Email: "x@example.com"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser of nobody: %v; want ErrNotFound", err)
	}
}

func testUserConflicts(t *testing.T, s store.Store) {
	ctx := t.Context()
	sso := func(issuer, subject string) func(*store.User) {
		return func(u *store.User) { u.Issuer, u.Subject = issuer, subject }
	}
	newUser(t, s, "ann@example.com", sso("https://idp.example.com", "s1"))
	for name, u := range map[string]store.User{
		"the same email in another case": {ID: newID(t), Email: "ANN@example.com", Active: true},
		"the same sso identity":          {ID: newID(t), Email: "other@example.com", Issuer: "https://idp.example.com", Subject: "s1"},
	} {
		if err := s.CreateUser(ctx, u); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a user with %s: %v; want ErrConflict", name, err)
		}
	}
	// The same subject at another provider is another person, and many
	// users have no sso identity.
	newUser(t, s, "bob@example.com", sso("https://other.example.com", "s1"))
	newUser(t, s, "carl@example.com")
	newUser(t, s, "dora@example.com")
}

func testUserCountAdmins(t *testing.T, s store.Store) {
	ctx := t.Context()
	if n, err := s.CountAdmins(ctx); err != nil || n != 0 {
		t.Errorf("CountAdmins of an empty store = %d, %v; want 0", n, err)
	}
	admin := func(u *store.User) { u.Admin = true }
	newUser(t, s, "ann@example.com", admin)
	newUser(t, s, "bob@example.com", admin, func(u *store.User) { u.Active = false })
	newUser(t, s, "carl@example.com")
	if n, err := s.CountAdmins(ctx); err != nil || n != 1 {
		t.Errorf("CountAdmins = %d, %v; want 1 (inactive admins do not count)", n, err)
	}
}

func testUserLoginFailed(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser(t, s, "ann@example.com")
	until := ms(time.Now().Add(15 * time.Minute))
	for i, want := range []struct {
		count  int
		locked time.Time
	}{{1, time.Time{}}, {2, time.Time{}}, {0, until}} {
		got, err := s.LoginFailed(ctx, u.ID, 3, until)
		if err != nil {
			t.Fatal(err)
		}
		if got.FailedLogins != want.count || !got.LockedUntil.Equal(want.locked) || got.ID != u.ID || got.Email != u.Email {
			t.Errorf("failure %d: count %d, locked until %v; want %d, %v", i+1, got.FailedLogins, got.LockedUntil, want.count, want.locked)
		}
	}
	if got := getUser(t, s, u.ID); got.FailedLogins != 0 || !got.LockedUntil.Equal(until) {
		t.Errorf("stored after the lock: count %d, locked until %v", got.FailedLogins, got.LockedUntil)
	}
	if got, err := s.LoginFailed(ctx, u.ID, 3, until.Add(time.Hour)); err != nil || got.FailedLogins != 1 || !got.LockedUntil.Equal(until) {
		t.Errorf("a failure after the lock = %d, %v, %v; want count 1 and the lock unchanged", got.FailedLogins, got.LockedUntil, err)
	}
	if err := s.LoginSucceeded(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := getUser(t, s, u.ID); got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
		t.Errorf("after LoginSucceeded: count %d, locked until %v; want 0, never", got.FailedLogins, got.LockedUntil)
	}
	if _, err := s.LoginFailed(ctx, "nobody", 3, until); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LoginFailed(nobody): %v; want ErrNotFound", err)
	}
	if err := s.LoginSucceeded(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LoginSucceeded(nobody): %v; want ErrNotFound", err)
	}
}

// testUserLoginFailedConcurrent checks that failures at the same time all
// count: each call answers a count of its own.
func testUserLoginFailedConcurrent(t *testing.T, s store.Store) {
	u := newUser(t, s, "ann@example.com")
	const n = 20
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got, err := s.LoginFailed(t.Context(), u.ID, 1000, time.Now().Add(time.Hour))
			if err != nil {
				t.Errorf("LoginFailed: %v", err)
			}
			counts[i] = got.FailedLogins
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, c := range counts {
		seen[c] = true
	}
	if got := getUser(t, s, u.ID).FailedLogins; got != n || len(seen) != n {
		t.Errorf("after %d concurrent failures: count %d, answers %v; want %d distinct answers", n, got, counts, n)
	}
}

func testUserByResetHash(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := ms(time.Now())
	reset := func(token string) func(*store.User) {
		return func(u *store.User) { u.ResetHash, u.ResetExpires = hashOf(token), now.Add(time.Hour) }
	}
	u := newUser(t, s, "ann@example.com", reset("ann-token"))
	newUser(t, s, "bob@example.com", reset("bob-token"), func(u *store.User) { u.Active = false })
	got, err := s.UserByResetHash(ctx, hashOf("ann-token"), now)
	if err != nil || got.ID != u.ID {
		t.Errorf("UserByResetHash = %s, %v; want %s", got.ID, err, u.ID)
	}
	for name, err := range map[string]error{
		"expired":  second(s.UserByResetHash(ctx, hashOf("ann-token"), now.Add(2*time.Hour))),
		"inactive": second(s.UserByResetHash(ctx, hashOf("bob-token"), now)),
		"unknown":  second(s.UserByResetHash(ctx, hashOf("other"), now)),
		"empty":    second(s.UserByResetHash(ctx, nil, now)),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByResetHash(%s): %v; want ErrNotFound", name, err)
		}
	}
}
