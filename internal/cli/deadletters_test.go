package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/store"
)

func TestDeadLetterCommands(t *testing.T) {
	t.Parallel()
	srv, vars := serverVars(t)
	srv.Backend.AddDeadLetter(store.DeadLetter{ID: "dl-1", FlowID: "f-leads", FlowName: "leads", RunID: "run-9",
		Source: "redis.stream", MessageID: "1700-0", Record: json.RawMessage(`{"id":7}`),
		Error: "step 'save' failed:\nthe database said no", Attempts: 3, CreatedAt: apitest.T0})

	r := runCLI(t, "", vars, "dead-letters", "list", "--flow", "leads")
	if r.code != 0 || !strings.Contains(r.stdout, "dl-1") || !strings.Contains(r.stdout, "redis.stream") ||
		!strings.Contains(r.stdout, "step 'save' failed: …") {
		t.Fatalf("list: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "dead-letters", "list", "--flow", "nope"); r.code != 1 || !strings.Contains(r.stderr, "there is no flow called 'nope'") {
		t.Errorf("list of an unknown flow: code %d, %s", r.code, r.stderr)
	}
	r = runCLI(t, "", vars, "dead-letters", "replay", "dl-1")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "run-") || !strings.Contains(r.stderr, "runs again") {
		t.Fatalf("replay: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "dead-letters", "replay", "dl-1"); r.code != 1 || !strings.Contains(r.stderr, "there is no dead letter with id 'dl-1'") {
		t.Errorf("replay twice: code %d, %s", r.code, r.stderr)
	}
	srv.Backend.AddDeadLetter(store.DeadLetter{ID: "dl-2", FlowName: "leads", CreatedAt: apitest.T0})
	if r := runCLI(t, "", vars, "dead-letters", "delete", "dl-2"); r.code != 0 || !strings.Contains(r.stdout, "dead letter dl-2 deleted") {
		t.Errorf("delete: code %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", vars, "dead-letters", "list"); r.code != 0 || !strings.Contains(r.stderr, "no dead letters") {
		t.Errorf("empty list: code %d, %s %s", r.code, r.stdout, r.stderr)
	}
}
