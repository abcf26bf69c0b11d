package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/flow"
)

var (
	testNow = time.Unix(1_800_000_000, 0)
	// stdSecret is a Standard Webhooks secret: whsec_ and base64 of the key.
	stdKey      = []byte("standard-webhooks-test-key-32byt")
	stdSecret   = "whsec_" + base64.StdEncoding.EncodeToString(stdKey)
	otherSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("another-key-entirely-0123456789"))
	stripeKey   = "whsec_stripe_test_secret_value"
	tokenValue  = "tok-4f1c9d2e8b7a"
	body        = []byte(`{"id":"evt_1","amount":1200}`)
)

// The signatures below are computed here, from the specs, independently of
// the code under test.

func stripeHeader(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.%s", ts, body)
	return fmt.Sprintf("t=%d,v1=%s", ts, hex.EncodeToString(mac.Sum(nil)))
}

func standardSignature(key []byte, id string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.%s", id, ts, body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func standardRequest(key []byte, id string, ts int64, body []byte) *Request {
	return &Request{Method: "POST", RawBody: body, Headers: map[string]string{
		"Webhook-Id":        id,
		"Webhook-Timestamp": fmt.Sprint(ts),
		"Webhook-Signature": standardSignature(key, id, ts, body),
	}}
}

func stripeRequest(header string) *Request {
	return &Request{Method: "POST", RawBody: body, Headers: map[string]string{"Stripe-Signature": header}}
}

func withHeader(r *Request, name, value string) *Request {
	if value == "" {
		delete(r.Headers, name)
	} else {
		r.Headers[name] = value
	}
	return r
}

var (
	standardCheck = Check{Signature: &flow.WebhookSignature{Scheme: SchemeStandard}, Secret: stdSecret}
	stripeCheck   = Check{Signature: &flow.WebhookSignature{Scheme: SchemeStripe}, Secret: stripeKey}
)

func tokenCheck(header, query string) Check {
	return Check{Token: &flow.WebhookToken{Header: header, Query: query}, TokenValue: tokenValue}
}

type verifyCase struct {
	name  string
	req   *Request
	check Check
	code  string // "" when the call is accepted
}

