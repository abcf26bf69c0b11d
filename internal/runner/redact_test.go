package runner

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// leakyFlow copies an allowed environment variable (the fixture's
// HOOK_TOKEN, "s3cret") into a record, a reply and an error message.
const leakyFlow = `bistro: 1
name: leaky
trigger: { webhook: { method: POST, mode: sync } }
steps:
  - id: copy
    set: { token: "{{ env.HOOK_TOKEN }}", auth: "Bearer {{ env.HOOK_TOKEN }}" }
  - id: reply
    respond: { status: 200, body: { echoed: "{{ record.token }}" } }
`

const leakyFail = `bistro: 1
name: leaky fail
trigger: { manual: {} }
steps:
  - id: oops
    fail: "could not log in with {{ env.HOOK_TOKEN }}"
`

func TestSecretsStayOutOfRunsAndReplies(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			ctx := context.Background()
			hook := f.apply(leakyFlow)
			f.apply(leakyFail)

			rep, err := f.Webhook(ctx, hook.WebhookID, post(`{}`, nil))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(rep.Body)
			stored, err := f.store.GetRun(ctx, rep.RunID)
			if err != nil {
				t.Fatal(err)
			}
			f.start()
			failed, err := f.StartRun(ctx, store.DefaultWorkspace, "leaky fail", nil, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			failed, _, err = f.GetRun(ctx, failed.ID)
			if err != nil {
				t.Fatal(err)
			}
			for what, text := range map[string]string{
				"the webhook reply":      string(body),
				"the stored output":      string(stored.Output),
				"the stored reply":       string(stored.Response),
				"the failed run's error": string(failed.Error),
			} {
				if strings.Contains(text, "s3cret") || !strings.Contains(text, "[redacted]") {
					t.Errorf("%s is not redacted: %s", what, text)
				}
			}
		})
	}
}
