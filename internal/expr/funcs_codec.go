package expr

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/google/uuid"
)

var codecFunctions = []Function{
	{Name: "to_json", Signature: "to_json(value)", Category: "json", MinArgs: 1, MaxArgs: 1, Grows: true,
		Description: "The value as JSON text, fields sorted.",
		Example:     `to_json({"b": [1, 2], "a": "x"})`, Result: `"{\"a\":\"x\",\"b\":[1,2]}"`, fn: metered(func(args ...any) (any, error) { return toJSON(args[0]) })},
	{Name: "parse_json", Signature: "parse_json(text)", Category: "json", MinArgs: 1, MaxArgs: 1,
		Description: "Reads JSON text into a value.",
		Example:     `parse_json("{\"ok\": true}").ok`, Result: `true`, fn: fnParseJSON},
	{Name: "match_re", Signature: "match_re(text, pattern)", Category: "regex", MinArgs: 2, MaxArgs: 2,
		Description: "Whether the text matches the regular expression (RE2 syntax; always runs in linear time). The operator form is `a matches b`.",
		Example:     `match_re("INV-2041", "^INV-[0-9]+$")`, Result: `true`, fn: fnMatches},
	{Name: "extract", Signature: "extract(text, pattern)", Category: "regex", MinArgs: 2, MaxArgs: 2,
		Description: "The part of the text that the first group of the pattern matches (or the whole match without a group); nothing when it does not match.",
		Example:     `extract("Order #4411 shipped", "#([0-9]+)")`, Result: `"4411"`, fn: fnExtract},
	{Name: "replace_re", Signature: "replace_re(text, pattern, replacement)", Category: "regex", MinArgs: 3, MaxArgs: 3, Grows: true,
		Description: "Replaces every match of the pattern; $1 in the replacement is the first group.",
		Example:     `replace_re("2026-03-05", "(\\d+)-(\\d+)-(\\d+)", "$3.$2.$1")`, Result: `"05.03.2026"`, fn: metered(fnReplaceRE)},
	{Name: "sha256", Signature: "sha256(text)", Category: "encoding", MinArgs: 1, MaxArgs: 1,
		Description: "The SHA-256 hash of the text, in hex.",
		Example:     `sha256("abc")`, Result: `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`,
		fn: hashText("sha256", func(b []byte) []byte { s := sha256.Sum256(b); return s[:] })},
	{Name: "md5", Signature: "md5(text)", Category: "encoding", MinArgs: 1, MaxArgs: 1,
		Description: "The MD5 hash of the text, in hex (for checksums only; not secure).",
		Example:     `md5("abc")`, Result: `"900150983cd24fb0d6963f7d28e17f72"`,
		fn: hashText("md5", func(b []byte) []byte { s := md5.Sum(b); return s[:] })},
	{Name: "hmac_sha256", Signature: "hmac_sha256(text, key)", Category: "encoding", MinArgs: 2, MaxArgs: 2,
		Description: "The HMAC-SHA256 signature of the text with the key, in hex.",
		Example:     `hmac_sha256("hello", "key")`, Result: `"9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b"`, fn: fnHMAC},
	{Name: "base64_encode", Signature: "base64_encode(text)", Category: "encoding", MinArgs: 1, MaxArgs: 1, Grows: true,
		Description: "The text in base64.",
		Example:     `base64_encode("hi!")`, Result: `"aGkh"`, fn: metered(text1("base64_encode", func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }))},
	{Name: "base64_decode", Signature: "base64_decode(text)", Category: "encoding", MinArgs: 1, MaxArgs: 1,
		Description: "Decodes base64 text (with or without padding).",
		Example:     `base64_decode("aGkh")`, Result: `"hi!"`, fn: fnBase64Decode},
	{Name: "url_encode", Signature: "url_encode(text)", Category: "encoding", MinArgs: 1, MaxArgs: 1, Grows: true,
		Description: "Escapes text for use in a web address query.",
		Example:     `url_encode("a b&c")`, Result: `"a+b%26c"`, fn: metered(text1("url_encode", url.QueryEscape))},
	{Name: "uuid", Signature: "uuid()", Category: "encoding", MinArgs: 0, MaxArgs: 0,
		Description: "A new random UUID (version 4); different at every call.",
		Example:     `length(uuid())`, Result: `36`, fn: func(...any) (any, error) { return uuid.NewString(), nil }},
}

