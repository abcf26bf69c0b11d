package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/flow"
)

// DefaultTolerance is how far a signed call's timestamp may be from now,
// in the past or the future, when the flow does not say.
const DefaultTolerance = 5 * time.Minute

// The signature schemes of flow.WebhookSignature.Scheme.
const (
	SchemeStripe   = "stripe"
	SchemeStandard = "standard"
)

// Check is what a webhook requires of every call, with its secrets already
// evaluated. The zero Check accepts every call.
type Check struct {
	// Signature, when set, requires a signature in its scheme.
	Signature *flow.WebhookSignature
	// Secret is the evaluated signature secret (Signature.Secret is the
	// unevaluated template). Empty with Signature set refuses every call.
	Secret string
	// Token, when set, requires a fixed token.
	Token *flow.WebhookToken
	// TokenValue is the evaluated token (Token.Value is the unevaluated
	// template). Empty with Token set refuses every call.
	TokenValue string
	// Tolerance is how far a signed call's timestamp may be from now, in
	// either direction. Zero means DefaultTolerance.
	Tolerance time.Duration
	// Scope names the webhook in replay keys, so that webhooks sharing one
	// guard do not refuse each other's message ids.
	Scope string
}

// NewCheck builds the check of a webhook trigger from its settings and the
// evaluated secret and token. It fails only on a tolerance that is not a
// positive duration.
func NewCheck(t *flow.WebhookTrigger, scope, secret, token string) (Check, error) {
	c := Check{Scope: scope, Secret: secret, TokenValue: token}
	if t == nil {
		return c, nil
	}
	c.Signature, c.Token = t.Signature, t.Token
	if t.Signature != nil && t.Signature.Tolerance != "" {
		d, err := time.ParseDuration(t.Signature.Tolerance)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("the signature tolerance %q is not a duration such as 5m", t.Signature.Tolerance)
		}
		c.Tolerance = d
	}
	return c, nil
}

func (c Check) tolerance() time.Duration {
	if c.Tolerance > 0 {
		return c.Tolerance
	}
	return DefaultTolerance
}

// Verify checks that a call carries what the webhook requires: the token,
// then a valid signature from within the tolerance around now that replay
// has not seen before. It fails closed: a required secret or token that is
// empty refuses every call. replay may be nil only when the caller
// deduplicates by other means; signed calls are then not checked for
// replays. Errors are *Error with kind ErrNotConfigured, ErrUnauthorized or
// ErrGuardFull; a failing guard's own error is returned wrapped.
func Verify(ctx context.Context, req *Request, check Check, now time.Time, replay ReplayGuard) error {
	if check.Signature != nil && check.Secret == "" {
		return notConfigured("this webhook requires a signature but no secret is set; ask the flow's owner")
	}
	if check.Token != nil && check.TokenValue == "" {
		return notConfigured("this webhook requires a token but no token is set; ask the flow's owner")
	}
	if check.Token != nil {
		if err := verifyToken(req, check.Token, check.TokenValue); err != nil {
			return err
		}
	}
	if check.Signature == nil {
		return nil
	}
	var (
		key   string
		stamp time.Time
		err   error
	)
	switch check.Signature.Scheme {
	case SchemeStripe:
		key, stamp, err = verifyStripe(req, check.Signature.Header, check.Secret)
	case SchemeStandard:
		key, stamp, err = verifyStandard(req, check.Secret)
	default:
		return notConfigured("this webhook's signature scheme is unknown; ask the flow's owner")
	}
	if err != nil {
		return err
	}
	if err := checkTime(stamp, now, check.tolerance()); err != nil {
		return err
	}
	return checkReplay(ctx, replay, check.Scope+"\x00"+key, stamp.Add(check.tolerance()))
}

func notConfigured(message string) *Error {
	return &Error{Kind: ErrNotConfigured, Code: CodeNotConfigured, Message: message}
}

func checkTime(stamp, now time.Time, tolerance time.Duration) error {
	switch {
	case now.Sub(stamp) > tolerance:
		return refuse(CodeOldTimestamp, "the signature's timestamp is too old; the call may be a replay or the sender's clock is wrong")
	case stamp.Sub(now) > tolerance:
		return refuse(CodeFutureTimestamp, "the signature's timestamp is in the future; the sender's clock is wrong")
	}
	return nil
}

func checkReplay(ctx context.Context, replay ReplayGuard, key string, until time.Time) error {
	if replay == nil {
		return nil
	}
	seen, err := replay.Seen(ctx, key, until)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return err
		}
		return &Error{Kind: ErrGuardFull, Code: CodeBusy, Err: err,
			Message: "the call could not be checked for replays; try again later"}
	}
	if seen {
		return refuse(CodeReplayed, "this signed call was already received")
	}
	return nil
}

// verifyToken finds the token where the webhook expects it. Both sides are
// hashed before the constant-time compare so that not even the token's
// length leaks through timing.
func verifyToken(req *Request, t *flow.WebhookToken, want string) error {
	got, found := "", false
	switch {
	case t.Header != "" && req.Header(t.Header) != "":
		got, found = req.Header(t.Header), true
	case t.Query != "":
		if s, ok := req.Query[t.Query].(string); ok && s != "" {
			got, found = s, true
		} else if _, ok := req.Query[t.Query]; ok {
			found = true // repeated or empty: present but cannot match
		}
	case t.Header == "":
		got, found = bearer(req.Header("Authorization"))
	}
	if !found {
		return refuse(CodeMissingToken, "this webhook requires a token and the call has none")
	}
	if !equalSecret(got, want) {
		return refuse(CodeWrongToken, "the call's token is wrong")
	}
	return nil
}

func bearer(auth string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func equalSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return hmac.Equal(ha[:], hb[:])
}

// Redact removes the token of a token check from the request (its header or
// query parameter), so that the trigger a flow sees does not carry it.
// Credential headers such as Authorization are already left out by Trigger.
func (c Check) Redact(req *Request) {
	if c.Token == nil {
		return
	}
	if c.Token.Header != "" {
		delete(req.Headers, textproto.CanonicalMIMEHeaderKey(c.Token.Header))
	}
	if c.Token.Query != "" {
		delete(req.Query, c.Token.Query)
	}
}
