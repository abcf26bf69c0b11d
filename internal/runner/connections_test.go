package runner

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/connpool"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/secret"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

// vault is a small connector for these tests: it dials host:port through
// the lent Dial, and, like many drivers, puts the password in its errors.
type vault struct{}

func (vault) Spec() connector.Spec {
	return connector.Spec{Name: "vault", Title: "Vault", Version: "1.0.0", Category: "test", Description: "A test connector.",
		Config: []connector.Field{
			{Name: "host", Type: connector.String, Required: true, Help: "The server's name."},
			{Name: "port", Type: connector.Int, Required: true, Help: "The server's port."},
			{Name: "user", Type: connector.String, Help: "Who logs in."},
			{Name: "password", Type: connector.String, Required: true, Secret: true, Help: "The password."},
			{Name: "auth", Type: connector.Object, Help: "More credentials.", Fields: []connector.Field{
				{Name: "token", Type: connector.String, Secret: true, Help: "A token."},
			}},
		},
		Actions: []connector.Action{
			{Name: "echo", Title: "Echo", Description: "Emits the host it talks to.", Output: "One record."},
			{Name: "fail", Title: "Fail", Description: "Fails the way a driver does.", Output: "Nothing."},
		},
	}
}

func (vault) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	addr := net.JoinHostPort(config["host"].(string), fmt.Sprint(config["port"]))
	c, err := env.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("could not reach %s (password %s): %w", addr, config["password"], err)
	}
	return &vaultConn{c: c, config: config}, nil
}

type vaultConn struct {
	c      net.Conn
	config map[string]any
}

func (v *vaultConn) Do(_ context.Context, req connector.Request, emit func(map[string]any) error) error {
	if req.Action == "fail" {
		return connector.Permanent(fmt.Errorf("login failed for %v with password %v", v.config["user"], v.config["password"]))
	}
	return emit(map[string]any{"host": v.config["host"], "token": v.config["auth"]})
}

func (v *vaultConn) Ping(context.Context) error { return nil }
func (v *vaultConn) Close() error               { return v.c.Close() }

func findVault(name string) (connector.Connector, bool) {
	if name == "vault" {
		return vault{}, true
	}
	return nil, false
}

// newKeyring is a keyring of fresh random keys, the first current.
func newKeyring(t testing.TB, ids ...string) *secret.Keyring {
	t.Helper()
	keys := make([]secret.Key, len(ids))
	for i, id := range ids {
		keys[i] = secret.Key{ID: id, Bytes: make([]byte, secret.KeySize)}
		_, _ = rand.Read(keys[i].Bytes)
	}
	kr, err := secret.NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// keyPair is two keyrings over the same keys: {k1} and {k2, k1}.
func keyPair(t testing.TB) (old, rotated *secret.Keyring) {
	t.Helper()
	k1, k2 := make([]byte, secret.KeySize), make([]byte, secret.KeySize)
	_, _ = rand.Read(k1)
	_, _ = rand.Read(k2)
	build := func(keys ...secret.Key) *secret.Keyring {
		for i := range keys {
			keys[i].Bytes = append([]byte(nil), keys[i].Bytes...) // NewKeyring zeroes them
		}
		kr, err := secret.NewKeyring(keys)
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	return build(secret.Key{ID: "k1", Bytes: k1}), build(secret.Key{ID: "k2", Bytes: k2}, secret.Key{ID: "k1", Bytes: k1})
}

// withVault configures a runner for the vault connector: a keyring and a
// Dial that reaches loopback only.
func withVault(kr *secret.Keyring) func(*Config) {
	return func(c *Config) {
		nets, _ := egress.ParseAllow([]string{"127.0.0.1"})
		c.Keyring, c.Connectors = kr, findVault
		c.ConnEnv = connector.Env{Dial: egress.Policy{Allow: nets}.Dialer().DialContext}
	}
}

// listenPort accepts connections until the test ends and returns its port.
func listenPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort is a loopback port nothing listens on.
func closedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func vaultSettings(port int, password string) api.ConnectionSettings {
	return api.ConnectionSettings{Connector: "vault", Config: map[string]any{
		"host": "127.0.0.1", "port": float64(port), "user": "ann", "password": password}}
}

// password is a secret unique to the test, long enough to be redacted.
func password() string { return "pw-" + rand.Text() }

func (f *fixture) create(name string, in api.ConnectionSettings) api.Connection {
	f.t.Helper()
	c, err := f.CreateConnection(context.Background(), store.DefaultWorkspace, name, in, "tester")
	if err != nil {
		f.t.Fatalf("CreateConnection(%s): %v", name, err)
	}
	return c
}

// opened returns a connection's settings as the pool gets them.
func (f *fixture) opened(name string) (map[string]any, error) {
	s, err := f.connectionSource(store.DefaultWorkspace)(context.Background(), name)
	return s.Config, err
}

func TestConnectionSecretsAreEncryptedAndNeverShown(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), withVault(newKeyring(t, "k1")))
			pw, token := password(), password()
			in := vaultSettings(1, pw)
			in.Config["auth"] = map[string]any{"token": token}
			in.Labels = []string{"pii", " pii ", ""}
			c := f.create("db", in)
			shown, _ := json.Marshal(c)
			list, err := f.ListConnections(context.Background(), store.DefaultWorkspace)
			if err != nil {
				t.Fatal(err)
			}
			listed, _ := json.Marshal(list)
			stored, err := f.store.GetConnection(context.Background(), store.DefaultWorkspace, "db")
			if err != nil {
				t.Fatal(err)
			}
			raw, err := f.store.(storetest.ConnectionDumper).DumpConnection(context.Background(), stored.ID)
			if err != nil {
				t.Fatal(err)
			}
			for what, text := range map[string]string{"the answer": string(shown), "the list": string(listed), "the database": raw} {
				if strings.Contains(text, pw) || strings.Contains(text, token) {
					t.Errorf("%s holds a secret:\n%s", what, text)
				}
			}
			if !strings.Contains(raw, "bistro-secret:v1:k1:") || !strings.Contains(raw, "127.0.0.1") {
				t.Errorf("the database lacks the envelope or the settings:\n%s", raw)
			}
			want := map[string]api.SecretState{"password": {Set: true}, "auth.token": {Set: true}}
			if fmt.Sprint(c.Secrets) != fmt.Sprint(want) || c.Config["host"] != "127.0.0.1" || fmt.Sprint(c.Labels) != "[pii]" {
				t.Errorf("CreateConnection = %+v", c)
			}
			config, err := f.opened("db")
			if err != nil || config["password"] != pw || config["auth"].(map[string]any)["token"] != token {
				t.Errorf("opened settings: %v, %v", config, err)
			}
		})
	}
}

