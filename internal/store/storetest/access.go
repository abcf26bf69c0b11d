package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

// newSession stores a session of the user, live for an hour, whose
// cookie value is cookie.
func newSession(t *testing.T, s store.Store, userID, cookie string) store.Session {
	t.Helper()
	now := ms(time.Now())
	x := store.Session{ID: newID(t), Hash: hashOf(cookie), UserID: userID, Source: "192.0.2.7",
		UserAgent: "Firefox", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeen: now}
	if err := s.CreateSession(t.Context(), x); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return x
}

// newToken stores a token of the user whose secret is secret.
func newToken(t *testing.T, s store.Store, userID, secret string, change ...func(*store.Token)) store.Token {
	t.Helper()
	tok := store.Token{ID: newID(t), Name: secret, Hash: hashOf(secret), Role: store.RoleBuilder,
		Workspace: store.DefaultWorkspace, UserID: userID, CreatedAt: ms(time.Now())}
	for _, c := range change {
		c(&tok)
	}
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateToken(%s): %v", secret, err)
	}
	return tok
}

// ownedFlow saves a flow owned by owner.
func ownedFlow(t *testing.T, s store.Store, name, owner string) store.Flow {
	t.Helper()
	f, _, err := s.PutFlow(t.Context(), store.PutFlow{Workspace: store.DefaultWorkspace, Name: name,
		Document: []byte("name: " + name), Format: "yaml", Trigger: "manual", By: owner, Owner: owner})
	if err != nil {
		t.Fatalf("PutFlow(%s): %v", name, err)
	}
	return f
}

func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann := newUser(t, s, "ann@example.com")
	x := newSession(t, s, ann.ID, "cookie-1")
	got, err := s.SessionByHash(ctx, hashOf("cookie-1"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(x, got); diff != "" {
		t.Errorf("SessionByHash (-created +got):\n%s", diff)
	}
	seen := ms(time.Now().Add(time.Minute))
	if err := s.TouchSession(ctx, x.ID, seen); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionByHash(ctx, x.Hash, time.Now()); err != nil || !got.LastSeen.Equal(seen) {
		t.Errorf("after TouchSession: last seen %v, %v; want %v", got.LastSeen, err, seen)
	}
	dup := x
	dup.ID = newID(t)
	if err := s.CreateSession(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second session with the same hash: %v; want ErrConflict", err)
	}
	bob := newUser(t, s, "bob@example.com", func(u *store.User) { u.Active = false })
	newSession(t, s, bob.ID, "cookie-bob")
	for name, err := range map[string]error{
		"expired":              second(s.SessionByHash(ctx, x.Hash, time.Now().Add(2*time.Hour))),
		"of an inactive user":  second(s.SessionByHash(ctx, hashOf("cookie-bob"), time.Now())),
		"unknown":              second(s.SessionByHash(ctx, hashOf("other"), time.Now())),
		"TouchSession(nobody)": s.TouchSession(ctx, "nobody", time.Now()),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %s: %v; want ErrNotFound", name, err)
		}
	}
	if err := s.DeleteSession(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByHash(ctx, x.Hash, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SessionByHash after DeleteSession: %v; want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, x.ID); err != nil {
		t.Errorf("deleting a deleted session: %v; want no error", err)
	}
}

func testSessionsDeleteUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann := newUser(t, s, "ann@example.com")
	bob := newUser(t, s, "bob@example.com")
	newSession(t, s, ann.ID, "a1")
	newSession(t, s, ann.ID, "a2")
	newSession(t, s, bob.ID, "b1")
	if n, err := s.DeleteUserSessions(ctx, ann.ID); err != nil || n != 2 {
		t.Errorf("DeleteUserSessions = %d, %v; want 2", n, err)
	}
	if n, err := s.DeleteUserSessions(ctx, ann.ID); err != nil || n != 0 {
		t.Errorf("DeleteUserSessions again = %d, %v; want 0", n, err)
	}
	if _, err := s.SessionByHash(ctx, hashOf("b1"), time.Now()); err != nil {
		t.Errorf("another user's session: %v", err)
	}
}

