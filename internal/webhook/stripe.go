package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// DefaultStripeHeader is where the stripe scheme finds the signature when
// the flow names no header.
const DefaultStripeHeader = "Stripe-Signature"

// stripeSignature is a parsed "t=TIMESTAMP,v1=HEX[,v1=HEX...]" header.
// Several v1 values appear while the sender rotates its secret: any one
// that matches is enough.
type stripeSignature struct {
	Timestamp int64
	V1        [][]byte
}

var errStripeHeader = errors.New("not a t=...,v1=... signature header")

// parseStripe reads a Stripe-style signature header. Unknown schemes (v0,
// future ones) are ignored, as Stripe's own libraries do; a header without
// one timestamp and at least one well-formed v1 is refused.
func parseStripe(header string) (stripeSignature, error) {
	var sig stripeSignature
	seenTime := false
	for item := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			continue // stray text between commas, as Stripe's libraries allow
		}
		switch key {
		case "t":
			t, err := strconv.ParseInt(value, 10, 64)
			if err != nil || seenTime || t <= 0 {
				return sig, errStripeHeader
			}
			sig.Timestamp, seenTime = t, true
		case "v1":
			mac, err := hex.DecodeString(value)
			if err != nil || len(mac) != sha256.Size {
				continue // one bad value must not hide a good one next to it
			}
			sig.V1 = append(sig.V1, mac)
		}
	}
	if !seenTime || len(sig.V1) == 0 {
		return sig, errStripeHeader
	}
	return sig, nil
}

// verifyStripe checks a Stripe-style signature: HMAC-SHA256 with the secret
// over "TIMESTAMP.BODY". It returns the replay key (the timestamp and the
// matching signature: together they name exactly one signed call) and the
// signed time.
func verifyStripe(req *Request, header, secret string) (string, time.Time, error) {
	if header == "" {
		header = DefaultStripeHeader
	}
	value := req.Header(header)
	if value == "" {
		return "", time.Time{}, refuse(CodeMissingSignature,
			"this webhook requires a signature and the call has no "+header+" header")
	}
	sig, err := parseStripe(value)
	if err != nil {
		return "", time.Time{}, &Error{Kind: ErrUnauthorized, Code: CodeBadSignature, Err: err,
			Message: "the " + header + " header is not in the form t=TIMESTAMP,v1=SIGNATURE"}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(strconv.AppendInt(nil, sig.Timestamp, 10))
	mac.Write([]byte{'.'})
	mac.Write(req.RawBody)
	want := mac.Sum(nil)
	for _, got := range sig.V1 {
		if hmac.Equal(got, want) {
			key := "stripe:" + strconv.FormatInt(sig.Timestamp, 10) + ":" + hex.EncodeToString(got)
			return key, time.Unix(sig.Timestamp, 0), nil
		}
	}
	return "", time.Time{}, refuse(CodeBadSignature, "the call's signature does not match its body")
}