func TestConnectionEnvelopeBoundToItsRow(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), withVault(newKeyring(t, "k1")))
			port := listenPort(t)
			f.create("a", vaultSettings(port, password()))
			f.create("b", vaultSettings(port, password()))
			ctx := context.Background()
			a, _ := f.store.GetConnection(ctx, store.DefaultWorkspace, "a")
			b, _ := f.store.GetConnection(ctx, store.DefaultWorkspace, "b")
			_, err := f.store.PutConnection(ctx, store.PutConnection{ID: b.ID, Workspace: b.Workspace, Name: "b", Connector: "vault",
				Config: b.Config, Secrets: map[string][]byte{"password": a.Secrets["password"]}, By: "mallory"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.opened("b"); err == nil || !strings.Contains(err.Error(), "cannot be opened") {
				t.Errorf("an envelope copied to another connection opened: %v", err)
			}
			res, err := f.TestConnection(ctx, store.DefaultWorkspace, "b")
			if err != nil || res.OK || !strings.Contains(res.Message, "the secret setting 'password' of the connection 'b' cannot be opened") {
				t.Errorf("TestConnection(b) = %+v, %v", res, err)
			}
			if res, _ := f.TestConnection(ctx, store.DefaultWorkspace, "a"); !res.OK {
				t.Errorf("TestConnection(a) = %+v", res)
			}
		})
	}
}

