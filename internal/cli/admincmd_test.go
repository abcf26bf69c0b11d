package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAdminCreateThenLoginFromTheCLI(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	config := t.TempDir()
	nowhere := t.TempDir() // a data directory without admin-token

	r := runCLI(t, "short\n", nil, "admin", "create", "--email", "IT@example.com", "--data", data)
	if r.code != 1 || !strings.Contains(r.stderr, "10 characters") {
		t.Fatalf("a short password: code %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "admin", "create", "--email", "it@example.com", "--data", data)
	if r.code == 0 || !strings.Contains(r.stderr, "no password") {
		t.Fatalf("no password: code %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "correct horse battery\n", nil, "admin", "create", "--email", "IT@example.com", "--name", "IT desk", "--data", data)
	if r.code != 0 || !strings.Contains(r.stdout, "it@example.com") {
		t.Fatalf("admin create: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	addr, _, stop := startServe(t, data, nil)
	t.Cleanup(func() { _ = stop() })
	server := "http://" + addr
	vars := map[string]string{"BISTRO_CONFIG": config, "BISTRO_URL": server}

	r = runCLI(t, "not the password\n", vars, "login", "--email", "it@example.com")
	if r.code != 1 || !strings.Contains(r.stderr, "the email or the password is not right") {
		t.Fatalf("wrong password: code %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(config, "credentials.json")); !os.IsNotExist(err) {
		t.Fatalf("a failed sign-in kept something: %v", err)
	}

	r = runCLI(t, "correct horse battery\n", vars, "login", "--email", "it@example.com")
	if r.code != 0 || !strings.Contains(r.stdout, "Signed in to "+server+" as it@example.com (admin)") {
		t.Fatalf("login: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	info, err := os.Stat(filepath.Join(config, "credentials.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, mode %v", err, info.Mode())
	}
	if strings.Contains(r.stdout+r.stderr, "bst_") {
		t.Fatalf("login printed the token: %q", r.stdout+r.stderr)
	}

	// The other commands now act as the person, without BISTRO_TOKEN or
	// the server's admin-token file.
	r = runCLI(t, "", vars, "flow", "list", "--data", nowhere)
	if r.code != 0 {
		t.Fatalf("flow list after login: code %d, stderr %q", r.code, r.stderr)
	}

	r = runCLI(t, "", vars, "logout")
	if r.code != 0 || !strings.Contains(r.stdout, "Signed out of "+server) {
		t.Fatalf("logout: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "flow", "list", "--data", nowhere)
	if r.code == 0 || !strings.Contains(r.stderr, "bistro login") {
		t.Fatalf("flow list after logout: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestLoggedOutTokenIsRevoked(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	config := t.TempDir()
	if r := runCLI(t, "correct horse battery\n", nil, "admin", "create", "--email", "it@example.com", "--data", data); r.code != 0 {
		t.Fatalf("admin create: %q", r.stderr)
	}
	addr, _, stop := startServe(t, data, nil)
	t.Cleanup(func() { _ = stop() })
	vars := map[string]string{"BISTRO_CONFIG": config, "BISTRO_URL": "http://" + addr}
	if r := runCLI(t, "correct horse battery\n", vars, "login", "--email", "it@example.com"); r.code != 0 {
		t.Fatalf("login: %q", r.stderr)
	}
	creds, _, err := loadCredentials(env{lookup: func(n string) (string, bool) { v, ok := vars[n]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	token := creds["http://"+addr]
	if r := runCLI(t, "", vars, "logout"); r.code != 0 {
		t.Fatalf("logout: %q", r.stderr)
	}
	with := map[string]string{"BISTRO_URL": "http://" + addr, "BISTRO_TOKEN": token}
	if r := runCLI(t, "", with, "flow", "list"); r.code == 0 {
		t.Fatalf("the token kept working after logout: %q", r.stdout)
	}
}
