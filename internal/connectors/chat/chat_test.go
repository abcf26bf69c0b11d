package chat_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/chat"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/engine"
)

// webhook is a local server playing a chat's incoming webhook: it keeps
// what was posted and answers as told.
type webhook struct {
	*httptest.Server
	secret string // the secret part of the address

	mu     sync.Mutex
	posted []map[string]any
	types  []string
	answer func(w http.ResponseWriter)
}

func newWebhook(t *testing.T, answer func(w http.ResponseWriter)) *webhook {
	t.Helper()
	h := &webhook{secret: "T0001/B0002/" + rand.Text(), answer: answer}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/services/"+h.secret {
			http.Error(w, "no_service", http.StatusNotFound)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.posted, h.types = append(h.posted, body), append(h.types, r.Header.Get("Content-Type"))
		h.mu.Unlock()
		h.answer(w)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *webhook) address() string { return h.URL + "/services/" + h.secret }

func (h *webhook) bodies() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.posted
}

func answer(status int, text string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}
}

func open(t *testing.T, config map[string]any) connector.Conn {
	t.Helper()
	return openEnv(t, config, connectortest.Env(t))
}

func openEnv(t *testing.T, config map[string]any, env connector.Env) connector.Conn {
	t.Helper()
	c := chat.New()
	if errs := c.Spec().ValidateConfig(config); len(errs) > 0 {
		t.Fatal(errs)
	}
	conn, err := c.Open(context.Background(), c.Spec().WithDefaults(config), env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func send(conn connector.Conn, input, record map[string]any) ([]map[string]any, error) {
	return connectortest.Do(context.Background(), conn, connector.Request{Action: "send", Input: input, Record: record})
}

// json decodes a JSON text for comparisons.
func decoded(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, chat.New().Spec())
}

func TestPayloads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config map[string]any
		input  map[string]any
		want   string
	}{
		{"slack text", map[string]any{"service": "slack"},
			map[string]any{"text": "Disk full on db-1"},
			`{"text": "Disk full on db-1"}`},
		{"slack title", map[string]any{"service": "slack"},
			map[string]any{"title": "Alert", "text": "Disk full"},
			`{"text": "*Alert*\nDisk full"}`},
		{"slack blocks", map[string]any{"service": "slack"},
			map[string]any{"text": "Disk full", "blocks": []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*Disk* full"}}}},
			`{"text": "Disk full", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Disk* full"}}]}`},
		{"teams adaptive card", map[string]any{"service": "teams"},
			map[string]any{"title": "Alert", "text": "Disk **full**", "card": map[string]any{"actions": []any{map[string]any{"type": "Action.OpenUrl", "title": "Open", "url": "https://example.com"}}}},
			`{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": {
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
				"body": [{"type": "TextBlock", "text": "Alert", "weight": "Bolder", "size": "Medium", "wrap": true}, {"type": "TextBlock", "text": "Disk **full**", "wrap": true}],
				"actions": [{"type": "Action.OpenUrl", "title": "Open", "url": "https://example.com"}]}}]}`},
		{"teams card body after the text", map[string]any{"service": "teams"},
			map[string]any{"text": "Order", "card": map[string]any{"version": "1.5", "body": []any{map[string]any{"type": "FactSet"}}}},
			`{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": {
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.5",
				"body": [{"type": "TextBlock", "text": "Order", "wrap": true}, {"type": "FactSet"}]}}]}`},
		{"teams message card", map[string]any{"service": "teams", "teams_format": "message_card"},
			map[string]any{"title": "Alert", "text": "Disk full", "card": map[string]any{"themeColor": "FF0000"}},
			`{"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": "Alert", "title": "Alert", "text": "Disk full", "themeColor": "FF0000"}`},
		{"payload as it is", map[string]any{"service": "slack"},
			map[string]any{"text": "ignored", "payload": map[string]any{"text": "hi", "username": "bistro", "icon_emoji": ":robot_face:"}},
			`{"text": "hi", "username": "bistro", "icon_emoji": ":robot_face:"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newWebhook(t, answer(http.StatusOK, "ok"))
			tt.config["webhook_url"] = h.address()
			record := map[string]any{"id": 7}
			out, err := send(open(t, tt.config), tt.input, record)
			if err != nil {
				t.Fatal(err)
			}
			got := h.bodies()
			if len(got) != 1 || h.types[0] != "application/json" {
				t.Fatalf("posted %v with content types %v", got, h.types)
			}
			if diff := cmp.Diff(decoded(t, tt.want), got[0]); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
			if len(out) != 1 || !cmp.Equal(out[0], record) {
				t.Errorf("emitted %v, want the incoming record", out)
			}
		})
	}
}

func TestNothingToSend(t *testing.T) {
	t.Parallel()
	for _, service := range []string{"slack", "teams"} {
		h := newWebhook(t, answer(http.StatusOK, "ok"))
		_, err := send(open(t, map[string]any{"service": service, "webhook_url": h.address()}), map[string]any{}, nil)
		if err == nil || !strings.Contains(err.Error(), "there is nothing to post") || !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("%s: error %v", service, err)
		}
		if n := len(h.bodies()); n != 0 {
			t.Errorf("%s: posted %d messages", service, n)
		}
	}
}

// TestAnswers checks how each answer of a webhook is classed, and that the
// webhook's address (a credential) never shows in an error.
func TestAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		service   string
		answer    func(w http.ResponseWriter)
		want      string // the error; "" for success
		retryable bool
		after     time.Duration
	}{
		{"slack ok", "slack", answer(http.StatusOK, "ok"), "", false, 0},
		{"teams workflow accepted", "teams", answer(http.StatusAccepted, ""), "", false, 0},
		{"teams connector ok", "teams", answer(http.StatusOK, "1"), "", false, 0},
		{"rate limited", "slack", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			answer(http.StatusTooManyRequests, "rate_limited")(w)
		}, "Slack is limiting how fast messages may be sent (429); it asks to wait 7s", true, 7 * time.Second},
		{"rate limited without a wait", "teams", answer(http.StatusTooManyRequests, ""), "Microsoft Teams is limiting how fast messages may be sent (429)", true, 0},
		{"teams connector rate limited with 200", "teams", answer(http.StatusOK, "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0"),
			"Microsoft Teams did not deliver the message: Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429", true, 0},
		{"teams connector failure with 200", "teams", answer(http.StatusOK, "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413"),
			"Microsoft Teams did not deliver the message", false, 0},
		{"bad payload", "slack", answer(http.StatusBadRequest, "invalid_blocks"), "Slack refused the message (400): invalid_blocks; check the message's blocks, card or payload", false, 0},
		{"webhook removed", "slack", answer(http.StatusNotFound, "no_service"), "Slack refused the message (404): no_service; the webhook no longer exists", false, 0},
		{"archived", "slack", answer(http.StatusGone, "channel_is_archived"), "Slack refused the message (410): channel_is_archived; the webhook no longer exists", false, 0},
		{"server error", "teams", answer(http.StatusBadGateway, "<html>bad gateway</html>"), "Microsoft Teams failed to take the message (502): <html>bad gateway</html>", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newWebhook(t, tt.answer)
			_, err := send(open(t, map[string]any{"service": tt.service, "webhook_url": h.address()}), map[string]any{"text": "hi"}, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if retry, after := connector.IsRetryable(err); retry != tt.retryable || after != tt.after {
				t.Errorf("retryable %v after %s, want %v after %s", retry, after, tt.retryable, tt.after)
			}
			noSecret(t, err, h)
		})
	}
}

func noSecret(t *testing.T, err error, h *webhook) {
	t.Helper()
	if strings.Contains(err.Error(), h.secret) || strings.Contains(err.Error(), "/services/") {
		t.Errorf("the error shows the webhook's address: %v", err)
	}
}

// TestEchoedAddress has the webhook quote its own address in its answer.
func TestEchoedAddress(t *testing.T) {
	t.Parallel()
	var h *webhook
	h = newWebhook(t, func(w http.ResponseWriter) {
		answer(http.StatusForbidden, "no posting to "+h.address())(w)
	})
	_, err := send(open(t, map[string]any{"service": "slack", "webhook_url": h.address()}), map[string]any{"text": "hi"}, nil)
	if err == nil || !strings.Contains(err.Error(), "no posting to [webhook address]") {
		t.Fatalf("error %v", err)
	}
	noSecret(t, err, h)
}

func TestNoRedirects(t *testing.T) {
	t.Parallel()
	elsewhere := make(chan *http.Request, 1)
	other := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { elsewhere <- r }))
	t.Cleanup(other.Close)
	h := newWebhook(t, func(w http.ResponseWriter) {
		w.Header().Set("Location", other.URL)
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	_, err := send(open(t, map[string]any{"service": "slack", "webhook_url": h.address()}), map[string]any{"text": "hi"}, nil)
	if err == nil || !strings.Contains(err.Error(), "answered with a redirect (307)") || !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("error %v", err)
	}
	select {
	case r := <-elsewhere:
		t.Errorf("the redirect was followed, with Referer %q", r.Referer())
	default:
	}
}

// TestPostsThroughEnv checks that messages go through the environment's
// HTTP client, where the admin's network policy holds.
func TestPostsThroughEnv(t *testing.T) {
	t.Parallel()
	h := newWebhook(t, answer(http.StatusOK, "ok"))
	env := connectortest.Env(t)
	env.HTTP = &http.Client{Transport: egress.Policy{}.Transport()} // loopback not allowed
	_, err := send(openEnv(t, map[string]any{"service": "slack", "webhook_url": h.address()}, env), map[string]any{"text": "hi"}, nil)
	if err == nil || !strings.Contains(err.Error(), "could not reach Slack at "+h.Listener.Addr().String()+": ") ||
		!strings.Contains(err.Error(), "loopback addresses (this machine) are blocked") {
		t.Fatalf("error %v", err)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("a refusal by the network policy must not be retried: %v", err)
	}
	noSecret(t, err, h)
	if n := len(h.bodies()); n != 0 {
		t.Errorf("posted %d messages past the policy", n)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	h := newWebhook(t, answer(http.StatusOK, "ok"))
	conn := open(t, map[string]any{"service": "teams", "webhook_url": h.address()})
	h.Close()
	_, err := send(conn, map[string]any{"text": "hi"}, nil)
	if err == nil || !strings.Contains(err.Error(), "could not reach Microsoft Teams at "+h.Listener.Addr().String()) {
		t.Fatalf("error %v", err)
	}
	if retry, _ := connector.IsRetryable(err); !retry {
		t.Errorf("an unreachable chat is worth retrying: %v", err)
	}
	noSecret(t, err, h)
}

func TestBadSettings(t *testing.T) {
	t.Parallel()
	for _, address := range []string{"hooks.slack.com/services/T0001/SECRET", "ftp://example.com/SECRET", "https:///SECRET"} {
		c := chat.New()
		_, err := c.Open(context.Background(), map[string]any{"service": "slack", "webhook_url": address}, connectortest.Env(t))
		if err == nil || !strings.Contains(err.Error(), "the setting 'webhook_url' is not a web address") || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: error %v", address, err)
		}
	}
}

// TestSendFlow posts a message per record through the engine.
func TestSendFlow(t *testing.T) {
	t.Parallel()
	h := newWebhook(t, answer(http.StatusOK, "ok"))
	res, out := connectortest.RunFlow(t, chat.New(), map[string]any{"service": "slack", "webhook_url": h.address()}, `
bistro: 1
name: tell sales
trigger: {manual: {}}
steps:
  - id: tell_sales
    action: chat.send
    connection: test
    with: {text: "New lead: {{ record.name }} <{{ record.email }}>"}
`, []map[string]any{{"name": "Ann", "email": "ann@example.com"}, {"name": "Bo", "email": "bo@example.com"}})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	want := []map[string]any{{"text": "New lead: Ann <ann@example.com>"}, {"text": "New lead: Bo <bo@example.com>"}}
	if diff := cmp.Diff(want, h.bodies()); diff != "" {
		t.Errorf("posted (-want +got):\n%s", diff)
	}
	if len(out) != 2 || out[1]["name"] != "Bo" {
		t.Errorf("out = %v, want the incoming records", out)
	}
}