func TestConnectionUpdateKeepsOmittedSecrets(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), withVault(newKeyring(t, "k1")))
	ctx := context.Background()
	pw, token := password(), password()
	in := vaultSettings(1, pw)
	in.Config["auth"] = map[string]any{"token": token}
	f.create("db", in)

	// Neither secret given: both kept.
	c, created, err := f.PutConnection(ctx, store.DefaultWorkspace, "db", api.ConnectionSettings{Connector: "vault",
		Config: map[string]any{"host": "localhost", "port": 2}}, "bob")
	if err != nil || created || c.Config["host"] != "localhost" || !c.Secrets["password"].Set || !c.Secrets["auth.token"].Set {
		t.Fatalf("update without secrets = %+v, %v, %v", c, created, err)
	}
	if config, err := f.opened("db"); err != nil || config["password"] != pw || config["auth"].(map[string]any)["token"] != token {
		t.Errorf("opened after the update: %v, %v", config, err)
	}
	// An explicit null clears a secret; a required one cannot be cleared.
	c, _, err = f.PutConnection(ctx, store.DefaultWorkspace, "db", api.ConnectionSettings{Connector: "vault",
		Config: map[string]any{"host": "localhost", "port": 2, "auth": map[string]any{"token": nil}}}, "bob")
	if err != nil || c.Secrets["auth.token"].Set || !c.Secrets["password"].Set {
		t.Errorf("clearing the token = %+v, %v", c.Secrets, err)
	}
	_, _, err = f.PutConnection(ctx, store.DefaultWorkspace, "db", api.ConnectionSettings{Connector: "vault",
		Config: map[string]any{"host": "localhost", "port": 2, "password": nil}}, "bob")
	var invalid *api.InvalidError
	if !errors.As(err, &invalid) || len(invalid.Errors) != 1 || invalid.Errors[0].Field != "config.password" {
		t.Errorf("clearing the required password: %v", err)
	}
	if config, _ := f.opened("db"); config["password"] != pw {
		t.Errorf("a refused update changed the password")
	}
}

func TestConnectionValidationNamesTheField(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), withVault(newKeyring(t, "k1")))
	f.create("db", vaultSettings(1, password()))
	tests := []struct {
		name, conn string
		in         api.ConnectionSettings
		fields     []string
		message    string
	}{
		{"missing and wrong settings", "x", api.ConnectionSettings{Connector: "vault", Config: map[string]any{"port": "five", "colour": "red"}},
			[]string{"config.colour", "config.host", "config.password", "config.port"}, "'port' must be a whole number"},
		{"unknown connector", "x", api.ConnectionSettings{Connector: "nope"}, []string{"connector"}, "there is no connector 'nope'"},
		{"connector change", "db", vaultSettings(1, "x"), nil, ""},
		{"bad name", "no spaces", vaultSettings(1, "x"), []string{"name"}, "cannot be a connection's name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.CreateConnection(context.Background(), store.DefaultWorkspace, tc.conn, tc.in, "tester")
			if tc.fields == nil {
				if !errors.Is(err, store.ErrConflict) {
					t.Errorf("creating an existing connection: %v; want ErrConflict", err)
				}
				return
			}
			var invalid *api.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("err = %v; want *api.InvalidError", err)
			}
			var fields []string
			for _, fe := range invalid.Errors {
				fields = append(fields, fe.Field)
			}
			if fmt.Sprint(fields) != fmt.Sprint(tc.fields) || !strings.Contains(invalid.Error(), tc.message) {
				t.Errorf("errors %v (%s); want fields %v and %q", fields, invalid.Error(), tc.fields, tc.message)
			}
		})
	}
	_, _, err := f.PutConnection(context.Background(), store.DefaultWorkspace, "db", api.ConnectionSettings{Connector: "other"}, "bob")
	var invalid *api.InvalidError
	if !errors.As(err, &invalid) || invalid.Errors[0].Field != "connector" {
		t.Errorf("changing the connector: %v", err)
	}
}

func TestTestConnectionAnswersInPlainWords(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), withVault(newKeyring(t, "k1")))
	ctx := context.Background()
	pw := password()
	closed := closedPort(t)
	f.create("down", vaultSettings(closed, pw))
	f.create("up", vaultSettings(listenPort(t), pw))
	res, err := f.TestConnection(ctx, store.DefaultWorkspace, "down")
	want := fmt.Sprintf("could not reach 127.0.0.1:%d (password [redacted])", closed)
	if err != nil || res.OK || !strings.HasPrefix(res.Message, want) || !strings.Contains(res.Message, "connection refused") || strings.Contains(res.Message, pw) {
		t.Errorf("TestConnection(down) = %+v, %v; want it to start with %q", res, err, want)
	}
	res, err = f.TestConnection(ctx, store.DefaultWorkspace, "up")
	if err != nil || !res.OK || res.Message != "the connection 'up' works" {
		t.Errorf("TestConnection(up) = %+v, %v", res, err)
	}
	if _, err := f.TestConnection(ctx, store.DefaultWorkspace, "none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TestConnection(none): %v; want ErrNotFound", err)
	}
}

func TestConnectionDialGoesThroughTheEgressPolicy(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), func(c *Config) {
		withVault(newKeyring(t, "k1"))(c)
		c.ConnEnv.Dial = egress.Policy{}.Dialer().DialContext // loopback not allowed
	})
	f.create("db", vaultSettings(listenPort(t), password()))
	res, err := f.TestConnection(context.Background(), store.DefaultWorkspace, "db")
	if err != nil || res.OK || !strings.Contains(res.Message, "loopback addresses (this machine) are blocked") {
		t.Errorf("TestConnection through a refusing policy = %+v, %v", res, err)
	}
}

