package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/runner"
	"github.com/bistro-dev/bistro/internal/secret"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
)

func TestConnectionCommands(t *testing.T) {
	t.Parallel()
	const pw = "typed-pa55word"
	tests := []struct {
		name           string
		stdin          string
		args           []string
		code           int
		stdout, stderr []string
		secret         any // the password the server holds afterwards for "db", or else "crm-db"
	}{
		{"create with a secret from standard input", pw + "\n", []string{"connection", "create", "db", "--connector", "postgres",
			"--set", "host=db.internal", "--set", "port=6543", "--secret", "password", "--label", "pii"}, 0, []string{"created connection 'db'"}, nil, pw},
		{"a secret as a flag value is refused", "", []string{"connection", "create", "db", "--connector", "postgres", "--set", "password=" + pw},
			2, nil, []string{"'password' is a secret; give it with --secret password"}, apitest.SeedPassword},
		{"a secret missing on standard input", "", []string{"connection", "create", "db", "--connector", "postgres", "--set", "host=x", "--secret", "password"},
			2, nil, []string{"standard input has no value for the secret 'password'"}, apitest.SeedPassword},
		{"a wrong kind of value", "", []string{"connection", "create", "db", "--connector", "postgres", "--set", "port=five"},
			2, nil, []string{"--set port: 'port' must be a whole number"}, apitest.SeedPassword},
		{"create an existing one", "", []string{"connection", "create", "crm-db", "--connector", "postgres", "--set", "host=x"},
			1, nil, []string{"error: there is already a connection called 'crm-db'"}, apitest.SeedPassword},
		{"create with invalid settings", "", []string{"connection", "create", "db", "--connector", "unknown"},
			1, nil, []string{"the connection has 2 problems", "body.connector: there is no connector 'unknown'", "body.config.host: 'host' is required"}, apitest.SeedPassword},
		{"update keeps the secret", "", []string{"connection", "update", "crm-db", "--set", "host=db2.internal"},
			0, []string{"updated connection 'crm-db'"}, nil, apitest.SeedPassword},
		{"update replaces the secret", pw + "\n", []string{"connection", "update", "crm-db", "--secret", "password"},
			0, []string{"updated connection 'crm-db'"}, nil, pw},
		{"update clears the secret", "", []string{"connection", "update", "crm-db", "--clear", "password"},
			0, []string{"updated connection 'crm-db'"}, nil, nil},
		{"list", "", []string{"connection", "list"}, 0, []string{"NAME", "CONNECTOR", "crm-db", "postgres", "pii"}, nil, apitest.SeedPassword},
		{"show", "", []string{"connection", "show", "crm-db"}, 0,
			[]string{"connector:  postgres", "host: db.internal", "user: crm", "password: set", "token: not set"}, nil, apitest.SeedPassword},
		{"show unknown", "", []string{"connection", "show", "nope"}, 1, nil, []string{"error: there is no connection called 'nope'"}, apitest.SeedPassword},
		{"test", "", []string{"connection", "test", "crm-db"}, 0, []string{"the connection 'crm-db' works"}, nil, apitest.SeedPassword},
		{"delete", "", []string{"connection", "delete", "crm-db"}, 0, []string{"deleted connection 'crm-db'"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, vars := serverVars(t)
			r := runCLI(t, tc.stdin, vars, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout %s\nstderr %s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			for _, secret := range []string{pw, apitest.SeedPassword} {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("the output holds a secret:\n%s%s", r.stdout, r.stderr)
				}
			}
			name := "db"
			if _, ok := srv.Backend.Secret("db", "password"); !ok {
				name = "crm-db"
			}
			if got, _ := srv.Backend.Secret(name, "password"); got != tc.secret {
				t.Errorf("the server holds the password %v for %s, want %v", got, name, tc.secret)
			}
		})
	}
}

func TestConnectionCreateSendsTypedSettings(t *testing.T) {
	t.Parallel()
	srv, vars := serverVars(t)
	r := runCLI(t, "", vars, "connection", "create", "db", "--connector", "postgres", "--set", "host=db.internal", "--set", "port=6543", "--set", "sslmode=require")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, "", vars, "connection", "show", "db")
	for _, want := range []string{"port: 6543", "sslmode: require", "host: db.internal"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	c, err := srv.Backend.GetConnection(context.Background(), store.DefaultWorkspace, "db")
	if err != nil || c.Config["port"] != float64(6543) {
		t.Errorf("port sent as %T %v, want the number 6543 (%v)", c.Config["port"], c.Config["port"], err)
	}
}

