package expr

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr/file"
)

// Kind classifies expression errors.
type Kind string

// The kinds of expression error.
const (
	KindSyntax  Kind = "syntax"  // the text is not a valid expression
	KindUnknown Kind = "unknown" // an unknown variable or function
	KindType    Kind = "type"    // a value of the wrong type
	KindLimit   Kind = "limit"   // a sandbox limit was hit; Limit names it
	KindRuntime Kind = "runtime" // any other failure while evaluating
)

// Error is an expression error with the column inside the expression.
type Error struct {
	Kind    Kind
	Limit   string // for KindLimit: which limit, e.g. "size", "depth", "cost", "memory"
	Message string // plain words for a non-programmer
	Hint    string // optional: what to do, e.g. "did you mean 'record'?"
	Source  string // the expression text
	Column  int    // 1-based column inside Source; 0 when unknown
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Column > 0 {
		msg = fmt.Sprintf("%s (at column %d of %q)", msg, e.Column, e.Source)
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// compileError turns a parser or checker error into an *Error in plain
// words, with a hint for misspelt names.
func compileError(src string, err error, allowed []string) error {
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &Error{Kind: KindSyntax, Message: err.Error(), Source: src}
	}
	e := &Error{Kind: KindSyntax, Message: fe.Message, Source: src, Column: fe.From + 1}
	if name, ok := strings.CutPrefix(fe.Message, "unknown name "); ok {
		unknownName(e, name, fe.From, allowed)
		return e
	}
	if strings.Contains(fe.Message, "exceeds maximum allowed") || strings.Contains(fe.Message, "max nodes") {
		e.Kind, e.Limit, e.Column = KindLimit, LimitSize, 0
		e.Message = "this expression is too big"
		e.Hint = "split it over several steps or settings"
		return e
	}
	e.Message, e.Kind = reword(fe.Message)
	return e
}

// unknownName fills e for a name that is neither a variable of the context
// nor a function, suggesting the closest of those that are.
func unknownName(e *Error, name string, from int, allowed []string) {
	e.Kind = KindUnknown
	e.Message = fmt.Sprintf("unknown name '%s'", name)
	candidates := allowed
	if isCall(e.Source, from, name) {
		e.Message = fmt.Sprintf("unknown function '%s'", name)
		candidates = FunctionNames()
	}
	if best := closest(name, candidates); best != "" {
		e.Hint = fmt.Sprintf("did you mean '%s'?", best)
	} else if !isCall(e.Source, from, name) && len(allowed) > 0 {
		e.Hint = "the names you can use here are " + quoteList(allowed)
	}
}

// isCall reports whether the name at rune offset from is followed by '('.
func isCall(src string, from int, name string) bool {
	r := []rune(src)
	i := from + len([]rune(name))
	for i < len(r) && (r[i] == ' ' || r[i] == '\t') {
		i++
	}
	return i < len(r) && r[i] == '('
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	return strings.Join(q, ", ")
}

// closest returns the candidate nearest to name by edit distance, if it is
// near enough to be a likely typo.
func closest(name string, candidates []string) string {
	best, bestDist := "", len(name)/2+2
	lower := strings.ToLower(name)
	for _, c := range candidates {
		d := levenshtein(lower, strings.ToLower(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return len(ra) + len(rb) // long names are no typo of ours; skip the work
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// rewordings maps expr's terse parser and checker messages to plain words.
var rewordings = []struct {
	re   *regexp.Regexp
	msg  string
	kind Kind
}{
	{regexp.MustCompile(`^unexpected token EOF`), "the expression ends too early: something is missing at the end", KindSyntax},
	{regexp.MustCompile(`^unexpected token Operator\("(.*)"\)`), "'$1' is not expected here", KindSyntax},
	{regexp.MustCompile(`^unexpected token Bracket\("(.*)"\)`), "'$1' is not expected here (check the brackets)", KindSyntax},
	{regexp.MustCompile(`^unexpected token (?:Identifier|Number|String)\("?(.*?)"?\)`), "'$1' is not expected here: an operator such as 'and', '+' or ',' may be missing before it", KindSyntax},
	{regexp.MustCompile(`^unexpected token (.*)`), "this is not expected here: $1", KindSyntax},
	{regexp.MustCompile(`^unclosed "(.*)"`), "'$1' is never closed", KindSyntax},
	{regexp.MustCompile(`^literal not terminated`), "this text in quotes is never closed", KindSyntax},
	{regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (\S+) and (\S+)\)`), "'$1' cannot combine $2 and $3", KindType},
	{regexp.MustCompile(`^cannot redeclare (?:variable |builtin |function )?(\S+)`), "the name '$1' is already taken", KindSyntax},
	{regexp.MustCompile(`^cannot use pointer accessor outside predicate`), "'#' can only be used inside a function such as map or filter", KindSyntax},
	{regexp.MustCompile(`^memory budget exceeded`), "the expression uses too much memory", KindLimit},
	{regexp.MustCompile(`^unknown pointer #(\S+)`), "'#$1' is unknown here", KindUnknown},
	{regexp.MustCompile(`^predicate should return boolean`), "the condition inside must give true or false", KindType},
}

var typeWords = strings.NewReplacer("map[string]interface {}", "an object", "[]interface {}", "a list",
	"interface {}", "a value", "float64", "a number", "int", "a number", "string", "text", "bool", "true/false")

// reword returns a plainer message for msg and the kind it signals.
func reword(msg string) (string, Kind) {
	for _, r := range rewordings {
		if r.re.MatchString(msg) {
			return typeWords.Replace(r.re.ReplaceAllString(msg, r.msg)), r.kind
		}
	}
	return msg, KindSyntax
}

// runtimeError turns an evaluation failure into an *Error, keeping the
// column of the failing part when expr knows it.
func runtimeError(src string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Source = src
		if fe := (*file.Error)(nil); errors.As(err, &fe) && c.Column == 0 && fe.From < len(src) {
			c.Column = fe.From + 1
		}
		return &c
	}
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &Error{Kind: KindRuntime, Message: err.Error(), Source: src}
	}
	out := &Error{Kind: KindRuntime, Message: fe.Message, Source: src, Column: fe.From + 1}
	switch {
	case strings.Contains(fe.Message, "memory budget exceeded"):
		out.Kind, out.Limit = KindLimit, LimitMemory
		out.Message = "the expression uses too much memory"
		out.Hint = "work on fewer items at a time"
	case strings.HasPrefix(fe.Message, "invalid operation"):
		out.Kind = KindType
		out.Message = runtimeWords.Replace(fe.Message)
	case strings.Contains(fe.Message, "integer divide by zero"):
		out.Message = "division by zero"
	case strings.Contains(fe.Message, "index out of range"):
		out.Message = "there is no item at this position"
	default:
		out.Message, _ = reword(fe.Message)
		out.Message = runtimeWords.Replace(out.Message)
	}
	return out
}

var runtimeWords = strings.NewReplacer("map[string]interface {}", "object", "[]interface {}", "list",
	"interface {}", "value", "<nil>", "nothing", "float64", "number", "int", "number", "string", "text", "bool", "true/false")

// describe names a value's type for a non-programmer.
func describe(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case nil:
		return "nothing"
	case bool:
		return "true/false"
	case int, int64, float64, float32, int32, uint, uint64:
		return "a number"
	default:
		return "a value"
	}
}

// clip shortens a source kept in an error so that a giant expression is not
// echoed back whole.
func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	return s[:200] + "…"
}
