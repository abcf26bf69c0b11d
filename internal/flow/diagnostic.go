package flow

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a diagnostic stops a flow from being saved or run.
type Severity int

// The severities. The zero value is an error, so a diagnostic built without a
// severity never passes as harmless.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// MarshalText writes the severity as a word, for the API.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Position is a place in a flow's source. Line and Column are 1-based; zero
// means unknown.
type Position struct {
	Line   int
	Column int
}

// Diagnostic is one problem found in a flow document, in plain words.
type Diagnostic struct {
	File     string
	Line     int
	Column   int
	Path     string // where in the document, e.g. "steps[2].set.email"
	Message  string
	Hint     string // optional: what to do about it
	Severity Severity
	// Excerpt is the source line the diagnostic points at, shown with a caret
	// under Column.
	Excerpt string

	// kindless marks "this object has no kind" problems, which say nothing
	// new when a misspelt setting inside the object was already reported.
	kindless bool
}

// String formats the diagnostic like a compiler message, with its hint on
// the next line but without the excerpt.
func (d Diagnostic) String() string {
	var b strings.Builder
	d.writeHead(&b, false)
	if d.Hint != "" {
		fmt.Fprintf(&b, "\n  hint: %s", d.Hint)
	}
	return b.String()
}

func (d Diagnostic) writeHead(b *strings.Builder, color bool) {
	loc := d.File
	if loc == "" {
		loc = "flow"
	}
	if d.Line > 0 {
		loc += fmt.Sprintf(":%d:%d", d.Line, d.Column)
	}
	b.WriteString(paint(color, "1", loc+":"))
	b.WriteString(" ")
	if d.Severity == SeverityWarning {
		b.WriteString(paint(color, "33", "warning:") + " ")
	}
	b.WriteString(d.Message)
}

// Format writes the diagnostic with the source line and a caret under the
// column, the way compilers do. With color, ANSI colors are used.
func (d Diagnostic) Format(color bool) string {
	var b strings.Builder
	d.writeHead(&b, color)
	if d.Excerpt != "" && d.Line > 0 {
		gutter := fmt.Sprintf("%5d | ", d.Line)
		line := strings.ReplaceAll(d.Excerpt, "\t", " ")
		fmt.Fprintf(&b, "\n%s%s", gutter, line)
		col := max(d.Column, 1)
		pad := strings.Repeat(" ", len(gutter)-2)
		fmt.Fprintf(&b, "\n%s| %s%s", pad, strings.Repeat(" ", caretOffset(line, col)), paint(color, "31", "^"))
	}
	if d.Hint != "" {
		fmt.Fprintf(&b, "\n  %s %s", paint(color, "36", "hint:"), d.Hint)
	}
	return b.String()
}

// caretOffset turns a 1-based column, counted in characters, into the number
// of spaces before the caret.
func caretOffset(line string, col int) int {
	n := len([]rune(line))
	return min(col-1, n)
}

func paint(color bool, code, s string) string {
	if !color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Diagnostics is every problem found in a document. It implements error so a
// caller can return it as one; check HasErrors first, since warnings alone
// are not a failure.
type Diagnostics []Diagnostic

// Error lists the diagnostics, one per line.
func (ds Diagnostics) Error() string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.String()
	}
	return strings.Join(parts, "\n")
}

// HasErrors reports whether any diagnostic is an error, not just a warning.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Format writes every diagnostic with its source excerpt, separated by blank
// lines, for the terminal.
func (ds Diagnostics) Format(color bool) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Format(color)
	}
	return strings.Join(parts, "\n\n")
}

// Sort orders the diagnostics by line, then column, then message, so output
// is stable whatever order the checks ran in.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Message < b.Message
	})
}
