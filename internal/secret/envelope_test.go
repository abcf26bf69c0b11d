package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// setup returns a keyring with one fresh key called id.
func setup(t testing.TB, ids ...string) *Keyring {
	t.Helper()
	if len(ids) == 0 {
		ids = []string{"main"}
	}
	var keys []Key
	for _, id := range ids {
		keys = append(keys, Key{ID: id, Bytes: randomKey(t)})
	}
	kr, err := NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func randomKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	kr := setup(t)
	tests := []struct {
		name, plain, aad string
	}{
		{"empty", "", "connection:1:password"},
		{"short", "hunter2", "connection:1:password"},
		{"binary", "\x00\xff\x10secret\n", "connection:2:key"},
		{"long", strings.Repeat("x", 10_000), "connection:3:cert"},
		{"empty aad", "token", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, err := kr.Seal([]byte(tc.plain), []byte(tc.aad))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(env), "bistro-secret:v1:main:") {
				t.Fatalf("envelope %q lacks the prefix and key id", env)
			}
			if len(tc.plain) >= 4 && bytes.Contains(env, []byte(tc.plain)) {
				t.Fatal("the envelope contains the plaintext")
			}
			got, err := kr.Open(env, []byte(tc.aad))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.plain {
				t.Fatalf("Open = %q, want %q", got, tc.plain)
			}
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	t.Parallel()
	kr := setup(t)
	seen := map[string]bool{}
	for range 100 {
		env, err := kr.Seal([]byte("same secret"), []byte("a"))
		if err != nil {
			t.Fatal(err)
		}
		if seen[string(env)] {
			t.Fatalf("envelope %q repeated for the same plaintext", env)
		}
		seen[string(env)] = true
	}
}

func TestOpenDetectsEveryFlippedByte(t *testing.T) {
	t.Parallel()
	kr := setup(t)
	aad := []byte("connection:7:password")
	env, err := kr.Seal([]byte("correct horse battery staple"), aad)
	if err != nil {
		t.Fatal(err)
	}
	_, b64, _ := strings.Cut(strings.TrimPrefix(string(env), envelopePrefix), ":")
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	prefix := string(env[:len(env)-len(b64)])
	for i := range raw {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(raw)
			bad[i] ^= mask
			tampered := []byte(prefix + base64.RawURLEncoding.EncodeToString(bad))
			if _, err := kr.Open(tampered, aad); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("byte %d ^ %#x: err = %v, want ErrDecrypt", i, mask, err)
			}
		}
	}
	// Flipping characters of the text envelope must fail too, whatever the error.
	for i := range env {
		bad := bytes.Clone(env)
		bad[i] ^= 0x01
		if got, err := kr.Open(bad, aad); err == nil {
			t.Fatalf("char %d flipped: opened to %q", i, got)
		}
	}
	for _, n := range []int{0, 1, len(raw) - 1} {
		short := []byte(prefix + base64.RawURLEncoding.EncodeToString(raw[:n]))
		if _, err := kr.Open(short, aad); err == nil {
			t.Fatalf("truncated to %d bytes: opened", n)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	kr := setup(t)
	other := setup(t, "other")
	sameID := setup(t) // another key under the id "main"
	secret := []byte("s3cr3t-value")
	env, err := kr.Seal(secret, []byte("connection:1:password"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		kr       *Keyring
		envelope []byte
		aad      string
		want     error
	}{
		{"wrong aad: swapped row", kr, env, "connection:2:password", ErrDecrypt},
		{"wrong aad: swapped field", kr, env, "connection:1:token", ErrDecrypt},
		{"unknown key id", other, env, "connection:1:password", ErrUnknownKey},
		{"wrong key same id", sameID, env, "connection:1:password", ErrDecrypt},
		{"not an envelope", kr, []byte("hunter2"), "", ErrMalformed},
		{"bad version", kr, []byte("bistro-secret:v9:main:AAAA"), "", ErrMalformed},
		{"no key id", kr, []byte("bistro-secret:v1:AAAA"), "", ErrMalformed},
		{"bad base64", kr, []byte("bistro-secret:v1:main:!!!"), "", ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.kr.Open(tc.envelope, []byte(tc.aad))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got != nil {
				t.Fatalf("Open returned %q with an error", got)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error %q contains the secret", err)
			}
		})
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	oldKey, newKey := randomKey(t), randomKey(t)
	before, err := NewKeyring([]Key{{ID: "2025", Bytes: bytes.Clone(oldKey)}})
	if err != nil {
		t.Fatal(err)
	}
	after, err := NewKeyring([]Key{{ID: "2026", Bytes: bytes.Clone(newKey)}, {ID: "2025", Bytes: bytes.Clone(oldKey)}})
	if err != nil {
		t.Fatal(err)
	}
	newOnly, err := NewKeyring([]Key{{ID: "2026", Bytes: bytes.Clone(newKey)}})
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("connection:9:password")
	old, err := before.Seal([]byte("pa55word"), aad)
	if err != nil {
		t.Fatal(err)
	}

	rotated, changed, err := after.Rotate(old, aad)
	if err != nil || !changed {
		t.Fatalf("Rotate = changed %v, err %v; want changed", changed, err)
	}
	if id, _ := KeyID(rotated); id != "2026" {
		t.Fatalf("rotated key id = %q, want 2026", id)
	}
	// Once rotated, the old key can be dropped.
	if got, err := newOnly.Open(rotated, aad); err != nil || string(got) != "pa55word" {
		t.Fatalf("Open(rotated) = %q, %v", got, err)
	}
	if _, err := newOnly.Open(old, aad); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old envelope with the old key dropped: err = %v, want ErrUnknownKey", err)
	}
	again, changed, err := after.Rotate(rotated, aad)
	if err != nil || changed || !bytes.Equal(again, rotated) {
		t.Fatalf("Rotate(current) = changed %v, err %v; want unchanged", changed, err)
	}
	if _, _, err := after.Rotate(old, []byte("connection:10:password")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Rotate with the wrong aad: err = %v, want ErrDecrypt", err)
	}
}

func TestNewKeyringZeroesKeys(t *testing.T) {
	t.Parallel()
	k := randomKey(t)
	if _, err := NewKeyring([]Key{{ID: "a", Bytes: k}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k, make([]byte, KeySize)) {
		t.Fatal("NewKeyring left the key bytes in place")
	}
}

func TestNewKeyringRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []Key
		want string
	}{
		{"none", nil, "no secret key"},
		{"short key", []Key{{ID: "a", Bytes: make([]byte, 16)}}, "must be exactly 32 bytes"},
		{"duplicate id", []Key{{ID: "a", Bytes: make([]byte, 32)}, {ID: "a", Bytes: make([]byte, 32)}}, "used twice"},
		{"bad id", []Key{{ID: "a:b", Bytes: make([]byte, 32)}}, "may only use"},
		{"empty id", []Key{{ID: "", Bytes: make([]byte, 32)}}, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewKeyring(tc.keys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func FuzzOpen(f *testing.F) {
	kr := setup(f)
	good, err := kr.Seal([]byte("hunter2"), []byte("aad"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, []byte("aad"))
	f.Add([]byte("bistro-secret:v1:main:"), []byte(""))
	f.Add([]byte("bistro-secret:v1::AAAA"), []byte(""))
	f.Add([]byte("bistro-secret:v1:main:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), []byte("x"))
	f.Fuzz(func(t *testing.T, envelope, aad []byte) {
		got, err := kr.Open(envelope, aad)
		if err == nil && !bytes.Equal(envelope, good) {
			t.Fatalf("a forged envelope %q opened to %q", envelope, got)
		}
		_, _, _ = kr.Rotate(envelope, aad)
		_, _ = KeyID(envelope)
	})
}

func BenchmarkSeal(b *testing.B) {
	kr := setup(b)
	plain, aad := []byte("a-typical-database-password-123"), []byte("connection:42:password")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.Seal(plain, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	kr := setup(b)
	aad := []byte("connection:42:password")
	env, err := kr.Seal([]byte("a-typical-database-password-123"), aad)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.Open(env, aad); err != nil {
			b.Fatal(err)
		}
	}
}
