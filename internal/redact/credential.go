package redact

import (
	"regexp"
	"strings"
)

// Drivers and HTTP clients put connection strings in their errors, with the
// password in them, whether or not it was registered with the filter (a user
// may paste a DSN into a step). These patterns find the password slot of the
// common forms and mask it.
var (
	// scheme://user:password@host — the password stops at the first '@'
	// (a raw '@' in a password is invalid in a URL).
	urlUserinfo = regexp.MustCompile(`(?i)([a-z][a-z0-9+.\-]*://[^\s:/?#@]*:)([^\s@]+)@`)
	// go-sql-driver/mysql: user:password@tcp(host:3306)/db
	mysqlDSN = regexp.MustCompile(`(?i)([\w.\-]+:)([^\s@]+)(@(?:tcp|tcp4|tcp6|unix|udp)\()`)
	// key=value DSNs (libpq, ODBC, ADO) and query strings: password=...
	// pwd=... with optional quotes. Anchored: tried only where a credential
	// word starts, which keeps clean text off the (slow) regexp engine.
	keyValueAt = regexp.MustCompile(`^(?i:` + credentialAlt + `)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s;&,'"]+)`)
	// JSON members: "password": "..." and friends, anchored likewise.
	jsonMemberAt = regexp.MustCompile(`^(?i:` + credentialAlt + `)"\s*:\s*"((?:[^"\\]|\\.)*)"`)
	// portPath is a URL "password" that is really host:port/path, as in
	// https://host:8443/users?email=a@b — not a credential.
	portPath = regexp.MustCompile(`^\d+[/?#]`)
)

// credentialWords end the keys whose values are masked (db_password,
// client_secret, access_token); a key that merely contains one, like
// max_tokens, is left alone.
var credentialWords = []string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "access_key", "private_key"}

const credentialAlt = `password|passwd|pwd|secret|token|apikey|api_key|api-key|access_key|private_key`

// redactCredentials masks passwords in connection strings found in s.
func redactCredentials(s string) string {
	if strings.IndexByte(s, '@') >= 0 {
		if strings.Contains(s, "://") {
			s = urlUserinfo.ReplaceAllStringFunc(s, maskURLPassword)
		}
		if strings.IndexByte(s, '(') >= 0 {
			s = mysqlDSN.ReplaceAllString(s, "${1}"+Mask+"${3}")
		}
	}
	return redactKeyValues(s)
}

// redactKeyValues masks the value after every credential word that is
// followed by '=' or by the end of a JSON member name.
func redactKeyValues(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		n := credentialWordAt(s, i)
		if n == 0 {
			i++
			continue
		}
		loc := keyValueAt.FindStringSubmatchIndex(s[i:])
		if loc == nil {
			loc = jsonMemberAt.FindStringSubmatchIndex(s[i:])
		}
		if loc == nil || s[i+loc[2]:i+loc[3]] == Mask {
			i += n
			continue
		}
		b.WriteString(s[last : i+loc[2]])
		b.WriteString(Mask)
		last = i + loc[3]
		i = i + loc[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func maskURLPassword(m string) string {
	sub := urlUserinfo.FindStringSubmatch(m)
	if portPath.MatchString(sub[2]) || sub[2] == Mask {
		return m
	}
	return sub[1] + Mask + "@"
}

// credentialWordAt returns the length of the credential word starting at
// s[i], ignoring ASCII case, or 0. It runs on every byte of every logged
// string, so it rejects most bytes on the first letter.
func credentialWordAt(s string, i int) int {
	switch s[i] | 0x20 {
	case 'p', 's', 't', 'a':
	default:
		return 0
	}
	for _, w := range credentialWords {
		if hasFoldPrefix(s[i:], w) {
			return len(w)
		}
	}
	return 0
}

// hasFoldPrefix reports whether s starts with the lower-case ASCII word w,
// ignoring case.
func hasFoldPrefix(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		c := s[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[j] {
			return false
		}
	}
	return true
}
