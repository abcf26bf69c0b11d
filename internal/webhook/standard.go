package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// The headers of the Standard Webhooks scheme (standardwebhooks.com).
const (
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"
)

// standardKey decodes a Standard Webhooks secret: base64, usually behind a
// "whsec_" prefix. A secret that is not base64 is a configuration mistake,
// and refusing is safer than guessing what key the sender uses.
func standardKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, &Error{Kind: ErrNotConfigured, Code: CodeNotConfigured, Err: err,
			Message: "this webhook's signing secret is not in the expected form (whsec_ followed by base64); ask the flow's owner"}
	}
	return key, nil
}

// verifyStandard checks a Standard Webhooks signature: HMAC-SHA256 keyed
// with the decoded secret over "ID.TIMESTAMP.BODY", base64 encoded, any of
// the space-separated "v1,SIGNATURE" values matching (key rotation). The
// replay key is the message id, which the spec makes unique per message.
func verifyStandard(req *Request, secret string) (string, time.Time, error) {
	key, err := standardKey(secret)
	if err != nil {
		return "", time.Time{}, err
	}
	id, stamp, sigs := req.Header(HeaderWebhookID), req.Header(HeaderWebhookTimestamp), req.Header(HeaderWebhookSignature)
	if missing := missingHeaders(id, stamp, sigs); missing != "" {
		return "", time.Time{}, refuse(CodeMissingSignature,
			"this webhook requires a signature and the call has no "+missing)
	}
	seconds, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || seconds <= 0 {
		return "", time.Time{}, refuse(CodeBadSignature, "the webhook-timestamp header is not a number of seconds")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(stamp))
	mac.Write([]byte{'.'})
	mac.Write(req.RawBody)
	want := mac.Sum(nil)
	got := make([]byte, base64.StdEncoding.DecodedLen(len(sigs)))
	for sig := range strings.FieldsSeq(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue // other versions (v1a is asymmetric) are not for this secret
		}
		n, err := base64.StdEncoding.Decode(got, []byte(value))
		if err == nil && hmac.Equal(got[:n], want) {
			return "standard:" + id, time.Unix(seconds, 0), nil
		}
	}
	return "", time.Time{}, refuse(CodeBadSignature, "the call's signature does not match its body")
}

// missingHeaders names the absent signature headers in words, e.g.
// "webhook-id and webhook-signature headers".
func missingHeaders(id, stamp, sigs string) string {
	var names []string
	for _, h := range []struct{ name, value string }{
		{"webhook-id", id}, {"webhook-timestamp", stamp}, {"webhook-signature", sigs},
	} {
		if h.value == "" {
			names = append(names, h.name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0] + " header"
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " headers"
	}
}
