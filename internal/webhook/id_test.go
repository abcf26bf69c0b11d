package webhook

import "testing"

func TestMessageID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  *Request
		want string
	}{
		{"standard webhooks", &Request{Headers: map[string]string{"Webhook-Id": "msg_1", "Idempotency-Key": "k"}}, "msg_1"},
		{"github", &Request{Headers: map[string]string{"X-Github-Delivery": "72d3162e"}}, "72d3162e"},
		{"idempotency key", &Request{Headers: map[string]string{"Idempotency-Key": " k-1 "}}, "k-1"},
		{"stripe event id", &Request{Headers: map[string]string{"Stripe-Signature": "t=1,v1=00"},
			Body: map[string]any{"id": "evt_123"}}, "evt_123"},
		{"stripe body without event id", &Request{Headers: map[string]string{"Stripe-Signature": "t=1,v1=00"},
			Body: map[string]any{"id": "cus_123"}}, ""},
		{"body id without stripe header", &Request{Headers: map[string]string{}, Body: map[string]any{"id": "evt_123"}}, ""},
		{"none", &Request{Headers: map[string]string{"X-Request-Id": "r"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := MessageID(tt.req); got != tt.want {
				t.Errorf("MessageID = %q, want %q", got, tt.want)
			}
		})
	}
}