func testTokenOwners(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann := newUser(t, s, "ann@example.com")
	now := ms(time.Now())
	at := func(d time.Duration, workspace string) func(*store.Token) {
		return func(tok *store.Token) { tok.CreatedAt, tok.Workspace = now.Add(d), workspace }
	}
	older := newToken(t, s, ann.ID, "ann-hr", at(-2*time.Minute, "hr"))
	newer := newToken(t, s, ann.ID, "ann-default", at(-time.Minute, store.DefaultWorkspace))
	install := newToken(t, s, "", "install", at(0, store.DefaultWorkspace), func(tok *store.Token) { tok.Role = store.RoleAdmin })
	got, err := s.TokenByHash(ctx, hashOf("ann-hr"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(older, got); diff != "" {
		t.Errorf("TokenByHash (-created +got):\n%s", diff)
	}
	unhashed := func(toks ...store.Token) []store.Token {
		for i := range toks {
			toks[i].Hash = nil
		}
		return toks
	}
	for _, c := range []struct {
		filter store.TokenFilter
		want   []store.Token
	}{
		{store.TokenFilter{}, unhashed(install, newer, older)},
		{store.TokenFilter{UserID: ann.ID}, unhashed(newer, older)},
		{store.TokenFilter{Workspace: "hr"}, unhashed(older)},
		{store.TokenFilter{UserID: ann.ID, Workspace: store.DefaultWorkspace}, unhashed(newer)},
		{store.TokenFilter{UserID: "nobody"}, nil},
	} {
		list, err := s.ListTokens(ctx, c.filter)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, list); diff != "" {
			t.Errorf("ListTokens(%+v), newest first and without hashes (-want +got):\n%s", c.filter, diff)
		}
	}
	one, err := s.GetToken(ctx, older.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(unhashed(older)[0], one); diff != "" {
		t.Errorf("GetToken (-want +got):\n%s", diff)
	}
	if _, err := s.GetToken(ctx, "nothing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetToken(nothing): %v; want ErrNotFound", err)
	}
	bob := newUser(t, s, "bob@example.com", func(u *store.User) { u.Active = false })
	newToken(t, s, bob.ID, "bob")
	if _, err := s.TokenByHash(ctx, hashOf("bob")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash of an inactive user's token: %v; want ErrNotFound", err)
	}
}

func testTokenRevoke(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann := newUser(t, s, "ann@example.com")
	tok := newToken(t, s, ann.ID, "ann")
	newToken(t, s, ann.ID, "ann-2")
	revoked := ms(time.Now())
	if err := s.RevokeToken(ctx, tok.ID, revoked); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByHash(ctx, tok.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TokenByHash of a revoked token: %v; want ErrNotFound", err)
	}
	if err := s.RevokeToken(ctx, tok.ID, revoked.Add(time.Hour)); err != nil {
		t.Errorf("revoking a revoked token: %v; want no error", err)
	}
	if got, err := s.GetToken(ctx, tok.ID); err != nil || !got.RevokedAt.Equal(revoked) {
		t.Errorf("GetToken of a revoked token: revoked at %v, %v; want %v (the first revocation)", got.RevokedAt, err, revoked)
	}
	if list, err := s.ListTokens(ctx, store.TokenFilter{UserID: ann.ID}); err != nil || len(list) != 2 {
		t.Errorf("ListTokens lists %d tokens, %v; want 2, the revoked one too", len(list), err)
	}
	if n, err := s.CountTokens(ctx); err != nil || n != 1 {
		t.Errorf("CountTokens = %d, %v; want 1 (revoked tokens are not live)", n, err)
	}
	if err := s.RevokeToken(ctx, "nothing", revoked); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken(nothing): %v; want ErrNotFound", err)
	}
}
