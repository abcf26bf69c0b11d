package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bistro-dev/bistro/internal/store"
)

// ConnectionDumper is what the suite needs to see what a backend wrote
// for a connection exactly as the database holds it (every column of its
// rows, as text). Every backend implements it.
type ConnectionDumper interface {
	DumpConnection(ctx context.Context, id string) (string, error)
}

// addConnectionTests adds the cases of store.ConnectionStore to the suite.
func addConnectionTests(tests map[string]func(t *testing.T, s store.Store)) {
	tests["ConnectionCreateGet"] = testConnectionCreateGet
	tests["ConnectionUpdateSecrets"] = testConnectionUpdateSecrets
	tests["ConnectionNames"] = testConnectionNames
	tests["ConnectionDelete"] = testConnectionDelete
	tests["ConnectionReseal"] = testConnectionReseal
	tests["ConnectionDump"] = testConnectionDump
}

// envelope is a stand-in for a sealed secret: the store keeps envelopes
// as they are and never looks inside.
func envelope(s string) []byte { return []byte("bistro-secret:v1:test:" + s) }

func putConnection(t *testing.T, s store.Store, in store.PutConnection) store.Connection {
	t.Helper()
	if in.ID == "" {
		in.ID = newID(t)
	}
	if in.Workspace == "" {
		in.Workspace = store.DefaultWorkspace
	}
	c, err := s.PutConnection(t.Context(), in)
	if err != nil {
		t.Fatalf("PutConnection(%q): %v", in.Name, err)
	}
	return c
}

// sameConfig compares JSON by value: PostgreSQL's jsonb keeps neither
// spacing nor key order.
var sameConfig = cmp.Comparer(func(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
})

func testConnectionCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := store.PutConnection{ID: newID(t), Workspace: store.DefaultWorkspace, Name: "crm-db", Connector: "postgres",
		Config:  json.RawMessage(`{"host":"db.internal","port":5432,"tls":{"mode":"require"}}`),
		Secrets: map[string][]byte{"password": envelope("a"), "tls.key": envelope("b")},
		Labels:  []string{"pii", "finance"}, By: "ann"}
	c := putConnection(t, s, in)
	want := store.Connection{ID: in.ID, Workspace: in.Workspace, Name: "crm-db", Connector: "postgres",
		Config: in.Config, Secrets: in.Secrets, Labels: in.Labels, CreatedBy: "ann", UpdatedBy: "ann"}
	if diff := cmp.Diff(want, c, sameConfig, cmpopts.IgnoreFields(store.Connection{}, "CreatedAt", "UpdatedAt")); diff != "" {
		t.Errorf("PutConnection (-want +got):\n%s", diff)
	}
	if c.CreatedAt.IsZero() || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Errorf("times of a new connection: created %v, updated %v", c.CreatedAt, c.UpdatedAt)
	}
	got, err := s.GetConnection(ctx, store.DefaultWorkspace, "crm-db")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got, sameConfig); diff != "" {
		t.Errorf("GetConnection differs from PutConnection's result (-put +get):\n%s", diff)
	}
	putConnection(t, s, store.PutConnection{Name: "alerts", Connector: "smtp", Config: json.RawMessage(`{}`), By: "ann"})
	list, err := s.ListConnections(ctx, store.DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "alerts" || list[1].Name != "crm-db" {
		t.Fatalf("ListConnections: %+v; want alerts, crm-db", list)
	}
	if diff := cmp.Diff(c, list[1], sameConfig); diff != "" {
		t.Errorf("listed connection differs (-put +list):\n%s", diff)
	}
	if len(list[0].Secrets) != 0 || list[0].Labels != nil {
		t.Errorf("a connection without secrets or labels lists %v, %v", list[0].Secrets, list[0].Labels)
	}
}

func testConnectionUpdateSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := putConnection(t, s, store.PutConnection{Name: "crm", Connector: "postgres", Config: json.RawMessage(`{"host":"a"}`),
		Secrets: map[string][]byte{"password": envelope("one"), "token": envelope("tok")}, By: "ann"})
	// An update that names no secret keeps them all.
	kept := putConnection(t, s, store.PutConnection{ID: c.ID, Name: "crm", Connector: "postgres",
		Config: json.RawMessage(`{"host":"b"}`), Labels: []string{"pii"}, By: "bob"})
	if diff := cmp.Diff(c.Secrets, kept.Secrets); diff != "" {
		t.Errorf("an update without secrets changed them (-before +after):\n%s", diff)
	}
	if !cmp.Equal(kept.Config, json.RawMessage(`{"host":"b"}`), sameConfig) || kept.UpdatedBy != "bob" ||
		kept.CreatedBy != "ann" || !kept.CreatedAt.Equal(c.CreatedAt) || kept.UpdatedAt.Before(c.UpdatedAt) {
		t.Errorf("update: %+v", kept)
	}
	// One secret replaced, one cleared.
	changed := putConnection(t, s, store.PutConnection{ID: c.ID, Name: "crm", Connector: "postgres",
		Config: json.RawMessage(`{"host":"b"}`), Secrets: map[string][]byte{"password": envelope("two")},
		Clear: []string{"token", "never-set"}, By: "bob"})
	want := map[string][]byte{"password": envelope("two")}
	if diff := cmp.Diff(want, changed.Secrets); diff != "" {
		t.Errorf("secrets after replace and clear (-want +got):\n%s", diff)
	}
	got, err := s.GetConnection(ctx, store.DefaultWorkspace, "crm")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Secrets); diff != "" {
		t.Errorf("stored secrets (-want +got):\n%s", diff)
	}
	// Renaming keeps the id, so the secrets stay bound to it.
	renamed := putConnection(t, s, store.PutConnection{ID: c.ID, Name: "crm2", Connector: "postgres", Config: json.RawMessage(`{}`), By: "bob"})
	if renamed.ID != c.ID || renamed.Name != "crm2" || len(renamed.Secrets) != 1 {
		t.Errorf("rename: %+v", renamed)
	}
	if _, err := s.GetConnection(ctx, store.DefaultWorkspace, "crm"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old name still finds the connection: %v", err)
	}
}

