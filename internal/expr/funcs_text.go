package expr

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var textFunctions = []Function{
	{Name: "trim", Signature: "trim(text)", Category: "text", MinArgs: 1, MaxArgs: 1,
		Description: "Removes spaces, tabs and line breaks at both ends.",
		Example:     `trim("  Ada  ")`, Result: `"Ada"`, fn: text1("trim", strings.TrimSpace)},
	{Name: "lower", Signature: "lower(text)", Category: "text", MinArgs: 1, MaxArgs: 1,
		Description: "Turns text into lower case.",
		Example:     `lower("Ada@Example.COM")`, Result: `"ada@example.com"`, fn: text1("lower", strings.ToLower)},
	{Name: "upper", Signature: "upper(text)", Category: "text", MinArgs: 1, MaxArgs: 1,
		Description: "Turns text into upper case.",
		Example:     `upper("de")`, Result: `"DE"`, fn: text1("upper", strings.ToUpper)},
	{Name: "title", Signature: "title(text)", Category: "text", MinArgs: 1, MaxArgs: 1,
		Description: "Capitalises the first letter of every word and lowers the rest.",
		Example:     `title("ada LOVELACE")`, Result: `"Ada Lovelace"`, fn: text1("title", title)},
	{Name: "slug", Signature: "slug(text)", Category: "text", MinArgs: 1, MaxArgs: 1,
		Description: "Makes text safe for a web address: lower case, accents removed, words joined by '-'.",
		Example:     `slug("Crème Brûlée: 2 pièces!")`, Result: `"creme-brulee-2-pieces"`, fn: text1("slug", slug)},
	{Name: "replace", Signature: "replace(text, old, new)", Category: "text", MinArgs: 3, MaxArgs: 3, Grows: true,
		Description: "Replaces every occurrence of old with new.",
		Example:     `replace("a-b-c", "-", "+")`, Result: `"a+b+c"`, fn: metered(fnReplace)},
	{Name: "split", Signature: "split(text, separator)", Category: "text", MinArgs: 2, MaxArgs: 2,
		Description: "Cuts text at every separator into a list.",
		Example:     `split("a,b,c", ",")`, Result: `["a","b","c"]`, fn: fnSplit},
	{Name: "join", Signature: "join(list, separator?)", Category: "text", MinArgs: 1, MaxArgs: 2, Grows: true,
		Description: "Joins the items of a list into one text, with the separator (none by default) between them.",
		Example:     `join(["a", 1, true], ", ")`, Result: `"a, 1, true"`, fn: metered(fnJoin)},
	{Name: "pad_left", Signature: "pad_left(text, length, char?)", Category: "text", MinArgs: 2, MaxArgs: 3, Grows: true,
		Description: "Adds char (a space by default) in front until the text is length characters long.",
		Example:     `pad_left("42", 5, "0")`, Result: `"00042"`, fn: metered(pad("pad_left", true))},
	{Name: "pad_right", Signature: "pad_right(text, length, char?)", Category: "text", MinArgs: 2, MaxArgs: 3, Grows: true,
		Description: "Adds char (a space by default) at the end until the text is length characters long.",
		Example:     `pad_right("ab", 4, ".")`, Result: `"ab.."`, fn: metered(pad("pad_right", false))},
	{Name: "substring", Signature: "substring(text, start, end?)", Category: "text", MinArgs: 2, MaxArgs: 3,
		Description: "The characters from position start (counting from 0) up to, not including, end. Negative positions count from the end.",
		Example:     `substring("Bistro", 1, 4)`, Result: `"ist"`, fn: fnSubstring},
	{Name: "includes", Signature: "includes(text or list, part)", Category: "text", MinArgs: 2, MaxArgs: 2,
		Description: "Whether the text contains part, or the list contains the item. The operator form is `a contains b`.",
		Example:     `includes("bistro", "str")`, Result: `true`, fn: fnContains},
	{Name: "starts_with", Signature: "starts_with(text, prefix)", Category: "text", MinArgs: 2, MaxArgs: 2,
		Description: "Whether the text starts with prefix. The operator form is `a startsWith b`.",
		Example:     `starts_with("invoice-7", "invoice-")`, Result: `true`, fn: text2("starts_with", strings.HasPrefix)},
	{Name: "ends_with", Signature: "ends_with(text, suffix)", Category: "text", MinArgs: 2, MaxArgs: 2,
		Description: "Whether the text ends with suffix. The operator form is `a endsWith b`.",
		Example:     `ends_with("ada@example.com", "@example.com")`, Result: `true`, fn: text2("ends_with", strings.HasSuffix)},
	{Name: "length", Signature: "length(text, list or object)", Category: "text", MinArgs: 1, MaxArgs: 1,
		Description: "The number of characters in a text, items in a list or fields in an object; 0 for nothing.",
		Example:     `length("café")`, Result: `4`, fn: fnLength},
	{Name: "len", Signature: "len(text, list or object)", Category: "text", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "Like length, but counts bytes in a text.",
		Example:     `len([1, 2, 3])`, Result: `3`},
	{Name: "text", Signature: "text(value)", Category: "text", MinArgs: 1, MaxArgs: 1,
		Description: "Turns any value into text the way a template does: objects and lists as JSON, times as RFC 3339.",
		Example:     `text({"a": 1.5})`, Result: `"{\"a\":1.5}"`, fn: func(args ...any) (any, error) { return Text(args[0]), nil }},
	{Name: "repeat", Signature: "repeat(text, times)", Category: "text", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "The text repeated times times (up to the text size limit).",
		Example:     `repeat("ab", 3)`, Result: `"ababab"`},
}

