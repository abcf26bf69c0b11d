package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command line in-process with the given standard input
// and environment (nothing of the real environment leaks in).
func runCLI(t *testing.T, stdin string, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	code := run(args, env{in: strings.NewReader(stdin), out: &out, err: &errb, lookup: lookup})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "bistro ") {
		t.Fatalf("version: code %d, stdout %q", r.code, r.stdout)
	}
}

func TestEveryCommandHasHelpWithExample(t *testing.T) {
	t.Parallel()
	root := newRoot(env{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &bytes.Buffer{}, lookup: func(string) (string, bool) { return "", false }})
	for _, cmd := range append(root.Commands(), root) {
		if cmd.Hidden || cmd.Name() == "help" || cmd.Name() == "completion" {
			continue
		}
		t.Run(cmd.Name(), func(t *testing.T) {
			t.Parallel()
			args := []string{"--help"}
			if cmd != root {
				args = []string{cmd.Name(), "--help"}
			}
			r := runCLI(t, "", nil, args...)
			if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "bistro ") {
				t.Errorf("%s --help: code %d, no example in:\n%s", cmd.Name(), r.code, r.stdout)
			}
		})
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", nil, "valiate")
	if r.code != exitUsage || !strings.Contains(r.stderr, "unknown command") {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
}

func TestSchemaPrintsTheCommittedSchema(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("../../docs/flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "schema")
	if r.code != 0 || r.stdout != string(want) {
		t.Fatalf("bistro schema differs from docs/flow.schema.json (code %d)", r.code)
	}
}

const tinyFlow = `bistro: 1
name: tiny
trigger:
  manual: {}
steps:
  - id: clean
    set:
      email: "{{ lower(trim(record.email)) }}"
  - id: real
    filter: record.email != ""
`

func TestValidate(t *testing.T) {
	t.Parallel()
	good := writeFile(t, "good.yaml", tinyFlow)
	bad := writeFile(t, "bad.yaml", strings.Replace(tinyFlow, "filter: record.email", "filter: recrod.email", 1))
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"good", []string{"validate", good}, 0, []string{"1 flow checked: no problems"}},
		{"bad", []string{"validate", good, bad}, 1, []string{"bad.yaml:10:", "recrod", "did you mean 'record'", "2 flows checked: 1 with problems"}},
		{"missing file", []string{"validate", filepath.Join(t.TempDir(), "nope.yaml")}, 1, []string{"nope.yaml: no such file"}},
		{"no files", []string{"validate"}, 2, []string{"requires at least 1 arg"}},
		{"bad format", []string{"validate", "--format", "xml", good}, 2, []string{"--format must be text or json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", nil, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			for _, s := range tc.contains {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
		})
	}
}

func TestValidateJSONFormat(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "bad.yaml", strings.Replace(tinyFlow, "filter:", "fliter:", 1))
	r := runCLI(t, "", nil, "validate", "--format", "json", bad)
	if r.code != 1 || !strings.Contains(r.stdout, `"Line": 10`) && !strings.Contains(r.stdout, `"line": 10`) {
		t.Fatalf("code %d, stdout:\n%s", r.code, r.stdout)
	}
}

func TestRunInputs(t *testing.T) {
	t.Parallel()
	flow := writeFile(t, "tiny.yaml", tinyFlow)
	inputFile := writeFile(t, "in.json", `[{"email":" A@X.COM "},{"email":""},{"email":"b@y.org"}]`)
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string
		stderr string
	}{
		{"inline object", []string{"--input", `{"email":" Ann@Example.COM "}`}, "", 0, `{"email":"ann@example.com"}` + "\n", "run succeeded"},
		{"inline list", []string{"--input", `[{"email":"A@b.c"},{"email":"D@e.f"}]`}, "", 0, `{"email":"a@b.c"}` + "\n" + `{"email":"d@e.f"}` + "\n", ""},
		{"file", []string{"--input", "@" + inputFile}, "", 0, `{"email":"a@x.com"}` + "\n" + `{"email":"b@y.org"}` + "\n", ""},
		{"json lines on stdin", nil, "{\"email\":\"X@Y.Z\"}\n{\"email\":\"Q@R.S\"}\n", 0, `{"email":"x@y.z"}` + "\n" + `{"email":"q@r.s"}` + "\n", ""},
		{"list on stdin", []string{"--input", "-"}, `[{"email":"X@Y.Z"}]`, 0, `{"email":"x@y.z"}` + "\n", ""},
		{"bad inline json", []string{"--input", `{"email":`}, "", 2, "", "--input is not valid JSON"},
		{"bad json line", nil, "{\"email\":\"a@b.c\"}\n{oops}\n", 1, `{"email":"a@b.c"}` + "\n", "standard input is not valid JSON"},
		{"missing input file", []string{"--input", "@/nonexistent/in.json"}, "", 2, "", "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, tc.stdin, nil, append([]string{"run", flow}, tc.args...)...)
			if r.code != tc.code || r.stdout != tc.stdout || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("code %d (want %d)\nstdout %q\nwant   %q\nstderr %q (want it to contain %q)", r.code, tc.code, r.stdout, tc.stdout, r.stderr, tc.stderr)
			}
		})
	}
}