func testConnectionNames(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := putConnection(t, s, store.PutConnection{Name: "db", Connector: "postgres", By: "ann"})
	_, err := s.PutConnection(ctx, store.PutConnection{ID: newID(t), Workspace: store.DefaultWorkspace, Name: "db", Connector: "redis", By: "bob"})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second connection called db: %v; want ErrConflict", err)
	}
	other := putConnection(t, s, store.PutConnection{Workspace: "elsewhere", Name: "db", Connector: "redis", By: "bob"})
	if other.ID == a.ID || other.Workspace != "elsewhere" {
		t.Errorf("the same name in another workspace: %+v", other)
	}
	// An id of another workspace is never updated from this one.
	_, err = s.PutConnection(ctx, store.PutConnection{ID: other.ID, Workspace: store.DefaultWorkspace, Name: "hijack", Connector: "redis", By: "eve"})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("updating another workspace's connection: %v; want ErrConflict", err)
	}
	got, err := s.GetConnection(ctx, "elsewhere", "db")
	if err != nil || got.Connector != "redis" || got.UpdatedBy != "bob" {
		t.Errorf("the other workspace's connection changed: %+v, %v", got, err)
	}
	list, err := s.ListConnections(ctx, "elsewhere")
	if err != nil || len(list) != 1 || list[0].ID != other.ID {
		t.Errorf("ListConnections(elsewhere) = %+v, %v", list, err)
	}
}

func testConnectionDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := putConnection(t, s, store.PutConnection{Name: "db", Connector: "postgres", Secrets: map[string][]byte{"password": envelope("x")}, By: "ann"})
	keep := putConnection(t, s, store.PutConnection{Name: "keep", Connector: "postgres", Secrets: map[string][]byte{"password": envelope("y")}, By: "ann"})
	if err := s.DeleteConnection(ctx, store.DefaultWorkspace, "db"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetConnection(ctx, store.DefaultWorkspace, "db"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetConnection after delete: %v; want ErrNotFound", err)
	}
	for _, name := range []string{"db", "never"} {
		if err := s.DeleteConnection(ctx, store.DefaultWorkspace, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteConnection(%s): %v; want ErrNotFound", name, err)
		}
	}
	if err := s.DeleteConnection(ctx, "elsewhere", "keep"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting from another workspace: %v; want ErrNotFound", err)
	}
	sealed, err := s.ListSealed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Sealed{{ConnectionID: keep.ID, Workspace: store.DefaultWorkspace, Name: "keep", Field: "password", Envelope: envelope("y")}}
	if diff := cmp.Diff(want, sealed); diff != "" {
		t.Errorf("secrets left after deleting %s (-want +got):\n%s", c.ID, diff)
	}
}

func testConnectionReseal(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := putConnection(t, s, store.PutConnection{Name: "a", Connector: "postgres", By: "ann",
		Secrets: map[string][]byte{"password": envelope("a1"), "tls.key": envelope("a2")}})
	b := putConnection(t, s, store.PutConnection{Workspace: "elsewhere", Name: "b", Connector: "redis", By: "ann",
		Secrets: map[string][]byte{"password": envelope("b1")}})
	sealed, err := s.ListSealed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 3 {
		t.Fatalf("ListSealed: %d envelopes, want 3 (of every workspace): %+v", len(sealed), sealed)
	}
	n, err := s.Reseal(ctx, []store.Reseal{
		{ConnectionID: a.ID, Field: "password", Old: envelope("a1"), New: envelope("a1-new")},
		{ConnectionID: b.ID, Field: "password", Old: envelope("b1"), New: envelope("b1-new")},
		// Changed since it was read: left alone.
		{ConnectionID: a.ID, Field: "tls.key", Old: envelope("stale"), New: envelope("lost")},
		// Gone: nothing to replace.
		{ConnectionID: a.ID, Field: "nothing", Old: envelope("x"), New: envelope("y")},
	})
	if err != nil || n != 2 {
		t.Fatalf("Reseal = %d, %v; want 2", n, err)
	}
	gotA, err := s.GetConnection(ctx, store.DefaultWorkspace, "a")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"password": envelope("a1-new"), "tls.key": envelope("a2")}
	if diff := cmp.Diff(want, gotA.Secrets); diff != "" {
		t.Errorf("after Reseal (-want +got):\n%s", diff)
	}
	gotB, err := s.GetConnection(ctx, "elsewhere", "b")
	if err != nil || string(gotB.Secrets["password"]) != string(envelope("b1-new")) {
		t.Errorf("after Reseal, b: %+v, %v", gotB.Secrets, err)
	}
}

func testConnectionDump(t *testing.T, s store.Store) {
	d := optional[ConnectionDumper](t, s)
	c := putConnection(t, s, store.PutConnection{Name: "db", Connector: "postgres", Config: json.RawMessage(`{"host":"db.internal"}`),
		Secrets: map[string][]byte{"password": envelope("sealed-value")}, By: "ann"})
	raw, err := d.DumpConnection(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{c.ID, "db.internal", string(envelope("sealed-value")), "password"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the dump lacks %q:\n%s", want, raw)
		}
	}
}
