package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
)

// Do posts one message and emits the incoming record.
func (c *conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	if req.Action != "send" {
		return connector.Permanent(fmt.Errorf("the chat connector has no action '%s'; it has send", req.Action))
	}
	body, err := c.body(readMessage(req.Input))
	if err != nil {
		return err
	}
	if err := c.post(ctx, body); err != nil {
		return err
	}
	if req.Record == nil {
		return emit(map[string]any{})
	}
	return emit(req.Record)
}

// post sends body to the webhook and reads the answer.
func (c *conn) post(ctx context.Context, body map[string]any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return connector.Permanent(fmt.Errorf("the message cannot be written as JSON: %v", err))
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.webhook.String(), bytes.NewReader(data))
	if err != nil {
		return connector.Permanent(fmt.Errorf("could not make the request to %s: %s", c.serviceName(), c.hide(err.Error())))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return c.sendError(ctx, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return c.answerError(resp, c.hide(strings.TrimSpace(string(answer))))
}

// sendError explains a request that got no answer. The error of the HTTP
// client quotes the webhook's address, so only its cause is kept.
func (c *conn) sendError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := fmt.Errorf("could not reach %s at %s: %s", c.serviceName(), c.webhook.Host, c.hide(err.Error()))
	switch {
	case egress.IsRefused(err):
		return connector.Permanent(msg)
	case ctx.Err() != nil:
		return connector.Retryable(fmt.Errorf("%s did not answer within %s", c.serviceName(), c.timeout), 0)
	}
	return connector.Retryable(msg, 0)
}

// answerError classes the webhook's answer: nil for success, retryable
// for a rate limit or a failure on the chat's side, permanent for a
// rejected message.
func (c *conn) answerError(resp *http.Response, answer string) error {
	name := c.serviceName()
	status := resp.StatusCode
	switch {
	case status >= 200 && status < 300:
		return c.deliveryFailed(answer)
	case status == http.StatusTooManyRequests:
		after := c.retryAfter(resp.Header.Get("Retry-After"))
		return connector.Retryable(fmt.Errorf("%s is limiting how fast messages may be sent (429)%s", name, waitHint(after)), after)
	case status == http.StatusRequestTimeout || status >= 500:
		return connector.Retryable(fmt.Errorf("%s failed to take the message (%d): %s", name, status, excerpt(answer)), c.retryAfter(resp.Header.Get("Retry-After")))
	case status >= 300 && status < 400:
		return connector.Permanent(fmt.Errorf("%s answered with a redirect (%d), which webhooks do not do: check the setting 'webhook_url'", name, status))
	}
	return connector.Permanent(fmt.Errorf("%s refused the message (%d): %s%s", name, status, excerpt(answer), hint(status, answer)))
}

// deliveryFailed catches the Office 365 connector webhooks' way of
// reporting a failure with a success status.
func (c *conn) deliveryFailed(answer string) error {
	if c.service != teams || !strings.Contains(answer, "delivery failed") {
		return nil
	}
	err := fmt.Errorf("Microsoft Teams did not deliver the message: %s", excerpt(answer))
	if strings.Contains(answer, "HTTP error 429") {
		return connector.Retryable(err, 0)
	}
	return connector.Permanent(err)
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func (c *conn) retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(c.now()) {
		return t.Sub(c.now()).Round(time.Second)
	}
	return 0
}

func waitHint(after time.Duration) string {
	if after <= 0 {
		return ""
	}
	return fmt.Sprintf("; it asks to wait %s", after)
}

// hint says what to do about the refusals people run into.
func hint(status int, answer string) string {
	switch {
	case status == http.StatusNotFound, status == http.StatusGone, answer == "no_service", answer == "invalid_token":
		return "; the webhook no longer exists (removed, or its channel deleted or archived): make a new one and update the connection"
	case answer == "channel_is_archived":
		return "; the channel is archived"
	case answer == "action_prohibited":
		return "; an admin of the workspace restricted posting there"
	case status == http.StatusBadRequest:
		return "; check the message's blocks, card or payload"
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return "; the webhook is not allowed to post any more: check it in the chat's settings"
	}
	return ""
}

// excerpt shortens a long answer (an HTML error page) for an error
// message.
func excerpt(answer string) string {
	if answer == "" {
		return "no explanation given"
	}
	if r := []rune(answer); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return answer
}

// hide takes the webhook's address, and its secret parts, out of text.
func (c *conn) hide(text string) string {
	for _, secret := range []string{c.webhook.String(), c.webhook.RawQuery, c.webhook.EscapedPath(), c.webhook.Path} {
		if len(secret) > 1 {
			text = strings.ReplaceAll(text, secret, "[webhook address]")
		}
	}
	return text
}
