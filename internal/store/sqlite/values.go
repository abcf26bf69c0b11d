package sqlite

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Times are stored as microseconds since the Unix epoch (UTC): they sort
// and compare as integers, and keep more than millisecond precision.

// timeValue is t for the database: NULL when zero.
func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().UnixMicro()
}

// timeOf reads a stored time; NULL is the zero time.
func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

// jsonValue stores JSON as text so it stays readable in the sqlite3
// shell; empty is NULL.
func jsonValue(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// jsonDest scans a nullable text column into a json.RawMessage.
func jsonDest(m *json.RawMessage) *[]byte { return (*[]byte)(m) }

// nowOr is t, or the current time when t is zero.
func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

// documentHash is the hex sha256 of a flow document.
func documentHash(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// newWebhookID returns 24 url-safe random characters (144 bits).
func newWebhookID() string {
	b := make([]byte, 18)
	rand.Read(b) // never fails (crypto/rand's documented guarantee)
	return base64.RawURLEncoding.EncodeToString(b)
}