func TestRunFailingStepSaysWhichStepAndRecord(t *testing.T) {
	t.Parallel()
	flow := writeFile(t, "fail.yaml", `bistro: 1
name: failing
trigger:
  manual: {}
steps:
  - id: check
    when: record.n > 1
    fail: "record {{ record.n }} is too big"
`)
	r := runCLI(t, "", nil, "run", flow, "--input", `[{"n":1},{"n":2}]`)
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1", r.code)
	}
	for _, s := range []string{"step 'check'", "record 2", "record 2 is too big", `the record was: {"n":2}`} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	if strings.Contains(r.stdout, `"n":2`) {
		t.Errorf("stdout %q: the failing record must not be output", r.stdout)
	}
}

func TestRunRefusesInvalidFlow(t *testing.T) {
	t.Parallel()
	flow := writeFile(t, "bad.yaml", strings.Replace(tinyFlow, "id: real", "id: clean", 1))
	r := runCLI(t, "", nil, "run", flow)
	if r.code != 1 || !strings.Contains(r.stderr, "clean") || r.stdout != "" {
		t.Fatalf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRunEnvOnlyWhenAllowed(t *testing.T) {
	t.Parallel()
	flow := writeFile(t, "env.yaml", `bistro: 1
name: env
trigger:
  manual: {}
steps:
  - id: greet
    set:
      greeting: "{{ env.GREETING }}"
`)
	vars := map[string]string{"GREETING": "hello"}
	r := runCLI(t, "", vars, "run", flow)
	if r.code != 1 || !strings.Contains(r.stderr, "GREETING") {
		t.Fatalf("not allowed: code %d stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", vars, "run", "--allow-env", "GREETING", flow)
	if r.code != 0 || r.stdout != `{"greeting":"hello"}`+"\n" {
		t.Fatalf("allowed: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	vars["BISTRO_ALLOW_ENV"] = "OTHER, GREETING"
	r = runCLI(t, "", vars, "run", flow)
	if r.code != 0 || r.stdout != `{"greeting":"hello"}`+"\n" {
		t.Fatalf("allowed by BISTRO_ALLOW_ENV: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestCallByNameOrPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("greet.yaml", "bistro: 1\nname: Greet someone\ntrigger: { manual: {} }\nsteps:\n  - id: hello\n    set: { greeting: \"hello {{ record.who }}\" }\n")
	byName := write("by-name.yaml", "bistro: 1\nname: by name\ntrigger: { manual: {} }\nsteps:\n  - id: greet\n    call: { flow: Greet someone, into: said }\n")
	byPath := write("by-path.yaml", "bistro: 1\nname: by path\ntrigger: { manual: {} }\nsteps:\n  - id: greet\n    call: { flow: greet.yaml, into: said }\n")
	missing := write("missing.yaml", "bistro: 1\nname: missing\ntrigger: { manual: {} }\nsteps:\n  - id: greet\n    call: { flow: Greet nobody }\n")
	for _, file := range []string{byName, byPath} {
		r := runCLI(t, "", nil, "run", file, "--input", `{"who":"Ann"}`)
		if r.code != 0 || !strings.Contains(r.stdout, `"said":[{"greeting":"hello Ann","who":"Ann"}]`) {
			t.Errorf("%s: code %d stdout %q stderr %q", filepath.Base(file), r.code, r.stdout, r.stderr)
		}
	}
	r := runCLI(t, "", nil, "validate", missing)
	if r.code != 1 || !strings.Contains(r.stderr, "there is no flow named 'Greet nobody'") {
		t.Errorf("missing: code %d stderr %q", r.code, r.stderr)
	}
}
