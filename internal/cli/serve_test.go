package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine writing and a
// test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `bistro serve` in-process until the test ends and waits
// until it is ready.
func startServe(t *testing.T, data string, vars map[string]string) (addr string, logs *syncBuffer, stop func() error) {
	t.Helper()
	return startServeWith(t, data, vars, nil)
}

// startServeWith is startServe with a last change to the flags.
func startServeWith(t *testing.T, data string, vars map[string]string, change func(*serveFlags)) (addr string, logs *syncBuffer, stop func() error) {
	t.Helper()
	addr = freeAddr(t)
	logs = &syncBuffer{}
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	s := env{in: strings.NewReader(""), out: io.Discard, err: logs, lookup: lookup}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	f := serveFlags{data: data, listen: addr, maxQueued: 100, drain: time.Second}
	s.fill(&f)
	if change != nil {
		change(&f)
	}
	go func() { done <- serve(ctx, s, f) }()
	stop = func() error {
		cancel()
		return <-done
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, logs, stop
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped before it was ready: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve was not ready in time:\n%s", logs.String())
		}
	}
}

func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, logs, stop := startServe(t, data, nil)

	token, err := os.ReadFile(filepath.Join(data, tokenFile))
	if err != nil {
		t.Fatalf("the admin token file: %v", err)
	}
	if st, _ := os.Stat(filepath.Join(data, tokenFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("the token file has mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(logs.String(), strings.TrimSpace(string(token))) {
		t.Errorf("the token was not shown on first start:\n%s", logs.String())
	}

	vars := map[string]string{"BISTRO_URL": "http://" + addr, "BISTRO_DATA": data}
	r := runCLI(t, "", vars, "flow", "apply", "../../examples/lead-cleanup.yaml")
	if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "created flow 'Clean a web-form lead' (version 1)") {
		t.Fatalf("flow apply: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "flow", "show", "Clean a web-form lead")
	hook := strings.TrimSpace(r.stderr[strings.Index(r.stderr, "http://"):])
	resp, err := http.Post(hook, "application/json", strings.NewReader(`{"email":" Ann@Example.COM ","name":"ann"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || string(body) != `{"email":"ann@example.com","ok":true}`+"\n" && string(body) != `{"email":"ann@example.com","ok":true}` {
		t.Errorf("sync webhook answered %d %s; want 201 with the respond body", resp.StatusCode, body)
	}
	r = runCLI(t, "", vars, "runs", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "succeeded") {
		t.Errorf("runs list: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}

	// A second start on the same data keeps the token and prints none.
	_, logs, stop = startServe(t, data, nil)
	if strings.Contains(logs.String(), "admin API token was created") {
		t.Errorf("a second start created another token:\n%s", logs.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestServeKeepsSecretsOutOfLogs(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, logs, stop := startServe(t, data, map[string]string{"BISTRO_ALLOW_ENV": "CRM_TOKEN", "CRM_TOKEN": "tok-s3cret-42"})
	defer stop()
	flow := writeFile(t, "say.yaml", "bistro: 1\nname: say\ntrigger: { manual: {} }\nsteps:\n  - id: say\n    log: \"using {{ env.CRM_TOKEN }}\"\n")
	vars := map[string]string{"BISTRO_URL": "http://" + addr, "BISTRO_DATA": data, "BISTRO_ALLOW_ENV": "CRM_TOKEN"}
	if r := runCLI(t, "", vars, "flow", "apply", flow); r.code != 0 {
		t.Fatalf("apply: %s%s", r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "flow", "run", "say", "--wait", "20s"); r.code != 0 {
		t.Fatalf("run: %s%s", r.stdout, r.stderr)
	}
	out := logs.String()
	if strings.Contains(out, "tok-s3cret-42") || !strings.Contains(out, "using [redacted]") {
		t.Errorf("the log step's line should show the token redacted:\n%s", out)
	}
}
