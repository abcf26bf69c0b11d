package files

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

var encodings = []string{"auto", "utf-8", "utf-16", "windows-1252", "iso-8859-1"}

// sniffSize is how much of a file is looked at to tell its encoding and
// its delimiter.
const sniffSize = 64 << 10

// utf8Text is UTF-8 text, the byte order mark removed. Valid is false when
// the text may still hold invalid sequences (it looked like UTF-8 at the
// start only), which the reader must then replace.
type utf8Text struct {
	r     *bufio.Reader
	valid bool
	// encoding is what the text was decoded from, for writers that add
	// to the file: utf-8, utf-16, utf-16be, windows-1252 or iso-8859-1.
	encoding string
}

// decodeText reads r as text in the given encoding, or the one it looks
// like for "auto".
func decodeText(r io.Reader, name string) (utf8Text, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	if name == "auto" || name == "" {
		var err error
		if name, err = sniffEncoding(br); err != nil {
			return utf8Text{}, err
		}
	}
	switch name {
	case "utf-8":
		if head, _ := br.Peek(3); bytes.Equal(head, []byte("\xEF\xBB\xBF")) {
			_, _ = br.Discard(3)
		}
		return utf8Text{r: br, encoding: name}, nil
	case "utf-16", "utf-16be", "iso-8859-1":
	default:
		name = "windows-1252"
	}
	dec := textEncoding(name, unicode.UseBOM).NewDecoder()
	return utf8Text{r: bufio.NewReaderSize(transform.NewReader(br, dec), sniffSize), valid: true, encoding: name}, nil
}

// textEncoding returns an encoding by name. bom says whether UTF-16 reads
// (and writes) a byte order mark.
func textEncoding(name string, bom unicode.BOMPolicy) encoding.Encoding {
	switch name {
	case "utf-16":
		return unicode.UTF16(unicode.LittleEndian, bom)
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, bom)
	case "iso-8859-1":
		return charmap.ISO8859_1
	case "windows-1252":
		return charmap.Windows1252
	}
	return unicode.UTF8
}

// sniffEncoding tells the encoding from the start of the text: a byte
// order mark, the zero bytes of UTF-16 without one, valid UTF-8, or else
// Windows-1252, which any byte sequence is.
func sniffEncoding(br *bufio.Reader) (string, error) {
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	complete := err != nil
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		return "utf-8", nil
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return "utf-16", nil
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return "utf-16be", nil
	}
	if order := utf16Order(head); order != "" {
		return order, nil
	}
	if !complete {
		head = trimPartialRune(head)
	}
	if utf8.Valid(head) {
		return "utf-8", nil
	}
	return "windows-1252", nil
}

// utf16Order recognizes UTF-16 without a byte order mark by its zero
// bytes: text in Latin letters has one in every other byte.
func utf16Order(head []byte) string {
	n := min(len(head), 512) &^ 1
	if n < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case odd*10 > pairs*7 && even*10 < pairs:
		return "utf-16"
	case even*10 > pairs*7 && odd*10 < pairs:
		return "utf-16be"
	}
	return ""
}

// trimPartialRune drops a character cut in two at the end of a sample.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}

var delimiters = []byte{',', ';', '\t', '|'}

// sniffDelimiter picks the delimiter of a CSV sample: the candidate found
// the same number of times, outside quotes, in every record; failing
// that, the most frequent one; failing that, a comma.
func sniffDelimiter(sample []byte, complete bool) rune {
	counts := delimiterCounts(sample, complete)
	best, bestN := byte(','), 0
	for i, d := range delimiters {
		if n, ok := steady(counts, i); ok && n > bestN {
			best, bestN = d, n
		}
	}
	if bestN > 0 {
		return rune(best)
	}
	var totals [4]int
	for _, c := range counts {
		for i := range c {
			totals[i] += c[i]
		}
	}
	for i, d := range delimiters {
		if totals[i] > bestN {
			best, bestN = d, totals[i]
		}
	}
	return rune(best)
}

// delimiterCounts counts each candidate outside quotes in the sample's
// first records; a record cut by the end of an incomplete sample is left
// out.
func delimiterCounts(sample []byte, complete bool) [][4]int {
	var out [][4]int
	var cur [4]int
	quoted, empty := false, true
	for _, b := range sample {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if !empty {
				out = append(out, cur)
			}
			cur, empty = [4]int{}, true
			if len(out) == 50 {
				return out
			}
			continue
		default:
			if i := bytes.IndexByte(delimiters, b); i >= 0 {
				cur[i]++
			}
		}
		if b != '\r' {
			empty = false
		}
	}
	if complete && !empty {
		out = append(out, cur)
	}
	return out
}

// steady reports the count of candidate i when every record has it.
func steady(counts [][4]int, i int) (int, bool) {
	if len(counts) == 0 {
		return 0, false
	}
	n := counts[0][i]
	for _, c := range counts[1:] {
		if c[i] != n {
			return 0, false
		}
	}
	return n, n > 0
}