func verifyCases() []verifyCase {
	ts := testNow.Unix()
	old, future := ts-int64(6*60), ts+int64(6*60)
	goodStd := func() *Request { return standardRequest(stdKey, "msg_1", ts, body) }
	goodStripe := stripeHeader(stripeKey, ts, body)
	return []verifyCase{
		{"no check", &Request{}, Check{}, ""},

		{"standard good", goodStd(), standardCheck, ""},
		{"standard secret without whsec_ prefix", goodStd(),
			Check{Signature: standardCheck.Signature, Secret: strings.TrimPrefix(stdSecret, "whsec_")}, ""},
		{"standard timestamp at the edge of tolerance", standardRequest(stdKey, "msg_1", ts-300, body), standardCheck, ""},
		{"standard custom tolerance", standardRequest(stdKey, "msg_1", old, body),
			Check{Signature: standardCheck.Signature, Secret: stdSecret, Tolerance: 10 * time.Minute}, ""},
		{"standard tampered body", func() *Request { r := goodStd(); r.RawBody = []byte(`{"id":"evt_1","amount":1}`); return r }(),
			standardCheck, CodeBadSignature},
		{"standard wrong secret", goodStd(), Check{Signature: standardCheck.Signature, Secret: otherSecret}, CodeBadSignature},
		{"standard old timestamp", standardRequest(stdKey, "msg_1", old, body), standardCheck, CodeOldTimestamp},
		{"standard future timestamp", standardRequest(stdKey, "msg_1", future, body), standardCheck, CodeFutureTimestamp},
		{"standard rotation", withHeader(goodStd(), "Webhook-Signature",
			standardSignature([]byte("old key"), "msg_1", ts, body)+" "+standardSignature(stdKey, "msg_1", ts, body)), standardCheck, ""},
		{"standard asymmetric version ignored", withHeader(goodStd(), "Webhook-Signature",
			"v1a,"+strings.TrimPrefix(standardSignature(stdKey, "msg_1", ts, body), "v1,")), standardCheck, CodeBadSignature},
		{"standard missing id", withHeader(goodStd(), "Webhook-Id", ""), standardCheck, CodeMissingSignature},
		{"standard missing timestamp", withHeader(goodStd(), "Webhook-Timestamp", ""), standardCheck, CodeMissingSignature},
		{"standard missing signature", withHeader(goodStd(), "Webhook-Signature", ""), standardCheck, CodeMissingSignature},
		{"standard timestamp not a number", withHeader(goodStd(), "Webhook-Timestamp", "yesterday"), standardCheck, CodeBadSignature},
		{"standard signature not base64", withHeader(goodStd(), "Webhook-Signature", "v1,???"), standardCheck, CodeBadSignature},
		{"standard empty secret", goodStd(), Check{Signature: standardCheck.Signature}, CodeNotConfigured},
		{"standard secret not base64", goodStd(), Check{Signature: standardCheck.Signature, Secret: "whsec_not base64!"}, CodeNotConfigured},

		{"stripe good", stripeRequest(goodStripe), stripeCheck, ""},
		{"stripe custom header", &Request{RawBody: body, Headers: map[string]string{"X-Signature": goodStripe}},
			Check{Signature: &flow.WebhookSignature{Scheme: SchemeStripe, Header: "x-signature"}, Secret: stripeKey}, ""},
		{"stripe with v0 and spaces", stripeRequest(strings.ReplaceAll(goodStripe, ",", ", ") + ",v0=abc"), stripeCheck, ""},
		{"stripe rotation", stripeRequest(goodStripe + ",v1=" + strings.Repeat("0", 64)), stripeCheck, ""},
		{"stripe rotation good second", stripeRequest(fmt.Sprintf("t=%d,v1=%s,%s", ts, strings.Repeat("ab", 32),
			strings.TrimPrefix(goodStripe, fmt.Sprintf("t=%d,", ts)))), stripeCheck, ""},
		{"stripe tampered body", &Request{RawBody: []byte(`{}`), Headers: map[string]string{"Stripe-Signature": goodStripe}},
			stripeCheck, CodeBadSignature},
		{"stripe wrong secret", stripeRequest(stripeHeader("whsec_other", ts, body)), stripeCheck, CodeBadSignature},
		{"stripe old timestamp", stripeRequest(stripeHeader(stripeKey, old, body)), stripeCheck, CodeOldTimestamp},
		{"stripe future timestamp", stripeRequest(stripeHeader(stripeKey, future, body)), stripeCheck, CodeFutureTimestamp},
		{"stripe timestamp swapped", stripeRequest(strings.Replace(goodStripe, fmt.Sprint(ts), fmt.Sprint(ts-1), 1)),
			stripeCheck, CodeBadSignature},
		{"stripe only v0", stripeRequest(fmt.Sprintf("t=%d,v0=%s", ts, strings.Repeat("ab", 32))), stripeCheck, CodeBadSignature},
		{"stripe malformed", stripeRequest("garbage"), stripeCheck, CodeBadSignature},
		{"stripe missing header", &Request{RawBody: body, Headers: map[string]string{}}, stripeCheck, CodeMissingSignature},
		{"stripe empty secret", stripeRequest(goodStripe), Check{Signature: stripeCheck.Signature}, CodeNotConfigured},

		{"unknown scheme", goodStd(), Check{Signature: &flow.WebhookSignature{Scheme: "md5"}, Secret: "x"}, CodeNotConfigured},

		{"bearer good", &Request{Headers: map[string]string{"Authorization": "Bearer " + tokenValue}}, tokenCheck("", ""), ""},
		{"bearer lower case scheme", &Request{Headers: map[string]string{"Authorization": "bearer " + tokenValue}}, tokenCheck("", ""), ""},
		{"bearer wrong", &Request{Headers: map[string]string{"Authorization": "Bearer nope"}}, tokenCheck("", ""), CodeWrongToken},
		{"bearer prefix of token", &Request{Headers: map[string]string{"Authorization": "Bearer " + tokenValue[:4]}}, tokenCheck("", ""), CodeWrongToken},
		{"bearer missing", &Request{Headers: map[string]string{}}, tokenCheck("", ""), CodeMissingToken},
		{"basic is not bearer", &Request{Headers: map[string]string{"Authorization": "Basic " + tokenValue}}, tokenCheck("", ""), CodeMissingToken},
		{"header good", &Request{Headers: map[string]string{"X-Hook-Token": tokenValue}}, tokenCheck("x-hook-token", ""), ""},
		{"header wrong", &Request{Headers: map[string]string{"X-Hook-Token": "nope"}}, tokenCheck("X-Hook-Token", ""), CodeWrongToken},
		{"header missing", &Request{Headers: map[string]string{"Authorization": "Bearer " + tokenValue}}, tokenCheck("X-Hook-Token", ""), CodeMissingToken},
		{"query good", &Request{Query: map[string]any{"token": tokenValue}}, tokenCheck("", "token"), ""},
		{"query wrong", &Request{Query: map[string]any{"token": "nope"}}, tokenCheck("", "token"), CodeWrongToken},
		{"query repeated", &Request{Query: map[string]any{"token": []any{tokenValue, tokenValue}}}, tokenCheck("", "token"), CodeWrongToken},
		{"query missing", &Request{Query: map[string]any{}}, tokenCheck("", "token"), CodeMissingToken},
		{"header or query, query given", &Request{Query: map[string]any{"token": tokenValue}}, tokenCheck("X-Hook-Token", "token"), ""},
		{"empty token", &Request{Headers: map[string]string{"Authorization": "Bearer "}}, Check{Token: &flow.WebhookToken{}}, CodeNotConfigured},

		{"token and signature", withHeader(goodStd(), "Authorization", "Bearer "+tokenValue),
			Check{Signature: standardCheck.Signature, Secret: stdSecret, Token: &flow.WebhookToken{}, TokenValue: tokenValue}, ""},
		{"token right, signature wrong", withHeader(goodStd(), "Authorization", "Bearer "+tokenValue),
			Check{Signature: standardCheck.Signature, Secret: otherSecret, Token: &flow.WebhookToken{}, TokenValue: tokenValue}, CodeBadSignature},
		{"signature right, token missing", goodStd(),
			Check{Signature: standardCheck.Signature, Secret: stdSecret, Token: &flow.WebhookToken{}, TokenValue: tokenValue}, CodeMissingToken},
	}
}

