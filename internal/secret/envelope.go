package secret

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// envelopePrefix starts every sealed secret; the version lets the format
// change later while old envelopes still open.
const envelopePrefix = "bistro-secret:v1:"

// Errors Open returns, for callers that need to tell them apart. Their
// messages never include the secret or the key.
var (
	// ErrMalformed: the value is not a sealed secret at all.
	ErrMalformed = errors.New("the stored secret is not in the expected format")
	// ErrUnknownKey: the secret was sealed with a key this server does not have.
	ErrUnknownKey = errors.New("the stored secret was sealed with a key that is not configured")
	// ErrDecrypt: the key id matches but decryption failed.
	ErrDecrypt = errors.New("the stored secret could not be decrypted: it was changed, belongs to another record, or the key with its id is not the one that sealed it")
)

// Seal encrypts plaintext under the current key. aad binds the secret to its
// owner (for example "connection:42:password"): the same aad must be given to
// Open, so an envelope copied to another row does not open there. Every call
// uses a fresh random nonce, so equal plaintexts give different envelopes.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	aead := k.aeads[k.current]
	sealed := aead.Seal(nil, nil, plaintext, aad)
	out := make([]byte, 0, len(envelopePrefix)+len(k.current)+1+base64.RawURLEncoding.EncodedLen(len(sealed)))
	out = append(out, envelopePrefix...)
	out = append(out, k.current...)
	out = append(out, ':')
	out = base64.RawURLEncoding.AppendEncode(out, sealed)
	return out, nil
}

// Open decrypts an envelope made by Seal with the same aad.
func (k *Keyring) Open(envelope, aad []byte) ([]byte, error) {
	id, sealed, err := parseEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q)", ErrUnknownKey, id)
	}
	plain, err := aead.Open(nil, nil, sealed, aad)
	if err != nil {
		return nil, fmt.Errorf("%w (key id %q)", ErrDecrypt, id)
	}
	return plain, nil
}

// KeyID reports which key sealed an envelope, without decrypting it.
func KeyID(envelope []byte) (string, error) {
	id, _, err := parseEnvelope(envelope)
	return id, err
}

// Rotate re-seals an envelope under the current key when an older key sealed
// it, reporting whether it did. Envelopes already under the current key are
// still opened, so a rotation pass also finds secrets that no longer open.
func (k *Keyring) Rotate(envelope, aad []byte) ([]byte, bool, error) {
	plain, err := k.Open(envelope, aad)
	if err != nil {
		return nil, false, err
	}
	defer clear(plain)
	id, _, _ := parseEnvelope(envelope)
	if id == k.current {
		return envelope, false, nil
	}
	out, err := k.Seal(plain, aad)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

func parseEnvelope(envelope []byte) (id string, sealed []byte, err error) {
	rest, ok := strings.CutPrefix(string(envelope), envelopePrefix)
	if !ok {
		return "", nil, ErrMalformed
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok || checkKeyID(id) != nil {
		return "", nil, ErrMalformed
	}
	sealed, err = base64.RawURLEncoding.DecodeString(b64)
	// Only the canonical encoding is accepted (the decoder skips newlines and
	// ignores trailing bits), so one sealed value has exactly one envelope.
	if err != nil || base64.RawURLEncoding.EncodedLen(len(sealed)) != len(b64) ||
		base64.RawURLEncoding.EncodeToString(sealed) != b64 {
		return "", nil, ErrMalformed
	}
	return id, sealed, nil
}
