package auth

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry OWASP's minimum parameters", h)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := VerifyPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestPasswordSaltsDiffer(t *testing.T) {
	t.Parallel()
	a, _ := HashPassword("the same password")
	b, _ := HashPassword("the same password")
	if a == b {
		t.Errorf("two hashes of one password are equal: %s", a)
	}
}

// TestPasswordParametersAreRead verifies a hash made with other
// parameters, as the stored ones will be once the defaults are raised.
func TestPasswordParametersAreRead(t *testing.T) {
	t.Parallel()
	p := argonParams{memory: 64, time: 1, threads: 2, salt: []byte("saltsaltsaltsalt")}
	p.key = argon2.IDKey([]byte("a password"), p.salt, p.time, p.memory, p.threads, 24)
	h := encodeHash(p)
	if ok, err := VerifyPassword(h, "a password"); !ok || err != nil {
		t.Errorf("VerifyPassword(%q) = %v, %v; want true", h, ok, err)
	}
}

func TestPasswordMalformedOrTampered(t *testing.T) {
	t.Parallel()
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for name, h := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":        "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"old version":    "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"missing part":   "$argon2id$v=19$m=19456,t=2,p=1$" + salt,
		"extra part":     "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$x",
		"params order":   "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key,
		"params missing": "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"not a number":   "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key,
		"negative":       "$argon2id$v=19$m=19456,t=-2,p=1$" + salt + "$" + key,
		"huge memory":    "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key,
		"many passes":    "$argon2id$v=19$m=19456,t=1000,p=1$" + salt + "$" + key,
		"many lanes":     "$argon2id$v=19$m=19456,t=2,p=255$" + salt + "$" + key,
		"zero passes":    "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"overflow":       "$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key,
		"bad salt":       "$argon2id$v=19$m=19456,t=2,p=1$not*base64$" + key,
		"short salt":     "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key,
		"padded hash":    "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "=",
		"short hash":     "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$AAAA",
		"too little mem": "$argon2id$v=19$m=8,t=2,p=4$" + salt + "$" + key,
	} {
		ok, err := VerifyPassword(h, "a password")
		if ok || !errors.Is(err, ErrHashFormat) {
			t.Errorf("%s: VerifyPassword(%q) = %v, %v; want ErrHashFormat", name, h, ok, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"short":                     "the password must have at least 10 characters",
		"ééééé":                     "the password must have at least 10 characters", // 10 bytes, 5 characters
		"aaaaaaaaaaaa":              "the password must not be one character repeated",
		"éééééééééééé":              "the password must not be one character repeated",
		strings.Repeat("ab", 129):   "the password is too long",
		"correct horse":             "",
		"0123456789":                "",
		"mañana-mañana":             "",
		strings.Repeat("ab", 128):   "",
		"aaaaaaaaaaaaaaaaaaaaaaaab": "",
	} {
		err := CheckPassword(pw)
		var pe *PasswordError
		switch {
		case want == "" && err != nil:
			t.Errorf("CheckPassword(%q) = %v; want nil", pw, err)
		case want != "" && (!errors.As(err, &pe) || !strings.HasPrefix(pe.Message, want)):
			t.Errorf("CheckPassword(%q) = %v; want a *PasswordError %q", pw, err, want)
		}
	}
}

func TestDummyVerifyRuns(t *testing.T) {
	t.Parallel()
	DummyVerify("anything")
	if ok, err := VerifyPassword(dummyHash(), "anything"); ok || err != nil {
		t.Errorf("the dummy hash = %v, %v; want a readable hash that matches nothing likely", ok, err)
	}
}

// FuzzVerifyPassword checks that no stored string makes verification
// panic. Inputs that would take much memory are skipped to keep fuzzing
// fast; the bound itself is tested above.
func FuzzVerifyPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "pw")
	f.Add("$argon2id$v=19$m=,t=,p=$$", "")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		if d, err := decodeHash(encoded); err == nil && d.memory > 64*1024 {
			t.Skip("too costly to verify while fuzzing")
		}
		_, _ = VerifyPassword(encoded, password)
	})
}
