package flow

import (
	"bytes"
	"fmt"
)

// Limits on what a flow document may be. Real flows are a few hundred lines;
// the limits are far above that and exist so that a hostile or broken file
// cannot make parsing or validation take seconds: the YAML parser's work
// grows with the square of the nesting depth and of the number of keys in
// one block, and every value costs memory and time after it.
const (
	// MaxSize is the largest flow document accepted, in bytes.
	MaxSize = 1 << 20
	// MaxDepth is how deeply values may be nested inside each other.
	MaxDepth = 100
	// maxScanDepth bounds the bracket nesting found by the scan that runs
	// before the parser; MaxDepth is checked exactly afterwards.
	maxScanDepth = 1000
	// maxBlockKeys bounds the lines with a key at one indentation of one
	// block.
	maxBlockKeys = 10_000
	// maxAliasValues caps the values that aliases (*name) may expand to.
	maxAliasValues = 10_000
	// maxTemplate is the longest text checked as a template.
	maxTemplate = 64 << 10
)

// checkShape looks at the raw text, before the YAML parser does, for the
// shapes the parser is slow on: very deep nesting and blocks with a great
// many keys. It returns a diagnostic, or nil when the shape is fine.
func (d *Document) checkShape(data []byte) *Diagnostic {
	if len(data) > MaxSize {
		dg := d.diag(Position{Line: 1, Column: 1}, "",
			fmt.Sprintf("this flow is larger than 1 MB (%d bytes)", len(data)),
			"keep large data out of the flow: read it with a step at run time")
		return &dg
	}
	depth := 0
	var blocks []indentCount
	for i, line := range bytes.Split(data, []byte("\n")) {
		indent := len(line) - len(bytes.TrimLeft(line, " "))
		rest := line[indent:]
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		dashes := 0
		for bytes.HasPrefix(rest, []byte("- ")) {
			dashes++
			rest = bytes.TrimLeft(rest[1:], " ")
		}
		var peak int
		depth, peak = bracketDepth(depth, rest)
		if peak+dashes > maxScanDepth {
			return d.tooDeep(Position{Line: i + 1, Column: indent + 1})
		}
		// Only keys count: the parser's time grows with the square of the
		// keys in one mapping, not of the items in a list.
		if !bytes.Contains(rest, []byte(":")) {
			continue
		}
		blocks = countBlock(blocks, indent+2*dashes)
		if blocks[len(blocks)-1].n > maxBlockKeys {
			dg := d.diag(Position{Line: i + 1, Column: indent + 1}, "",
				fmt.Sprintf("this block has more than %d settings at the same indentation", maxBlockKeys),
				"keep large data out of the flow: read it with a step at run time")
			return &dg
		}
	}
	return nil
}

// indentCount counts the lines at one indentation of the current block.
type indentCount struct{ indent, n int }

// countBlock records a line at indent: lines less indented end the deeper
// blocks, lines at the same indentation add to the block's count.
func countBlock(blocks []indentCount, indent int) []indentCount {
	for len(blocks) > 0 && blocks[len(blocks)-1].indent > indent {
		blocks = blocks[:len(blocks)-1]
	}
	if len(blocks) > 0 && blocks[len(blocks)-1].indent == indent {
		blocks[len(blocks)-1].n++
		return blocks
	}
	return append(blocks, indentCount{indent: indent, n: 1})
}

// bracketDepth follows the nesting of [ and { across a line, returning the
// depth after it and the deepest point in it. Brackets inside quoted text
// count too, which can only overestimate; the limit it is checked against is
// ten times MaxDepth, so no real flow comes near it.
func bracketDepth(depth int, line []byte) (after, peak int) {
	peak = depth
	for _, c := range line {
		switch c {
		case '[', '{':
			depth++
			peak = max(peak, depth)
		case ']', '}':
			depth = max(0, depth-1)
		}
	}
	return depth, peak
}

func (d *Document) tooDeep(pos Position) *Diagnostic {
	dg := d.diag(pos, "", fmt.Sprintf("values are nested more than %d levels deep here", MaxDepth),
		"flatten the data: a flow rarely needs more than a few levels")
	return &dg
}
