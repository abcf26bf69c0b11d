package expr

import "fmt"

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
