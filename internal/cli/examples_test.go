package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExamples validates and runs every flow in examples/ with the input in
// testdata/examples/NAME.input.json against local stand-ins for the APIs the
// flows call, and compares output, exit code and what was posted with the
// golden file testdata/examples/NAME.golden.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("want at least five examples, found %d (%v)", len(files), err)
	}
	args := []string{"validate"}
	for name := range (&fakeAPIs{srv: &httptest.Server{}}).env() {
		args = append(args, "--allow-env", name)
	}
	r := runCLI(t, "", nil, append(args, files...)...)
	if r.code != 0 {
		t.Fatalf("examples do not validate:\n%s", r.stderr)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runExample(t, name, file)
		})
	}
}

func runExample(t *testing.T, name, file string) {
	apis := newFakeAPIs(t)
	args := []string{"run", file, "--allow-network", "127.0.0.1"}
	vars := map[string]string{}
	for k, v := range apis.env() {
		vars[k] = v
		args = append(args, "--allow-env", k)
	}
	input := filepath.Join("testdata", "examples", name+".input.json")
	if _, err := os.Stat(input); err == nil {
		args = append(args, "--input", "@"+input)
	}
	r := runCLI(t, "", vars, args...)
	got := fmt.Sprintf("%s# exit code: %d\n%s", r.stdout, r.code, apis.posted())
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(line, "reply: ") {
			got += "# " + line + "\n"
		}
	}
	if r.code != 0 {
		got += "# stderr:\n" + r.stderr
	}
	checkGolden(t, filepath.Join("testdata", "examples", name+".golden"), got)
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// fakeAPIs stands in for a helpdesk, a CRM and a team chat.
type fakeAPIs struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []string
}

func newFakeAPIs(t *testing.T) *fakeAPIs {
	a := &fakeAPIs{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /helpdesk/tickets", a.tickets)
	mux.HandleFunc("GET /crm/customers", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, []map[string]any{
			{"id": 1, "name": "Acme GmbH", "revenue": 120000},
			{"id": 2, "name": "Tiny Ltd", "revenue": 900},
			{"id": 3, "name": "Globex", "revenue": 75000},
		})
	})
	mux.HandleFunc("POST /chat/{channel}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.posts = append(a.posts, r.PathValue("channel")+": "+string(body))
		a.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true})
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeAPIs) tickets(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("status") != "open" {
		http.Error(w, "status=open expected", http.StatusBadRequest)
		return
	}
	if r.URL.Query().Get("after") == "" {
		writeJSON(w, map[string]any{"next": "page2", "tickets": []map[string]any{
			{"id": 10, "customer_id": 1, "subject": "Cannot log in", "created_at": "2026-11-02T09:00:00Z"},
			{"id": 11, "customer_id": 2, "subject": "Invoice copy", "created_at": "2026-11-03T10:00:00Z"},
			{"id": 12, "customer_id": 3, "subject": "Export is slow", "created_at": "2026-11-05T11:30:00Z"},
		}})
		return
	}
	writeJSON(w, map[string]any{"next": nil, "tickets": []map[string]any{
		{"id": 13, "customer_id": 1, "subject": "API returns 500", "created_at": "2026-10-30T08:15:00Z"},
		{"id": 14, "customer_id": 9, "subject": "Unknown customer", "created_at": "2026-11-06T12:00:00Z"},
	}})
}

func (a *fakeAPIs) env() map[string]string {
	return map[string]string{
		"HELPDESK_URL":     a.srv.URL + "/helpdesk",
		"CRM_URL":          a.srv.URL + "/crm",
		"SUPPORT_CHAT_URL": a.srv.URL + "/chat/support",
		"SALES_CHAT_URL":   a.srv.URL + "/chat/sales",
	}
}

func (a *fakeAPIs) posted() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var b strings.Builder
	for _, p := range a.posts {
		fmt.Fprintf(&b, "# posted to %s\n", p)
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
