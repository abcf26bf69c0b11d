package runner

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/webhook"
)

const asyncHook = `bistro: 1
name: hook
trigger: { webhook: { method: POST } }
steps:
  - id: copy
    set: { email: "{{ trigger.body.email }}" }
`

const syncHook = `bistro: 1
name: lead
trigger: { webhook: { method: POST, mode: sync } }
steps:
  - id: clean
    set: { email: "{{ lower(record.email) }}", same: "{{ record.email == trigger.body.email }}" }
  - id: real
    filter: not (record.email endsWith "@example.com")
  - id: reply
    respond: { status: 201, body: { ok: true, email: "{{ record.email }}" } }
`

const tokenHook = `bistro: 1
name: signed
trigger:
  webhook:
    method: POST
    token: { value: "{{ env.HOOK_TOKEN }}" }
steps:
  - id: copy
    set: { id: "{{ trigger.body.id }}" }
`

func post(body string, headers map[string]string) *webhook.Request {
	var v any
	_ = json.Unmarshal([]byte(body), &v)
	if headers == nil {
		headers = map[string]string{}
	}
	return &webhook.Request{Method: http.MethodPost, Headers: headers, Query: map[string]any{}, Body: v, RawBody: []byte(body)}
}

func TestWebhookAsync(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			fl := f.apply(asyncHook)
			f.start()
			rep, err := f.Webhook(context.Background(), fl.WebhookID, post(`{"email":"a@b.c"}`, nil))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != http.StatusAccepted || rep.RunID == "" {
				t.Fatalf("reply = %+v; want 202 with a run id", rep)
			}
			run := f.waitFinal(rep.RunID)
			if run.Status != store.StatusSucceeded || run.Trigger != "webhook" || !sameJSON(run.Output, `[{"email":"a@b.c"}]`) {
				t.Errorf("run = %s %s %s; want succeeded with the body's email", run.Status, run.Trigger, run.Output)
			}
		})
	}
}

func TestWebhookSync(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			fl := f.apply(syncHook)
			rep, err := f.Webhook(context.Background(), fl.WebhookID, post(`{"email":"Ann@Corp.COM"}`, nil))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(rep.Body)
			if rep.Status != 201 || string(body) != `{"email":"ann@corp.com","ok":true}` {
				t.Fatalf("reply = %d %s; want 201 with the respond body", rep.Status, body)
			}
			// The run was written before the reply: no worker is running.
			run, err := f.store.GetRun(context.Background(), rep.RunID)
			if err != nil || run.Status != store.StatusSucceeded || len(run.Response) == 0 {
				t.Errorf("stored run = %+v, %v; want succeeded with its response", run, err)
			}
		})
	}
}

func TestWebhookSyncTimeoutHandsOver(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			srv := newBlocker(t, 1)
			f := setup(t, b.open(t), nil)
			fl := f.apply("bistro: 1\nname: slowhook\ntrigger: { webhook: { mode: sync, timeout: 100ms } }\nsteps:\n  - id: call\n    http: { url: \"" + srv.URL + "\" }\n")
			rep, err := f.Webhook(context.Background(), fl.WebhookID, post(`{}`, nil))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != http.StatusAccepted || rep.RunID == "" {
				t.Fatalf("reply = %+v; want 202 with the run id", rep)
			}
			f.start()
			if run := f.waitFinal(rep.RunID); run.Status != store.StatusSucceeded {
				t.Errorf("handed over run = %s %s; want succeeded on a worker", run.Status, run.Error)
			}
		})
	}
}

func TestWebhookDedupe(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			fl := f.apply(tokenHook)
			h := map[string]string{"Authorization": "Bearer s3cret", "Webhook-Id": "msg_1"}
			first, err := f.Webhook(context.Background(), fl.WebhookID, post(`{"id":1}`, h))
			if err != nil {
				t.Fatal(err)
			}
			again, err := f.Webhook(context.Background(), fl.WebhookID, post(`{"id":1}`, h))
			if err != nil {
				t.Fatal(err)
			}
			if first.RunID != again.RunID {
				t.Errorf("redelivery started run %s, first %s; want the same run", again.RunID, first.RunID)
			}
			runs, _ := f.store.ListRuns(context.Background(), store.RunFilter{FlowID: fl.ID})
			if len(runs) != 1 {
				t.Errorf("%d runs; want 1", len(runs))
			}
			_, err = f.Webhook(context.Background(), fl.WebhookID, post(`{"id":1}`, map[string]string{"Authorization": "Bearer wrong"}))
			if !errors.Is(err, webhook.ErrUnauthorized) {
				t.Errorf("wrong token: error = %v; want unauthorised", err)
			}
		})
	}
}

func TestWebhookRefused(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), func(c *Config) { c.MaxQueued = 1 })
			ctx := context.Background()
			fl := f.apply(asyncHook)
			manual := f.apply(doubleFlow)
			if _, err := f.Webhook(ctx, "no-such-hook", post(`{}`, nil)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown webhook: %v; want not found", err)
			}
			if _, err := f.Webhook(ctx, manual.WebhookID, post(`{}`, nil)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("flow without a webhook: %v; want not found", err)
			}
			get := post(`{}`, nil)
			get.Method = http.MethodGet
			var me *api.MethodError
			if _, err := f.Webhook(ctx, fl.WebhookID, get); !errors.As(err, &me) || me.Allowed != "POST" {
				t.Errorf("GET: %v; want method not allowed, POST", err)
			}
			if _, err := f.Webhook(ctx, fl.WebhookID, post(`{}`, nil)); err != nil {
				t.Fatalf("first call: %v", err)
			}
			var be *api.BusyError
			if _, err := f.Webhook(ctx, fl.WebhookID, post(`{}`, nil)); !errors.As(err, &be) || !errors.Is(err, api.ErrBusy) || be.RetryAfter <= 0 {
				t.Errorf("over MaxQueued: %v; want busy with a retry-after", err)
			}
			if err := f.SetFlowEnabled(ctx, store.DefaultWorkspace, "hook", false); err != nil {
				t.Fatal(err)
			}
			_, err := f.Webhook(ctx, fl.WebhookID, post(`{}`, nil))
			if !errors.Is(err, store.ErrNotFound) || err.Error() != errNoWebhook.Error() {
				t.Errorf("disabled webhook: %v; want the unknown webhook's answer", err)
			}
		})
	}
}

func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			f.apply(doubleFlow)
			run, err := f.StartRun(context.Background(), store.DefaultWorkspace, "double", nil, 30*time.Millisecond)
			if err != nil || run.Status != store.StatusQueued {
				t.Errorf("StartRun with no worker = %s, %v; want queued after the wait", run.Status, err)
			}
		})
	}
}
