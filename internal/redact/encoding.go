package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
)

var base64s = []*base64.Encoding{
	base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
}

// encodings lists the forms a secret commonly takes on its way into a log
// line or a response: as is, URL-escaped (query and path), base64 (standard
// and URL alphabets, padded or not) and escaped inside a JSON string. Base64
// of a secret embedded in a longer base64 text is not found (its alignment
// varies); the basic-auth case is covered by pairEncodings.
func encodings(v string) []string {
	out := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	for _, enc := range base64s {
		out = append(out, enc.EncodeToString([]byte(v)))
	}
	return append(out, jsonEscapes(v)...)
}

// jsonEscapes gives both JSON spellings: encoding/json's default escapes
// <, > and & as \u003c..., other encoders leave them alone.
func jsonEscapes(v string) []string {
	def, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	plain := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return []string{unquote(def), unquote(plain)}
}

func unquote(b []byte) string { return string(b[1 : len(b)-1]) }

// pairEncodings covers a basic-auth header ("Basic base64(user:password)")
// and the userinfo of a URL. The password alone is covered by encodings.
func pairEncodings(user, password string) []string {
	out := encodings(password)
	if password == "" {
		return out
	}
	cred := user + ":" + password
	out = append(out, base64.StdEncoding.EncodeToString([]byte(cred)),
		base64.RawStdEncoding.EncodeToString([]byte(cred)),
		url.UserPassword(user, password).String())
	return out
}
