package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const leadsFlow = `bistro: 1
name: Post leads
trigger:
  webhook: { method: POST }
steps:
  - id: tidy
    set: { email: "{{ lower(record.email) }}" }
  - id: post
    http:
      method: POST
      url: "https://crm.example.com/leads"
      json: { email: "{{ record.email }}" }
`

// TestServeConnectorCatalogue blocks a connector on a running server: the
// flow that uses it is paused, cannot be turned on or saved again, and
// works again once IT allows the connector in its workspace.
func TestServeConnectorCatalogue(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, _, stop := startServe(t, data, nil)
	t.Cleanup(func() { _ = stop() })
	vars := map[string]string{"BISTRO_URL": "http://" + addr, "BISTRO_DATA": data}
	file := writeFile(t, "leads.yaml", leadsFlow)
	if r := runCLI(t, "", vars, "flow", "apply", file); r.code != 0 {
		t.Fatalf("apply: %s%s", r.stdout, r.stderr)
	}

	r := runCLI(t, "", vars, "catalogue", "set", "http", "blocked")
	if r.code != 0 || !strings.Contains(r.stdout, "Paused the flow 'Post leads' in workspace 'default': IT blocked the connector 'http' it uses") {
		t.Fatalf("block http: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "flow", "list"); !strings.Contains(r.stdout, "Post leads") || !strings.Contains(r.stdout, "webhook  no") {
		t.Errorf("the flow after blocking:\n%s%s", r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "flow", "enable", "Post leads")
	if r.code != 1 || !strings.Contains(r.stderr, "IT has blocked the connector 'http' in workspace 'default'") {
		t.Errorf("enable while blocked: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	changed := writeFile(t, "leads.yaml", strings.Replace(leadsFlow, "lower(", "upper(", 1))
	r = runCLI(t, "", vars, "flow", "apply", changed)
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "leads.yaml:10:7: step 'post'") || !strings.Contains(r.stdout+r.stderr, "IT has blocked the connector 'http'") ||
		!strings.Contains(r.stdout+r.stderr, "bistro connectors request http") {
		t.Errorf("apply while blocked: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "catalogue", "show")
	if !strings.Contains(r.stdout, "http") || !strings.Contains(r.stdout, "blocked") {
		t.Errorf("catalogue show:\n%s%s", r.stdout, r.stderr)
	}

	if r := runCLI(t, "", vars, "catalogue", "set", "http", "approved", "--workspace", "default"); r.code != 0 {
		t.Fatalf("approve for default: %s%s", r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "flow", "enable", "Post leads"); r.code != 0 {
		t.Errorf("enable once allowed: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "flow", "apply", changed); r.code != 0 {
		t.Errorf("apply once allowed: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", vars, "catalogue", "set", "nope", "blocked")
	if r.code != 1 || !strings.Contains(r.stderr, "there is no connector 'nope'") {
		t.Errorf("an unknown connector: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// adminCall sends one request with the server's admin token.
func adminCall(t *testing.T, data, method, url, body string) {
	t.Helper()
	token, err := os.ReadFile(filepath.Join(data, tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
}

// TestServeReviewAndPublish: a builder signed in with the CLI submits a
// risky flow; it goes live only when IT approves it, owned by the
// builder.
func TestServeReviewAndPublish(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, _, stop := startServe(t, data, nil)
	t.Cleanup(func() { _ = stop() })
	server := "http://" + addr
	adminCall(t, data, "POST", server+"/api/v1/users", `{"email":"sam@example.com","name":"Sam","password":"sam's long password"}`)
	adminCall(t, data, "PUT", server+"/api/v1/workspaces/default/members", `{"email":"sam@example.com","role":"builder"}`)
	adminCall(t, data, "PUT", server+"/api/v1/review-settings", `{"threshold":10}`)
	sam := map[string]string{"BISTRO_URL": server, "BISTRO_CONFIG": t.TempDir()}
	if r := runCLI(t, "sam's long password\n", sam, "login", "--email", "sam@example.com"); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	file := writeFile(t, "leads.yaml", leadsFlow)
	r := runCLI(t, "", sam, "flow", "apply", file)
	if r.code != 0 || !strings.Contains(r.stdout, "submitted flow 'Post leads' for review (risk 15: calls 1 web address(es) outside Bistro)") {
		t.Fatalf("apply as a builder: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", sam, "flow", "list"); strings.Contains(r.stdout, "Post leads") {
		t.Fatalf("the flow is live before review:\n%s", r.stdout)
	}
	admin := map[string]string{"BISTRO_URL": server, "BISTRO_DATA": data}
	r = runCLI(t, "", admin, "reviews", "list")
	fields := strings.Fields(strings.Split(r.stdout, "\n")[1])
	if r.code != 0 || len(fields) < 4 || fields[2] != "Post" {
		t.Fatalf("reviews list:\n%s%s", r.stdout, r.stderr)
	}
	r = runCLI(t, "", admin, "reviews", "approve", fields[0], "--comment", "fine")
	if r.code != 0 || !strings.Contains(r.stdout, "Published the flow 'Post leads' in workspace 'default' as version 1") {
		t.Fatalf("approve: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", sam, "flow", "show", "Post leads")
	if r.code != 0 {
		t.Fatalf("the published flow: %s", r.stderr)
	}
	c, err := (&remote{server: server}).client(env{lookup: func(n string) (string, bool) { v, ok := sam[n]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.GetFlow(t.Context(), "Post leads")
	if err != nil || f.Owner == "" {
		t.Fatalf("the flow's owner: %+v, %v", f, err)
	}
	me, _ := c.Me(t.Context())
	if f.Owner != me.User.ID {
		t.Errorf("the flow is owned by %s, not the builder %s", f.Owner, me.User.ID)
	}
}

// TestServeRunsPerDayQuota: a workspace over its quota gets 429 with the
// reason and Retry-After; its owner is told.
func TestServeRunsPerDayQuota(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, _, stop := startServe(t, data, nil)
	t.Cleanup(func() { _ = stop() })
	server := "http://" + addr
	vars := map[string]string{"BISTRO_URL": server, "BISTRO_DATA": data}
	if r := runCLI(t, "", vars, "flow", "apply", "../../examples/lead-cleanup.yaml"); r.code != 0 {
		t.Fatalf("apply: %s%s", r.stdout, r.stderr)
	}
	adminCall(t, data, "PUT", server+"/api/v1/workspaces/default/quota", `{"runs_per_day":2}`)
	r := runCLI(t, "", vars, "flow", "show", "Clean a web-form lead")
	hook := strings.TrimSpace(r.stderr[strings.Index(r.stderr, "http://"):])
	post := func() *http.Response {
		resp, err := http.Post(hook, "application/json", strings.NewReader(`{"email":"ann@example.com","name":"ann"}`))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := range 2 {
		if resp := post(); resp.StatusCode != http.StatusCreated {
			t.Fatalf("call %d: %d", i+1, resp.StatusCode)
		}
	}
	resp := post()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "workspace 'default' has started its 2 runs for today, its quota") {
		t.Errorf("the third call: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	r = runCLI(t, "", vars, "flow", "run", "Clean a web-form lead", "--input", `{"email":"bo@example.com"}`)
	if r.code != 1 || !strings.Contains(r.stderr, "its quota") {
		t.Errorf("a manual run over quota: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestServeDataPolicy: a data policy saved on the server pauses the flow
// that breaks it and tells why; saving the flow again is refused at the
// step; a policy with a mistake is refused at its line.
func TestServeDataPolicy(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, _, stop := startServe(t, data, nil)
	t.Cleanup(func() { _ = stop() })
	server := "http://" + addr
	vars := map[string]string{"BISTRO_URL": server, "BISTRO_DATA": data}
	file := writeFile(t, "leads.yaml", leadsFlow)
	if r := runCLI(t, "", vars, "flow", "apply", file); r.code != 0 {
		t.Fatalf("apply: %s%s", r.stdout, r.stderr)
	}
	token, _ := os.ReadFile(filepath.Join(data, tokenFile))
	put := func(doc string) (int, string) {
		body, _ := json.Marshal(map[string]string{"document": doc, "file": "policy.yaml"})
		req, _ := http.NewRequest("PUT", server+"/api/v1/policy", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := put("rules:\n  - id: h\n    name: web only to us\n    hosts:\n      allow: [\"https://x\"]\n"); code != 422 || !strings.Contains(body, "policy.yaml:5:") {
		t.Errorf("a policy with a mistake: %d %s", code, body)
	}
	code, body := put("rules:\n  - id: h\n    name: web only to our hosts\n    hosts:\n      allow: [\"*.internal.example\"]\n")
	if code != 200 || !strings.Contains(body, `"flow":"Post leads"`) || !strings.Contains(body, "web only to our hosts") {
		t.Fatalf("save the policy: %d %s", code, body)
	}
	if r := runCLI(t, "", vars, "flow", "list"); !strings.Contains(r.stdout, "webhook  no") {
		t.Errorf("the flow after the policy:\n%s", r.stdout)
	}
	changed := writeFile(t, "leads.yaml", strings.Replace(leadsFlow, "lower(", "upper(", 1))
	r := runCLI(t, "", vars, "flow", "apply", changed)
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "web only to our hosts") || !strings.Contains(r.stdout+r.stderr, "leads.yaml:") {
		t.Errorf("apply against the policy: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