// secretsIn lists what must never appear in an error message: the secrets,
// the token and the signatures the check expects.
func secretsIn(c Check, req *Request) []string {
	out := []string{tokenValue, stripeKey, stdSecret, strings.TrimPrefix(stdSecret, "whsec_"), string(stdKey)}
	for _, s := range []string{c.Secret, c.TokenValue} {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	base := testNow.Unix()
	for _, ts := range []int64{base, base - 300, base - 360, base + 360} {
		out = append(out,
			strings.TrimPrefix(standardSignature(stdKey, req.Headers["Webhook-Id"], ts, req.RawBody), "v1,"),
			strings.TrimPrefix(stripeHeader(c.Secret, ts, req.RawBody), fmt.Sprintf("t=%d,v1=", ts)))
	}
	return out
}

func TestVerify(t *testing.T) {
	t.Parallel()
	for _, tt := range verifyCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(context.Background(), tt.req, tt.check, testNow, NewMemoryGuard(10, nil))
			if got := Code(err); got != tt.code || (err == nil) != (tt.code == "") {
				t.Fatalf("Verify = %v (code %q), want code %q", err, got, tt.code)
			}
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			wantKind := ErrUnauthorized
			if tt.code == CodeNotConfigured {
				wantKind = ErrNotConfigured
			}
			if !errors.Is(err, wantKind) {
				t.Errorf("error %v is not %v", err, wantKind)
			}
			for _, secret := range secretsIn(tt.check, tt.req) {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q reveals %q", err, secret)
				}
			}
		})
	}
}

