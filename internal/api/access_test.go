package api_test

import (
	"cmp"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

// operations lists every operation of the router by id, with its method
// and path, from the OpenAPI document the router is built with.
func operations(t *testing.T) map[string][2]string {
	t.Helper()
	spec, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string][2]string{}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			ops[op.OperationID] = [2]string{strings.ToUpper(method), path}
		}
	}
	return ops
}

// TestAccessMatrixCoversEveryRoute fails for a route without an entry in
// the matrix (it would be refused to everyone) and for an entry without a
// route, and keeps docs/access.md in step with the matrix.
func TestAccessMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	ops := operations(t)
	for id, op := range ops {
		if _, ok := api.Access[id]; !ok {
			t.Errorf("%s %s (%s) has no entry in api.Access", op[0], op[1], id)
		}
	}
	for id := range api.Access {
		if _, ok := ops[id]; !ok {
			t.Errorf("api.Access names %s, which is no operation", id)
		}
	}
	table := accessTable(ops)
	guide, err := os.ReadFile(accessFile)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := strings.Index(string(guide), tableBegin), strings.Index(string(guide), tableEnd)
	if begin < 0 || end < begin {
		t.Fatalf("docs/access.md lacks the markers %q and %q around the table", tableBegin, tableEnd)
	}
	want := string(guide[:begin]) + tableBegin + "\n" + table + string(guide[end:])
	if *update {
		if err := os.WriteFile(accessFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(guide) {
		t.Errorf("docs/access.md is stale: run go test ./internal/api -run AccessMatrix -update")
	}
}

const (
	accessFile = "../../docs/access.md"
	tableBegin = "<!-- access table: generated from api.Access -->"
	tableEnd   = "<!-- end of access table -->"
)

// accessTable is the matrix as a Markdown table, by level, then path.
func accessTable(ops map[string][2]string) string {
	var rows []string
	for _, need := range api.Needs {
		var level [][2]string
		for id, op := range ops {
			if api.Access[id] == need {
				level = append(level, op)
			}
		}
		slices.SortFunc(level, func(a, b [2]string) int {
			return cmp.Or(strings.Compare(a[1], b[1]), strings.Compare(a[0], b[0]))
		})
		for _, op := range level {
			rows = append(rows, "| `"+op[0]+" "+op[1]+"` | "+string(need)+" |\n")
		}
	}
	return "| Operation | Needs |\n|---|---|\n" + strings.Join(rows, "")
}

// TestRolesAgainstTheMatrix calls every workspace operation as each role
// and as an outsider, and expects a refusal exactly where the matrix has
// one.
func TestRolesAgainstTheMatrix(t *testing.T) {
	t.Parallel()
	f := setup(t)
	roles := []struct {
		token string
		rank  int
	}{{"bst_outsider", 0}, {"bst_viewer", 1}, {"bst_operator", 2}, {"bst_builder", 3}, {"bst_owner", 4}, {"", 5}}
	for _, r := range roles[2:5] {
		f.people.AddToken(t, r.token, tokenOfRole(strings.TrimPrefix(r.token, "bst_")))
	}
	rank := map[api.Need]int{api.Viewer: 1, api.Operator: 2, api.Builder: 3, api.Owner: 4, api.Admin: 5}
	for id, op := range operations(t) {
		need := api.Access[id]
		if need == api.Public || need == api.SignedIn {
			continue
		}
		path := strings.NewReplacer("{name}", "leads", "{id}", "run-x", "{version}", "1", "{workspace}", "default",
			"{user_id}", "user-outsider", "{webhook_id}", "whleads").Replace(op[1])
		for _, r := range roles {
			got := f.do(t, op[0], path, r.token, "").status
			if got == http.StatusUnauthorized {
				t.Errorf("%s %s as %q: 401", op[0], path, r.token)
			}
			if denied := r.rank < rank[need]; denied != (got == http.StatusForbidden) {
				t.Errorf("%s %s (%s, needs %s) as %q: status %d", op[0], path, id, need, r.token, got)
			}
		}
	}
}

// tokenOfRole is an installation token with role in the default
// workspace, owned by nobody.
func tokenOfRole(role string) store.Token {
	return store.Token{ID: "tok-" + role, Name: role, Role: role, Workspace: store.DefaultWorkspace}
}
