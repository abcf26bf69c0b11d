// Package audit is Bistro's tamper-evident audit log: every change to
// flows, connections, secrets and the rest is an event saying who did
// what, when, from where, with the object before and after (secret values
// never included). Each event's hash covers the previous event's hash, so
// the events form a chain; the head of the chain is checkpointed, and
// Verify tells exactly which events were changed, removed or reordered.
//
// The events live in the store (store.AuditStore); this package computes
// the hashes, records changes (Log) and checks the chain (Verify).
package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/bistro-dev/bistro/internal/store"
)

// EnvKey is the environment variable holding the optional key that makes
// the hashes keyed (HMAC-SHA256): rewriting the log then needs the key,
// not only access to the database.
const EnvKey = "BISTRO_AUDIT_KEY"

// MinKeyLen is the shortest key accepted, in bytes.
const MinKeyLen = 32

// encodingVersion starts every canonical encoding, so that a future
// encoding can never produce the same bytes for another event.
const encodingVersion = "bistro-audit-v1"

// timeLayout is how the canonical encoding writes an event's time: UTC,
// always six fractional digits (the stores keep microseconds).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Chain computes and checks the hashes of events: plain SHA-256, or
// HMAC-SHA256 with a key. The zero Chain has no key.
type Chain struct {
	key   []byte
	keyID string
}

// NewChain returns a Chain that keys its hashes with key; a nil or empty
// key gives plain SHA-256 hashes.
func NewChain(key []byte) Chain {
	if len(key) == 0 {
		return Chain{}
	}
	sum := sha256.Sum256(append([]byte("bistro-audit-key-id:"), key...))
	return Chain{key: bytes.Clone(key), keyID: hex.EncodeToString(sum[:8])}
}

// ChainFromEnv builds the Chain from EnvKey (looked up with lookup): no
// key, or one of at least MinKeyLen bytes.
func ChainFromEnv(lookup func(string) (string, bool)) (Chain, error) {
	v, _ := lookup(EnvKey)
	v = strings.TrimSpace(v)
	if v == "" {
		return Chain{}, nil
	}
	if len(v) < MinKeyLen {
		return Chain{}, fmt.Errorf("%s is too short (%d characters): use at least %d, e.g. the output of 'openssl rand -base64 32'", EnvKey, len(v), MinKeyLen)
	}
	return NewChain([]byte(v)), nil
}

// KeyID names the key without revealing it ("" without a key). Events
// carry it, so that verifying with another key says so instead of
// reporting every event as changed.
func (c Chain) KeyID() string { return c.keyID }

// Seal sets the event's KeyID and Hash; the store has filled in its Seq,
// Time and PrevHash.
func (c Chain) Seal(e *store.AuditEvent) {
	e.KeyID = c.keyID
	e.Hash = c.hash(*e)
}

// hash is the event's hash with this chain's key. The event's KeyID must
// be the chain's: Verify checks that first.
func (c Chain) hash(e store.AuditEvent) string {
	var h hash.Hash
	if c.key != nil {
		h = hmac.New(sha256.New, c.key)
	} else {
		h = sha256.New()
	}
	h.Write(Canonical(e))
	return hex.EncodeToString(h.Sum(nil))
}

// Canonical is the event as it is hashed: netstrings (the length in
// bytes in decimal, ':', the bytes, ','), of "bistro-audit-v1" and then of
// every field except Hash in this order: seq, id, time (UTC, six fractional
// digits), workspace, actor kind, id and name, source, action, target
// kind, id and name, before, after (both as canonical JSON: no spaces,
// object keys sorted), key id, previous hash.
func Canonical(e store.AuditEvent) []byte {
	var b bytes.Buffer
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(',')
	}
	for _, s := range []string{
		encodingVersion, strconv.FormatInt(e.Seq, 10), e.ID, e.Time.UTC().Format(timeLayout), e.Workspace,
		e.Actor.Kind, e.Actor.ID, e.Actor.Name, e.Source, e.Action,
		e.Target.Kind, e.Target.ID, e.Target.Name,
		string(CanonicalJSON(e.Before)), string(CanonicalJSON(e.After)), e.KeyID, e.PrevHash,
	} {
		field(s)
	}
	return b.Bytes()
}

// CanonicalJSON rewrites JSON without spaces and with object keys sorted,
// numbers kept as written, so that a database or a SIEM that stores it
// another way does not change the hash. Text that is not JSON is kept as
// it is (a changed event then fails its hash).
func CanonicalJSON(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

// Marshal encodes a before or after state as canonical JSON; nil is no
// state.
func Marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return CanonicalJSON(b), nil
}