// TestStandardSpecExample checks the example of the Standard Webhooks
// specification, so that a mistake shared by the code and this test's
// signing helper still shows.
func TestStandardSpecExample(t *testing.T) {
	t.Parallel()
	req := &Request{RawBody: []byte(`{"test": 2432232314}`), Headers: map[string]string{
		"Webhook-Id":        "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"Webhook-Timestamp": "1614265330",
		"Webhook-Signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	}}
	check := Check{Signature: &flow.WebhookSignature{Scheme: SchemeStandard}, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	if err := Verify(context.Background(), req, check, time.Unix(1614265330, 0), nil); err != nil {
		t.Fatalf("spec example refused: %v", err)
	}
	req.RawBody = []byte(`{"test": 2432232315}`)
	if err := Verify(context.Background(), req, check, time.Unix(1614265330, 0), nil); Code(err) != CodeBadSignature {
		t.Fatalf("changed spec example = %v, want %s", err, CodeBadSignature)
	}
}

func TestVerifyReplay(t *testing.T) {
	t.Parallel()
	ts := testNow.Unix()
	tests := []struct {
		name         string
		first, again *Request
		check        Check
		againCode    string
	}{
		{"standard same id", standardRequest(stdKey, "msg_1", ts, body), standardRequest(stdKey, "msg_1", ts, body),
			standardCheck, CodeReplayed},
		{"standard same id, new timestamp", standardRequest(stdKey, "msg_1", ts, body), standardRequest(stdKey, "msg_1", ts+1, body),
			standardCheck, CodeReplayed},
		{"standard other id", standardRequest(stdKey, "msg_1", ts, body), standardRequest(stdKey, "msg_2", ts, body),
			standardCheck, ""},
		{"stripe same call", stripeRequest(stripeHeader(stripeKey, ts, body)), stripeRequest(stripeHeader(stripeKey, ts, body)),
			stripeCheck, CodeReplayed},
		{"stripe re-signed later", stripeRequest(stripeHeader(stripeKey, ts, body)), stripeRequest(stripeHeader(stripeKey, ts+1, body)),
			stripeCheck, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			guard := NewMemoryGuard(10, nil)
			if err := Verify(context.Background(), tt.first, tt.check, testNow, guard); err != nil {
				t.Fatalf("first call refused: %v", err)
			}
			err := Verify(context.Background(), tt.again, tt.check, testNow, guard)
			if Code(err) != tt.againCode {
				t.Fatalf("second call = %v, want code %q", err, tt.againCode)
			}
		})
	}
}

func TestVerifyReplayScope(t *testing.T) {
	t.Parallel()
	guard := NewMemoryGuard(10, nil)
	req := standardRequest(stdKey, "msg_1", testNow.Unix(), body)
	for _, scope := range []string{"hook-a", "hook-b"} {
		check := standardCheck
		check.Scope = scope
		if err := Verify(context.Background(), req, check, testNow, guard); err != nil {
			t.Fatalf("scope %s: first call refused: %v", scope, err)
		}
	}
}

type failingGuard struct{}

func (failingGuard) Seen(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("database is down")
}

func TestVerifyGuardFailure(t *testing.T) {
	t.Parallel()
	err := Verify(context.Background(), standardRequest(stdKey, "msg_1", testNow.Unix(), body), standardCheck, testNow, failingGuard{})
	if !errors.Is(err, ErrGuardFull) || Code(err) != CodeBusy {
		t.Fatalf("Verify = %v, want a busy error", err)
	}
	if strings.Contains(err.Error(), "database") {
		t.Errorf("message %q shows an internal cause", err)
	}
}

func TestNewCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		trigger   *flow.WebhookTrigger
		tolerance time.Duration
		wantErr   bool
	}{
		{"nil trigger", nil, 0, false},
		{"default tolerance", &flow.WebhookTrigger{Signature: &flow.WebhookSignature{Scheme: SchemeStripe}}, 0, false},
		{"given tolerance", &flow.WebhookTrigger{Signature: &flow.WebhookSignature{Tolerance: "90s"}}, 90 * time.Second, false},
		{"bad tolerance", &flow.WebhookTrigger{Signature: &flow.WebhookSignature{Tolerance: "soon"}}, 0, true},
		{"negative tolerance", &flow.WebhookTrigger{Signature: &flow.WebhookSignature{Tolerance: "-1m"}}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewCheck(tt.trigger, "scope", "s", "t")
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewCheck error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (c.Tolerance != tt.tolerance || c.Scope != "scope" || c.Secret != "s" || c.TokenValue != "t") {
				t.Errorf("NewCheck = %+v", c)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	req := &Request{
		Headers: map[string]string{"X-Hook-Token": tokenValue, "Authorization": "Bearer x", "X-Other": "kept"},
		Query:   map[string]any{"token": tokenValue, "page": "2"},
	}
	tokenCheck("x-hook-token", "token").Redact(req)
	trigger := req.Trigger()
	if got := fmt.Sprint(trigger); strings.Contains(got, tokenValue) || strings.Contains(got, "Bearer") {
		t.Errorf("trigger still holds a credential: %s", got)
	}
	if req.Headers["X-Other"] != "kept" || req.Query["page"] != "2" {
		t.Errorf("Redact removed more than the token: %v %v", req.Headers, req.Query)
	}
}
