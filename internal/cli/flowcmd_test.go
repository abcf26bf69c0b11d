package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/api/apitest"
)

// serverVars starts an API server on the test double and returns the
// environment pointing the CLI at it.
func serverVars(t *testing.T) (*apitest.Server, map[string]string) {
	t.Helper()
	srv := apitest.NewServer(t, nil)
	return srv, map[string]string{"BISTRO_URL": srv.URL, "BISTRO_TOKEN": apitest.Token}
}

func TestRemoteCommands(t *testing.T) {
	t.Parallel()
	good := writeFile(t, "tidy.yaml", "name: tidy\nsteps: []\n")
	same := writeFile(t, "leads.yaml", "name: leads\ntrigger: webhook\n")
	bad := writeFile(t, "bad.yaml", "steps:\n  - id: x\n")
	input := writeFile(t, "in.jsonl", "{\"a\":1}\n{\"a\":2}\n")
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{"apply", []string{"flow", "apply", good, same}, 0, []string{"created flow 'tidy' (version 1)", "unchanged flow 'leads' (version 2)"}, nil},
		{"apply invalid", []string{"flow", "apply", bad}, 1, nil, []string{"bad.yaml:1:1: the flow has no name", "    1 | steps:", "hint: add 'name: ...'", "not saved"}},
		{"apply missing file", []string{"flow", "apply", filepath.Join(t.TempDir(), "nope.yaml")}, 2, nil, []string{"nope.yaml: no such file"}},
		{"list", []string{"flow", "list"}, 0, []string{"NAME", "leads", "webhook", "yes"}, nil},
		{"show", []string{"flow", "show", "leads"}, 0, []string{"name: leads\ntrigger: webhook\n"}, []string{"webhook URL: http://127.0.0.1:", "/hooks/whleads"}},
		{"show unknown", []string{"flow", "show", "nope"}, 1, nil, []string{"error: there is no flow called 'nope'"}},
		{"disable", []string{"flow", "disable", "leads"}, 0, []string{"disabled flow 'leads'"}, nil},
		{"enable", []string{"flow", "enable", "leads"}, 0, []string{"enabled flow 'leads'"}, nil},
		{"delete", []string{"flow", "delete", "leads"}, 0, []string{"deleted flow 'leads'"}, nil},
		{"run", []string{"flow", "run", "leads", "--input", `{"a":1}`}, 0, []string{"run-1\n"}, nil},
		{"run and wait", []string{"flow", "run", "leads", "--input", "@" + input, "--wait", "2s"}, 0, []string{`{"ok":true}` + "\n"}, []string{"run run-1 succeeded"}},
		{"run bad input", []string{"flow", "run", "leads", "--input", `{"a":`}, 2, nil, []string{"--input is not valid JSON"}},
		{"runs list", []string{"runs", "list", "--flow", "leads", "--status", "failed"}, 0, []string{"ID", "run-x", "failed"}, nil},
		{"runs show", []string{"runs", "show", "run-x"}, 0, []string{"run run-x of flow 'leads' (version 2), failed", "step 'save' failed: the database said no", "clean"}, nil},
		{"runs cancel finished", []string{"runs", "cancel", "run-x"}, 1, nil, []string{"error: the run has already finished"}},
		{"runs rerun", []string{"runs", "rerun", "run-x", "--from-failed"}, 0, []string{"run-1\n"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, vars := serverVars(t)
			r := runCLI(t, "", vars, tc.args...)
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
		})
	}
}

func TestRemoteTokenFromDataDir(t *testing.T) {
	t.Parallel()
	srv, _ := serverVars(t)
	dir := t.TempDir()
	writeTo(t, filepath.Join(dir, "admin-token"), apitest.Token+"\n")
	r := runCLI(t, "", map[string]string{"BISTRO_URL": srv.URL, "BISTRO_DATA": dir}, "flow", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "leads") {
		t.Fatalf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", nil, "flow", "list", "--server", srv.URL, "--data", t.TempDir())
	if r.code != 2 || !strings.Contains(r.stderr, "not signed in to "+srv.URL+": run 'bistro login") {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"BISTRO_TOKEN": "wrong"}, "flow", "list", "--server", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "the API token is not valid") {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
}

func TestSubcommandsHaveExamples(t *testing.T) {
	t.Parallel()
	for _, parent := range []string{"flow", "runs"} {
		r := runCLI(t, "", nil, parent, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%s --help: %s", parent, r.stdout)
		}
	}
	for _, args := range [][]string{{"flow", "apply"}, {"flow", "run"}, {"flow", "show"}, {"runs", "list"}, {"runs", "rerun"}, {"runs", "cancel"}} {
		r := runCLI(t, "", nil, append(args, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "bistro "+args[0]) {
			t.Errorf("%v --help:\n%s", args, r.stdout)
		}
	}
}

func writeTo(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
