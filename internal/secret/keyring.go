// Package secret keeps credentials encrypted at rest. A Keyring holds the
// current key and older keys by id; Seal writes an envelope naming the key it
// used, so keys can be rotated without a flag day: old envelopes still open
// while Rotate re-seals them under the current key.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of every key in bytes (AES-256).
const KeySize = 32

// maxKeyIDLen keeps key ids short because every envelope repeats one.
const maxKeyIDLen = 32

// Keyring holds the keys that seal and open secrets. It is safe for
// concurrent use: it never changes after it is built.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	order   []string
}

// Key is one named key for NewKeyring. Its bytes are zeroed by NewKeyring.
type Key struct {
	ID    string
	Bytes []byte
}

// NewKeyring builds a keyring from keys, the first being the current one
// that seals; the others only open. The key bytes are zeroed once the ciphers
// are built, so the raw keys do not linger in memory beyond this call.
func NewKeyring(keys []Key) (*Keyring, error) {
	defer func() {
		for _, k := range keys {
			clear(k.Bytes)
		}
	}()
	if len(keys) == 0 {
		return nil, errors.New("no secret key was given")
	}
	kr := &Keyring{current: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if err := checkKeyID(k.ID); err != nil {
			return nil, fmt.Errorf("secret key %d: %w", i+1, err)
		}
		if len(k.Bytes) != KeySize {
			return nil, fmt.Errorf("secret key %q is %d bytes long; it must be exactly %d bytes", k.ID, len(k.Bytes), KeySize)
		}
		if _, dup := kr.aeads[k.ID]; dup {
			return nil, fmt.Errorf("the secret key id %q is used twice; every key needs its own id", k.ID)
		}
		aead, err := newAEAD(k.Bytes)
		if err != nil {
			return nil, err
		}
		kr.aeads[k.ID] = aead
		kr.order = append(kr.order, k.ID)
	}
	return kr, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	// Random 96-bit nonces carried in the ciphertext: no nonce bookkeeping,
	// and the 2^32 messages-per-key bound is far beyond any credential store.
	return cipher.NewGCMWithRandomNonce(block)
}

// CurrentKeyID is the id of the key that Seal uses.
func (k *Keyring) CurrentKeyID() string { return k.current }

// KeyIDs lists every key id, the current one first.
func (k *Keyring) KeyIDs() []string { return append([]string(nil), k.order...) }

func checkKeyID(id string) error {
	if id == "" {
		return errors.New("the key id is empty")
	}
	if len(id) > maxKeyIDLen {
		return fmt.Errorf("the key id %q is longer than %d characters", id, maxKeyIDLen)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("the key id %q may only use letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// fingerprintID names a key that came without an id. It is a short hash of
// the key, so the same key always gets the same id and envelopes sealed
// before an id was given still open; 32 bits of a hash reveal nothing useful
// about a 256-bit random key.
func fingerprintID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("bistro secret key id\x00"))
	h.Write(key)
	return "k" + hex.EncodeToString(h.Sum(nil)[:4])
}

// ParseKeys reads keys in the BISTRO_SECRET_KEY format: entries separated by
// commas (or whitespace), each "base64" or "id:base64" of 32 bytes, the first
// being the current key. The error never contains key material.
func ParseKeys(spec string) ([]Key, error) {
	entries := strings.FieldsFunc(spec, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	})
	if len(entries) == 0 {
		return nil, errors.New("the secret key is empty")
	}
	keys := make([]Key, 0, len(entries))
	for i, e := range entries {
		id, b64, hasID := strings.Cut(e, ":")
		if !hasID {
			b64, id = id, ""
		}
		raw, err := decodeKey(b64)
		if err != nil {
			clearKeys(keys)
			return nil, fmt.Errorf("secret key %d: %w", i+1, err)
		}
		if id == "" {
			id = fingerprintID(raw)
		}
		keys = append(keys, Key{ID: id, Bytes: raw})
	}
	return keys, nil
}

func clearKeys(keys []Key) {
	for _, k := range keys {
		clear(k.Bytes)
	}
}

// decodeKey accepts every common base64 flavour because keys are pasted from
// tools (openssl, head | base64) that differ in alphabet and padding.
func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		raw, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(raw) != KeySize {
			n := len(raw)
			clear(raw)
			return nil, fmt.Errorf("the key is %d bytes long; it must be exactly %d random bytes in base64 (for example from: openssl rand -base64 32)", n, KeySize)
		}
		return raw, nil
	}
	return nil, fmt.Errorf("the key is not valid base64; it must be %d random bytes in base64 (for example from: openssl rand -base64 32)", KeySize)
}