func fnParseJSON(args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, argError("parse_json", "text", args[0])
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, &Error{Kind: KindRuntime, Message: "parse_json: the text is not valid JSON"}
	}
	// JSON nested deeper than MaxDepth is refused as Copy would refuse it.
	if _, err := Copy(v); err != nil {
		return nil, err
	}
	return v, nil
}

// regexCache holds compiled patterns, bounded: when full it is emptied,
// which keeps the common case (a few constant patterns) fast and a flood of
// distinct patterns from record data harmless.
var regexCache = struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const maxCachedRegexes = 256

func pattern(fn string, v any) (*regexp.Regexp, error) {
	p, err := argText(fn, v)
	if err != nil {
		return nil, err
	}
	if len(p) > MaxPattern {
		return nil, &Error{Kind: KindLimit, Limit: LimitRegex,
			Message: fn + ": the pattern is too long (the limit is 1024 characters)"}
	}
	regexCache.RLock()
	re := regexCache.m[p]
	regexCache.RUnlock()
	if re != nil {
		return re, nil
	}
	re, err = regexp.Compile(p)
	if err != nil {
		return nil, &Error{Kind: KindRuntime, Message: fn + ": the pattern is not valid: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")}
	}
	regexCache.Lock()
	if len(regexCache.m) >= maxCachedRegexes {
		regexCache.m = map[string]*regexp.Regexp{}
	}
	regexCache.m[p] = re
	regexCache.Unlock()
	return re, nil
}

// regexInput reads the text a pattern runs on; RE2 is linear, and the
// input is capped like any text so the work stays bounded.
func regexInput(fn string, v any) (string, error) {
	s, err := argText(fn, v)
	if err == nil && len(s) > MaxString {
		return "", &Error{Kind: KindLimit, Limit: LimitRegex, Message: fn + ": the text is too long to search"}
	}
	return s, err
}

func fnMatches(args ...any) (any, error) {
	if args[0] == nil {
		return false, nil
	}
	s, err := regexInput("matches", args[0])
	if err != nil {
		return nil, err
	}
	re, err := pattern("matches", args[1])
	if err != nil {
		return nil, err
	}
	return re.MatchString(s), nil
}

func fnExtract(args ...any) (any, error) {
	s, err := regexInput("extract", args[0])
	if err != nil {
		return nil, err
	}
	re, err := pattern("extract", args[1])
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatch(s)
	switch {
	case m == nil:
		return nil, nil
	case len(m) > 1:
		return m[1], nil
	}
	return m[0], nil
}

func fnReplaceRE(args ...any) (any, error) {
	s, err := regexInput("replace_re", args[0])
	if err != nil {
		return nil, err
	}
	re, err := pattern("replace_re", args[1])
	if err != nil {
		return nil, err
	}
	repl, err := argText("replace_re", args[2])
	if err != nil {
		return nil, err
	}
	// Build the result match by match so a small pattern and replacement
	// cannot expand into more than MaxString bytes.
	var out []byte
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, s[last:m[0]]...)
		out = re.ExpandString(out, repl, s, m)
		last = m[1]
		if len(out) > MaxString {
			return nil, stringLimit(len(out))
		}
	}
	out = append(out, s[last:]...)
	if len(out) > MaxString {
		return nil, stringLimit(len(out))
	}
	return string(out), nil
}

func hashText(name string, sum func([]byte) []byte) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		s, err := argText(name, args[0])
		if err != nil {
			return nil, err
		}
		return hex.EncodeToString(sum([]byte(s))), nil
	}
}

func fnHMAC(args ...any) (any, error) {
	s, err := argText("hmac_sha256", args[0])
	if err != nil {
		return nil, err
	}
	key, err := argText("hmac_sha256", args[1])
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnBase64Decode(args ...any) (any, error) {
	s, err := argText("base64_decode", args[0])
	if err != nil {
		return nil, err
	}
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, &Error{Kind: KindRuntime, Message: "base64_decode: the text is not valid base64"}
	}
	return string(b), nil
}