func text1(name string, f func(string) string) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		s, err := argText(name, args[0])
		if err != nil {
			return nil, err
		}
		return f(s), nil
	}
}

func text2(name string, f func(string, string) bool) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		a, err := argText(name, args[0])
		if err != nil {
			return nil, err
		}
		b, err := argText(name, args[1])
		if err != nil {
			return nil, err
		}
		return f(a, b), nil
	}
}

func title(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			if start {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = false
		default:
			b.WriteRune(r)
			start = true
		}
	}
	return b.String()
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // accents left over from NFKD
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
			dash = false
		default:
			dash = true
		}
	}
	return b.String()
}

func fnReplace(args ...any) (any, error) {
	var s [3]string
	for i := range s {
		var err error
		if s[i], err = argText("replace", args[i]); err != nil {
			return nil, err
		}
	}
	// Check the size before building it: replacing "" in a long text with a
	// long text is the quickest way to ask for gigabytes.
	n := strings.Count(s[0], s[1])
	if size := len(s[0]) + n*(len(s[2])-len(s[1])); size > MaxString {
		return nil, stringLimit(size)
	}
	return strings.ReplaceAll(s[0], s[1], s[2]), nil
}

func fnSplit(args ...any) (any, error) {
	s, err := argText("split", args[0])
	if err != nil {
		return nil, err
	}
	sep, err := argText("split", args[1])
	if err != nil {
		return nil, err
	}
	if s == "" {
		return []any{}, nil
	}
	parts := strings.Split(s, sep)
	if len(parts) > MaxMemory {
		return nil, &Error{Kind: KindLimit, Limit: LimitMemory, Message: "split would make too many items"}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func fnJoin(args ...any) (any, error) {
	list, err := argList("join", args[0])
	if err != nil {
		return nil, err
	}
	sep, err := argText("join", optional(args, 1, ""))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for i, e := range list {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(Text(e))
		if b.Len() > MaxString {
			return nil, stringLimit(b.Len())
		}
	}
	return b.String(), nil
}

func pad(name string, left bool) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		s, err := argText(name, args[0])
		if err != nil {
			return nil, err
		}
		n, err := argInt(name, args[1])
		if err != nil {
			return nil, err
		}
		ch, err := argText(name, optional(args, 2, " "))
		if err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(ch) != 1 {
			return nil, fnError(name, "the padding must be exactly one character, not %q", ch)
		}
		missing := n - utf8.RuneCountInString(s)
		if missing <= 0 {
			return s, nil
		}
		if size := len(s) + missing*len(ch); size > MaxString {
			return nil, stringLimit(size)
		}
		if left {
			return strings.Repeat(ch, missing) + s, nil
		}
		return s + strings.Repeat(ch, missing), nil
	}
}

func fnSubstring(args ...any) (any, error) {
	s, err := argText("substring", args[0])
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	start, err := argInt("substring", args[1])
	if err != nil {
		return nil, err
	}
	end, err := argInt("substring", optional(args, 2, len(r)))
	if err != nil {
		return nil, err
	}
	start, end = clampIndex(start, len(r)), clampIndex(end, len(r))
	if start >= end {
		return "", nil
	}
	return string(r[start:end]), nil
}

// clampIndex maps a possibly negative position onto 0..n.
func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

func fnContains(args ...any) (any, error) {
	if l, ok := asList(args[0]); ok && args[0] != nil {
		for _, e := range l {
			if equal(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	}
	return text2("includes", strings.Contains)(args...)
}

func fnLength(args ...any) (any, error) {
	switch x := args[0].(type) {
	case nil:
		return 0, nil
	case string:
		return utf8.RuneCountInString(x), nil
	case map[string]any:
		return len(x), nil
	}
	if l, ok := asList(args[0]); ok {
		return len(l), nil
	}
	return nil, argError("length", "text, a list or an object", args[0])
}
