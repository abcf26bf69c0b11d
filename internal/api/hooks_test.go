package api_test

import (
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/webhook"
)

func TestWebhookReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reply  api.WebhookReply
		status int
		body   string
		header map[string]string
	}{
		{"sync response", api.WebhookReply{Status: 201, Headers: map[string]string{"X-Lead": "new", "Content-Length": "1"}, Body: map[string]any{"ok": true}, RunID: "run-1"},
			201, `{"ok":true}` + "\n", map[string]string{"X-Lead": "new", "Bistro-Run-Id": "run-1", "Content-Type": "application/json"}},
		{"async", api.WebhookReply{RunID: "run-2"}, 202, `{"run_id":"run-2"}` + "\n", map[string]string{"Bistro-Run-Id": "run-2"}},
		{"text", api.WebhookReply{Status: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "thanks"}, 200, "thanks", nil},
		{"no body", api.WebhookReply{Status: 204}, 204, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.backend.Lock(func(b *apitest.Backend) { b.Reply = tc.reply })
			r := f.do(t, "POST", "/hooks/whleads?src=form", "-", `{"email":"a@b.c"}`)
			if r.status != tc.status || r.raw != tc.body {
				t.Fatalf("got %d %q, want %d %q", r.status, r.raw, tc.status, tc.body)
			}
			for k, v := range tc.header {
				if got := r.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			req := f.backend.LastHook
			if req == nil || req.Query["src"] != "form" || req.Method != "POST" {
				t.Fatalf("backend got %+v", req)
			}
			if body, _ := req.Body.(map[string]any); body["email"] != "a@b.c" {
				t.Errorf("parsed body %#v", req.Body)
			}
		})
	}
}

func TestWebhookErrors(t *testing.T) {
	t.Parallel()
	unauthorized := &webhook.Error{Kind: webhook.ErrUnauthorized, Code: webhook.CodeWrongToken, Message: "the webhook token is wrong"}
	notConfigured := &webhook.Error{Kind: webhook.ErrNotConfigured, Code: webhook.CodeNotConfigured, Message: "the webhook is not set up"}
	tests := []struct {
		name, path, body string
		err              error
		status           int
		detail, code     string
		header           map[string]string
	}{
		{"unknown", "/hooks/nope", `{}`, nil, 404, "there is no webhook at this address", "not_found", nil},
		{"too large", "/hooks/whleads", `{"text":"` + strings.Repeat("x", 100) + `"}`, nil, 413, "larger than this server accepts (64 bytes)", "body_too_large", nil},
		{"bad body", "/hooks/whleads", `{"email":`, nil, 400, "", "bad_body", nil},
		{"unauthorized", "/hooks/whleads", `{}`, unauthorized, 401, "the webhook token is wrong", "wrong_token", nil},
		{"not configured", "/hooks/whleads", `{}`, notConfigured, 503, "not set up", "not_configured", map[string]string{"Retry-After": "1"}},
		{"method", "/hooks/whleads", `{}`, &api.MethodError{Allowed: "PUT"}, 405, "only accepts PUT", "method_not_allowed", map[string]string{"Allow": "PUT"}},
		{"busy", "/hooks/whleads", `{}`, &api.BusyError{RetryAfter: 5 * time.Second}, 503, "try again", "busy", map[string]string{"Retry-After": "5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			if tc.err != nil {
				f.backend.FailWith("Webhook", tc.err)
			}
			r := f.do(t, http.MethodPost, tc.path, "-", tc.body)
			checkProblem(t, r, tc.status, tc.detail)
			if r.str("code") != tc.code {
				t.Errorf("code %q, want %q", r.str("code"), tc.code)
			}
			for k, v := range tc.header {
				if got := r.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestWebhookIDIsShortenedInLogs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.do(t, "POST", "/hooks/whleads-0123456789", "-", `{}`)
	if logs := f.logs.String(); strings.Contains(logs, "0123456789") || !strings.Contains(logs, "/hooks/whlead") {
		t.Fatalf("logs:\n%s", logs)
	}
}