func TestConnectionTestAndDeleteFailInPlainWords(t *testing.T) {
	t.Parallel()
	srv, vars := serverVars(t)
	if _, _, err := srv.Backend.PutConnection(context.Background(), store.DefaultWorkspace, "far",
		api.ConnectionSettings{Connector: "postgres", Config: map[string]any{"host": apitest.Unreachable}}, "tester"); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", vars, "connection", "test", "far")
	if r.code != 1 || !strings.Contains(r.stderr, "error: could not reach unreachable.invalid:5432: no such host") {
		t.Errorf("test of an unreachable host: code %d, stderr %q", r.code, r.stderr)
	}
	srv.Backend.Lock(func(b *apitest.Backend) {
		b.Flows["sync"] = store.Flow{ID: "flow-sync", Name: "sync", Document: []byte("steps:\n  - action: postgres.query\n    connection: far\n")}
	})
	r = runCLI(t, "", vars, "connection", "delete", "far")
	if r.code != 1 || !strings.Contains(r.stderr, "the connection 'far' is used by the flow 'sync'") {
		t.Errorf("delete of a connection in use: code %d, stderr %q", r.code, r.stderr)
	}
}

// safe is a connector for these tests whose only setting is a secret.
type safe struct{}

func (safe) Spec() connector.Spec {
	return connector.Spec{Name: "safe", Title: "Safe", Version: "1.0.0", Category: "test", Description: "A test connector.",
		Config: []connector.Field{{Name: "password", Type: connector.String, Required: true, Secret: true, Help: "The password."}}}
}

func (safe) Open(context.Context, map[string]any, connector.Env) (connector.Conn, error) {
	return nil, fmt.Errorf("not used")
}

func findSafe(name string) (connector.Connector, bool) { return safe{}, name == "safe" }

// keyText is a random key in the BISTRO_SECRET_KEY format.
func keyText(id string) string {
	b := make([]byte, secret.KeySize)
	_, _ = rand.Read(b)
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

// seedSecrets saves connections with secrets in the data directory's
// database, sealed with keys.
func seedSecrets(t *testing.T, dir, keys string, names ...string) {
	t.Helper()
	ctx := context.Background()
	parsed, err := secret.ParseKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := secret.NewKeyring(parsed)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := runner.New(runner.Config{Store: st, Keyring: kr, Connectors: findSafe})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		in := api.ConnectionSettings{Connector: "safe", Config: map[string]any{"password": "pw-" + name}}
		if _, err := r.CreateConnection(ctx, store.DefaultWorkspace, name, in, "tester"); err != nil {
			t.Fatal(err)
		}
	}
}

// keyIDs are the ids of the keys that seal the data directory's secrets.
func keyIDs(t *testing.T, dir string) []string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sealed, err := st.ListSealed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range sealed {
		id, _ := secret.KeyID(s.Envelope)
		ids = append(ids, id)
	}
	return ids
}

