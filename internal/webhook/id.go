package webhook

import "strings"

// deliveryHeaders carry a sender's id for one delivery, the same on every
// retry of it, in the order they are trusted.
var deliveryHeaders = []string{
	HeaderWebhookID,        // Standard Webhooks
	"Svix-Id",              // Svix, the origin of Standard Webhooks
	"X-Github-Delivery",    // GitHub
	"X-Gitlab-Event-Uuid",  // GitLab
	"X-Shopify-Webhook-Id", // Shopify
	"Idempotency-Key",      // the IETF draft most APIs follow
}

// MessageID returns the sender's id for this delivery, the same on every
// retry of it, or "" when the call has none. It comes from the
// Standard Webhooks webhook-id header, common delivery headers (GitHub,
// GitLab, Shopify, Svix), Idempotency-Key, or, for Stripe calls, the event
// id in the body. The runner can use it as the run's dedupe key; since the
// caller chooses it, scope it to the webhook and trust it only on webhooks
// that require a signature or a token.
func MessageID(req *Request) string {
	for _, h := range deliveryHeaders {
		if id := strings.TrimSpace(req.Header(h)); id != "" {
			return id
		}
	}
	if req.Header(DefaultStripeHeader) != "" {
		if body, ok := req.Body.(map[string]any); ok {
			if id, ok := body["id"].(string); ok && strings.HasPrefix(id, "evt_") {
				return id
			}
		}
	}
	return ""
}