func TestRotateSecrets(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			oldKeys, rotated := keyPair(t)
			st := b.open(t)
			before := setup(t, st, withVault(oldKeys))
			pws := map[string]string{"a": password(), "b": password()}
			for name, pw := range pws {
				before.create(name, vaultSettings(1, pw))
			}
			after := setup(t, st, withVault(rotated))
			// Before the rotation, envelopes of the old key still open.
			if config, err := after.opened("a"); err != nil || config["password"] != pws["a"] {
				t.Fatalf("an old-key envelope under the new keyring: %v, %v", config, err)
			}
			rep, err := RotateSecrets(ctx, st, rotated)
			if err != nil || rep.KeyID != "k2" || rep.Total != 2 || rep.Resealed != 2 || rep.Current != 0 || len(rep.Failed) != 0 {
				t.Fatalf("RotateSecrets = %+v, %v", rep, err)
			}
			sealed, err := st.ListSealed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sealed {
				if id, _ := secret.KeyID(s.Envelope); id != "k2" {
					t.Errorf("%s.%s is sealed with %q after the rotation", s.Name, s.Field, id)
				}
			}
			for name, pw := range pws {
				if config, err := after.opened(name); err != nil || config["password"] != pw {
					t.Errorf("%s after the rotation: %v, %v", name, config, err)
				}
				if _, err := before.opened(name); err == nil {
					t.Errorf("%s still opens with the old key alone", name)
				}
			}
			rep, err = RotateSecrets(ctx, st, rotated)
			if err != nil || rep.Resealed != 0 || rep.Current != 2 {
				t.Errorf("a second rotation = %+v, %v", rep, err)
			}
			// A secret under a key the keyring lacks is reported, not lost.
			foreign := setup(t, st, withVault(newKeyring(t, "lost")))
			foreign.create("c", vaultSettings(1, password()))
			rep, err = RotateSecrets(ctx, st, rotated)
			if err != nil || len(rep.Failed) != 1 || rep.Failed[0].Connection != "c" || rep.Failed[0].Field != "password" ||
				!strings.Contains(rep.Failed[0].Reason, "not configured") {
				t.Errorf("rotation with a foreign envelope = %+v, %v", rep, err)
			}
		})
	}
}

const vaultFlow = `bistro: 1
name: %s
trigger: { manual: {} }
steps:
  - id: call
    action: vault.%s
    connection: %s
`

