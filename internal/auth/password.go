package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// The argon2id parameters for new hashes: OWASP's minimum (19 MiB, two
// passes, one lane). They are written into every hash, so raising them
// later leaves the hashes already stored readable.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Limits on the parameters read back from a stored hash: a hash edited in
// the database must not make one sign-in take all the memory or all the
// processor time of the machine.
const (
	maxArgonMemory  = 1024 * 1024 // KiB, 1 GiB
	maxArgonTime    = 10
	maxArgonThreads = 16
	minSaltLen      = 8
	maxSaltLen      = 64
	minKeyLen       = 16
	maxKeyLen       = 64
)

// The password policy for new passwords.
const (
	minPasswordChars = 10
	maxPasswordBytes = 256
)

// ErrHashFormat is wrapped by the errors of VerifyPassword for a stored
// hash it cannot read or whose parameters are out of bounds.
var ErrHashFormat = errors.New("the stored password is damaged or in an unknown form")

// PasswordError is a new password that the policy refuses; Message says
// why in words meant for the person who chose it.
type PasswordError struct {
	Message string
}

// Error returns the message.
func (e *PasswordError) Error() string { return e.Message }

// argonParams are the parameters and salt of one hash.
type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// HashPassword returns an argon2id hash of password in the PHC string
// format, with a new random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash a password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodeHash(argonParams{memory: argonMemory, time: argonTime, threads: argonThreads, salt: salt, key: key}), nil
}

func encodeHash(p argonParams) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(p.salt), b64.EncodeToString(p.key))
}

// VerifyPassword reports whether password matches the hash encoded. The
// error is for a hash that cannot be read, not for a wrong password.
func VerifyPassword(encoded, password string) (bool, error) {
	p, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	// Constant time, so the time taken tells nothing of how much matched.
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// decodeHash reads $argon2id$v=19$m=...,t=...,p=...$salt$key.
func decodeHash(encoded string) (argonParams, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return argonParams{}, fmt.Errorf("%w: it is not an argon2id hash", ErrHashFormat)
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return argonParams{}, fmt.Errorf("%w: argon2 version %q is not supported", ErrHashFormat, parts[2])
	}
	p, err := decodeParams(parts[3])
	if err != nil {
		return p, err
	}
	if p.salt, err = decodeB64(parts[4], "salt", minSaltLen, maxSaltLen); err != nil {
		return p, err
	}
	p.key, err = decodeB64(parts[5], "hash", minKeyLen, maxKeyLen)
	return p, err
}

// decodeParams reads m=...,t=...,p=..., in that order, within the limits.
func decodeParams(s string) (argonParams, error) {
	fields := strings.Split(s, ",")
	names := []string{"m", "t", "p"}
	limits := []uint64{maxArgonMemory, maxArgonTime, maxArgonThreads}
	var v [3]uint64
	if len(fields) != len(names) {
		return argonParams{}, fmt.Errorf("%w: the parameters %q are not m=...,t=...,p=...", ErrHashFormat, s)
	}
	for i, f := range fields {
		n, err := parseParam(f, names[i], limits[i])
		if err != nil {
			return argonParams{}, err
		}
		v[i] = n
	}
	if v[0] < 8*v[2] {
		return argonParams{}, fmt.Errorf("%w: memory %d KiB is too little for %d lanes", ErrHashFormat, v[0], v[2])
	}
	return argonParams{memory: uint32(v[0]), time: uint32(v[1]), threads: uint8(v[2])}, nil
}

func parseParam(field, name string, limit uint64) (uint64, error) {
	val, ok := strings.CutPrefix(field, name+"=")
	n, err := strconv.ParseUint(val, 10, 32)
	if !ok || err != nil {
		return 0, fmt.Errorf("%w: the parameter %q is not %s=<number>", ErrHashFormat, field, name)
	}
	if n < 1 || n > limit {
		return 0, fmt.Errorf("%w: the parameter %s=%d is outside 1 to %d", ErrHashFormat, name, n, limit)
	}
	return n, nil
}

func decodeB64(s, what string, minLen, maxLen int) ([]byte, error) {
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: the %s is not base64: %w", ErrHashFormat, what, err)
	}
	if len(b) < minLen || len(b) > maxLen {
		return nil, fmt.Errorf("%w: the %s has %d bytes, not %d to %d", ErrHashFormat, what, len(b), minLen, maxLen)
	}
	return b, nil
}

// dummyHash is hashed with the current parameters, once, so that
// DummyVerify costs what a real verification costs.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not the password of anyone")
	return h
})

// DummyVerify verifies password against a fixed hash and throws the
// answer away: a sign-in with an unknown email then takes as long as one
// with a known email, so the time taken does not tell which emails have
// an account.
func DummyVerify(password string) {
	_, _ = VerifyPassword(dummyHash(), password)
}

// CheckPassword applies the policy for new passwords: at least ten
// characters, at most 256 bytes, and not one character repeated. The
// error is a *PasswordError.
func CheckPassword(password string) error {
	if utf8.RuneCountInString(password) < minPasswordChars {
		return &PasswordError{Message: fmt.Sprintf("the password must have at least %d characters", minPasswordChars)}
	}
	if len(password) > maxPasswordBytes {
		return &PasswordError{Message: fmt.Sprintf("the password is too long: it may have at most %d characters "+
			"(accented letters and symbols count as two or more)", maxPasswordBytes)}
	}
	if _, size := utf8.DecodeRuneInString(password); strings.Count(password, password[:size])*size == len(password) {
		return &PasswordError{Message: "the password must not be one character repeated"}
	}
	return nil
}