func TestSecretsRotate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k1, k2 := keyText("k1"), keyText("k2")
	seedSecrets(t, dir, k1, "a", "b")

	r := runCLI(t, "", nil, "secrets", "rotate", "--data", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "no secret key: set BISTRO_SECRET_KEY") {
		t.Errorf("rotate without a key: code %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"BISTRO_SECRET_KEY": keyText("k3")}, "secrets", "rotate", "--data", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "error: connection 'a' (workspace default), setting 'password': the stored secret was sealed with a key that is not configured") {
		t.Errorf("rotate without the old key: code %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"BISTRO_SECRET_KEY": k2 + "," + k1}, "secrets", "rotate", "--data", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "2 secrets found: 2 encrypted again with the key 'k2', 0 already used it") ||
		!strings.Contains(r.stdout, "the older keys (k1) can be removed") {
		t.Fatalf("rotate: code %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if ids := keyIDs(t, dir); fmt.Sprint(ids) != "[k2 k2]" {
		t.Errorf("after the rotation the secrets are sealed with %v", ids)
	}
	r = runCLI(t, "", map[string]string{"BISTRO_SECRET_KEY": k2}, "secrets", "rotate", "--data", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "2 secrets found: 0 encrypted again with the key 'k2', 2 already used it") {
		t.Errorf("a second rotation with the new key alone: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestServeKeepsConnectionSecretsEncrypted(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", "127.0.0.1:5432")
	data := t.TempDir()
	vars := map[string]string{envAllowNet: "127.0.0.1"}
	addr, logs, stop := startServe(t, data, vars)
	info, err := os.Stat(filepath.Join(data, secret.KeyFileName))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v, %v; want it made 0600 at first start", info, err)
	}
	token, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	cli := map[string]string{"BISTRO_URL": "http://" + addr, "BISTRO_TOKEN": strings.TrimSpace(string(token))}
	pw := "pg-" + rand.Text()
	r := runCLI(t, pw+"\n", cli, "connection", "create", "pg", "--connector", "postgres", "--set", "host=127.0.0.1",
		"--set", "database=test", "--set", "user=postgres", "--set", "sslmode=disable", "--secret", "password")
	if r.code != 0 {
		t.Fatalf("create: code %d, stderr %s", r.code, r.stderr)
	}
	r = runCLI(t, "", cli, "connection", "test", "pg")
	if r.code != 0 || !strings.Contains(r.stdout, "the connection 'pg' works") {
		t.Errorf("test: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, pw+"\n", cli, "connection", "create", "down", "--connector", "postgres", "--set", "host=127.0.0.1",
		"--set", "port="+strings.Split(freeAddr(t), ":")[1], "--set", "database=test", "--set", "user=postgres", "--secret", "password")
	if r.code != 0 {
		t.Fatalf("create down: code %d, stderr %s", r.code, r.stderr)
	}
	r = runCLI(t, "", cli, "connection", "test", "down")
	if r.code != 1 || !strings.Contains(r.stderr, "could not reach 127.0.0.1:") || !strings.Contains(r.stderr, "connection refused") || strings.Contains(r.stderr, pw) {
		t.Errorf("test of a closed port: code %d, stderr %q", r.code, r.stderr)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(data, sqlite.FileName+"*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(pw)) {
			t.Errorf("%s holds the password in clear", f)
		}
	}
	if strings.Contains(logs.String(), pw) {
		t.Errorf("the server's log holds the password")
	}
	r = runCLI(t, "", nil, "secrets", "rotate", "--data", data)
	if r.code != 0 || !strings.Contains(r.stdout, "2 secrets found: 0 encrypted again") {
		t.Errorf("rotate with the key file: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

const queryFlow = `bistro: 1
name: answer
trigger: { manual: {} }
steps:
  - id: ask
    action: postgres.query
    connection: %s
    with: { sql: "SELECT 41 + 1 AS answer" }
`

const pgConnections = `pg:
  connector: postgres
  config:
    host: 127.0.0.1
    database: test
    user: "{{ env.PG_USER }}"
    sslmode: disable
cache:
  connector: redis
  config: {address: "127.0.0.1:6379"}
`

func TestRunWithConnectionsFile(t *testing.T) {
	t.Parallel()
	connectortest.Service(t, "PostgreSQL", "127.0.0.1:5432")
	conns := writeFile(t, "connections.yaml", pgConnections)
	flowFile := func(conn string) string { return writeFile(t, "answer.yaml", fmt.Sprintf(queryFlow, conn)) }
	user := map[string]string{"PG_USER": "postgres"}
	tests := []struct {
		name   string
		vars   map[string]string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"runs", user, []string{"run", flowFile("pg"), "--connections", conns, "--allow-env", "PG_USER", "--allow-network", "127.0.0.1"},
			0, `{"answer":42}`, "run succeeded"},
		{"env not allowed", user, []string{"run", flowFile("pg"), "--connections", conns, "--allow-network", "127.0.0.1"},
			2, "", "the connection 'pg': setting 'user' reads env.PG_USER, which is not allowed; allow it with --allow-env PG_USER"},
		{"env not set", nil, []string{"run", flowFile("pg"), "--connections", conns, "--allow-env", "PG_USER"},
			2, "", "setting 'user' reads env.PG_USER, which is not set"},
		{"network not allowed", user, []string{"run", flowFile("pg"), "--connections", conns, "--allow-env", "PG_USER"},
			1, "", "loopback addresses (this machine) are blocked"},
		{"unknown connection", user, []string{"run", flowFile("nope"), "--connections", conns},
			1, "", "there is no connection called 'nope' in " + conns},
		{"no connections file", user, []string{"run", flowFile("pg")},
			1, "", "a local run reads its connections from --connections FILE"},
		{"validate: wrong connector", nil, []string{"validate", flowFile("cache"), "--connections", conns},
			1, "", "'cache' is a redis connection, not a postgres one"},
		{"validate: fine", nil, []string{"validate", flowFile("pg"), "--connections", conns},
			0, "", "1 flow checked: no problems"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", tc.vars, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("code %d, want %d\nstdout %s\nstderr %s\nwant %q and %q", r.code, tc.code, r.stdout, r.stderr, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestConnectionsFileErrors(t *testing.T) {
	t.Parallel()
	flowFile := writeFile(t, "answer.yaml", fmt.Sprintf(queryFlow, "pg"))
	for name, tc := range map[string]struct{ file, want string }{
		"unknown connector": {"pg: {connector: oracle}\n", "the connection 'pg' has no known connector ('oracle')"},
		"unknown key":       {"pg: {connector: postgres, settings: {}}\n", "is not a connections file"},
		"bad settings":      {"pg: {connector: postgres, config: {port: five}}\n", "'database' is required"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conns := writeFile(t, "connections.yaml", tc.file)
			r := runCLI(t, "", nil, "run", flowFile, "--connections", conns)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("code %d, stderr %q; want %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