func TestFlowsCheckTheirConnections(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), withVault(newKeyring(t, "k1")))
	ctx := context.Background()
	f.create("db", vaultSettings(1, password()))
	for conn, want := range map[string]string{
		"nope": "there is no connection called 'nope'",
		"db":   "",
	} {
		_, _, err := f.ApplyFlow(ctx, store.DefaultWorkspace, "", []byte(fmt.Sprintf(vaultFlow, "uses-"+conn, "echo", conn)), "tester")
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("a flow using %s: %v; want %q", conn, err, want)
		}
	}
	if _, err := f.store.PutConnection(ctx, store.PutConnection{ID: "other-id", Workspace: store.DefaultWorkspace, Name: "cache", Connector: "redis", By: "x"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.ApplyFlow(ctx, store.DefaultWorkspace, "", []byte(fmt.Sprintf(vaultFlow, "wrong", "echo", "cache")), "tester")
	if err == nil || !strings.Contains(err.Error(), "'cache' is a redis connection, not a vault one") {
		t.Errorf("a flow using a connection of another connector: %v", err)
	}
	err = f.DeleteConnection(ctx, store.DefaultWorkspace, "db")
	var inUse *api.InUseError
	if !errors.As(err, &inUse) || fmt.Sprint(inUse.Flows) != "[uses-db]" || !strings.Contains(err.Error(), "the connection 'db' is used by the flow 'uses-db'") {
		t.Fatalf("deleting a connection in use: %v", err)
	}
	if err := f.DeleteFlow(ctx, store.DefaultWorkspace, "uses-db"); err != nil {
		t.Fatal(err)
	}
	if err := f.DeleteConnection(ctx, store.DefaultWorkspace, "db"); err != nil {
		t.Errorf("deleting a connection no flow uses: %v", err)
	}
	if err := f.DeleteConnection(ctx, store.DefaultWorkspace, "db"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting it again: %v; want ErrNotFound", err)
	}
}

func TestRunUsesTheCurrentSettingsAndRedactsThePassword(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), withVault(newKeyring(t, "k1")))
			ctx := context.Background()
			pw := password()
			f.create("db", vaultSettings(listenPort(t), pw))
			f.apply(fmt.Sprintf(vaultFlow, "echo", "echo", "db"))
			f.apply(fmt.Sprintf(vaultFlow, "leak", "fail", "db"))
			f.start()
			run := f.runFlow("echo")
			if !sameJSON(run.Output, `[{"host":"127.0.0.1","token":null}]`) {
				t.Errorf("echo output: %s", run.Output)
			}
			// A change reaches the next run: the pool forgets the old one.
			in := vaultSettings(listenPort(t), "")
			in.Config["host"], in.Config["auth"] = "localhost", map[string]any{"token": "tok-" + rand.Text()}
			delete(in.Config, "password")
			if _, _, err := f.PutConnection(ctx, store.DefaultWorkspace, "db", in, "bob"); err != nil {
				t.Fatal(err)
			}
			if run := f.runFlow("echo"); !sameJSON(run.Output, `[{"host":"localhost","token":{"token":"[redacted]"}}]`) {
				t.Errorf("echo after the change: %s", run.Output)
			}
			failed := f.runFlow("leak")
			_, steps, err := f.GetRun(ctx, failed.ID)
			if err != nil {
				t.Fatal(err)
			}
			stepsJSON, _ := json.Marshal(steps)
			for what, text := range map[string]string{"the run's error": string(failed.Error), "its steps": string(stepsJSON)} {
				if strings.Contains(text, pw) {
					t.Errorf("%s holds the password: %s", what, text)
				}
			}
			if failed.Status != store.StatusFailed || !strings.Contains(string(failed.Error), "login failed for ann with password [redacted]") {
				t.Errorf("the failed run: %s %s", failed.Status, failed.Error)
			}
		})
	}
}

// runFlow runs a flow and waits for its end.
func (f *fixture) runFlow(name string) store.Run {
	f.t.Helper()
	run, err := f.StartRun(context.Background(), store.DefaultWorkspace, name, nil, 20*time.Second)
	if err != nil {
		f.t.Fatalf("StartRun(%s): %v", name, err)
	}
	return f.waitFinal(run.ID)
}

func TestConnectionsWithoutKeyring(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), func(c *Config) { c.Connectors = findVault })
	_, err := f.CreateConnection(context.Background(), store.DefaultWorkspace, "db", vaultSettings(1, "secret"), "tester")
	if err == nil || !strings.Contains(err.Error(), "no secret key") {
		t.Errorf("saving a secret without a keyring: %v", err)
	}
	if _, err := f.opened("db"); !errors.Is(err, connpool.ErrNoConnection) {
		t.Errorf("a connection that was not saved: %v", err)
	}
}

// TestConnectionsStayInTheirWorkspace: two workspaces each have a
// connection "db"; each workspace's flow reaches its own, and a change in
// one does not touch the other's open connection.
func TestConnectionsStayInTheirWorkspace(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), withVault(newKeyring(t, "k1")))
	ctx := context.Background()
	if err := f.store.CreateWorkspace(ctx, store.Workspace{ID: "sales", Name: "Sales"}); err != nil {
		t.Fatal(err)
	}
	f.create("db", vaultSettings(listenPort(t), password()))
	sales := vaultSettings(listenPort(t), password())
	sales.Config["host"] = "localhost"
	if _, err := f.CreateConnection(ctx, "sales", "db", sales, "tester"); err != nil {
		t.Fatal(err)
	}
	f.apply(fmt.Sprintf(vaultFlow, "echo", "echo", "db"))
	if _, _, err := f.ApplyFlow(ctx, "sales", "", []byte(fmt.Sprintf(vaultFlow, "echo", "echo", "db")), "tester"); err != nil {
		t.Fatal(err)
	}
	f.start()
	if run := f.runFlow("echo"); !sameJSON(run.Output, `[{"host":"127.0.0.1","token":null}]`) {
		t.Errorf("the default workspace's run: %s %s", run.Status, run.Output)
	}
	run, err := f.StartRun(ctx, "sales", "echo", nil, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if run = f.waitFinal(run.ID); !sameJSON(run.Output, `[{"host":"localhost","token":null}]`) {
		t.Errorf("the sales workspace's run reached another connection: %s %s %s", run.Status, run.Output, run.Error)
	}
}
