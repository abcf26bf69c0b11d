package files

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/unicode"

	"github.com/bistro-dev/bistro/connector"
)

// prepareCSV writes a new file (header and rows), or the rows to add at
// the end of an existing one.
func (c *conn) prepareCSV(j *writeJob) (*change, error) {
	if j.adding && j.exists && j.size > 0 {
		return c.appendCSV(j)
	}
	header, err := headerFor(j, nil)
	if err != nil {
		return nil, err
	}
	rows, err := cells(j, header)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if j.bom {
		buf.WriteString("\uFEFF")
	}
	if err := writeCSV(&buf, j.delim, false, header, rows); err != nil {
		return nil, err
	}
	return c.place(j, buf.Bytes())
}

// place writes a new file's content: into the file when rows are being
// added (the file is missing or empty), aside and renamed otherwise.
func (c *conn) place(j *writeJob, data []byte) (*change, error) {
	if j.adding {
		return &change{root: c.root, name: j.name, data: data, oldSize: j.size, existed: j.exists}, nil
	}
	return c.aside(j.name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// appendCSV adds rows after an existing file's, in its columns, with its
// delimiter, line ends and encoding.
func (c *conn) appendCSV(j *writeJob) (*change, error) {
	f, err := c.root.Open(filepath.FromSlash(j.name))
	if err != nil {
		return nil, fileError(j.name, err)
	}
	defer f.Close()
	text, err := decodeText(f, "auto")
	if err != nil {
		return nil, fileError(j.name, err)
	}
	sample, perr := text.r.Peek(sniffSize)
	delim := sniffDelimiter(sample, perr != nil)
	crlf := bytes.Contains(sample, []byte("\r\n"))
	existing, err := readHeader(j.name, text.r, delim)
	if err != nil {
		return nil, err
	}
	header, err := headerFor(j, existing)
	if err != nil {
		return nil, err
	}
	rows, err := cells(j, header)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if !endsWithNewline(f, j.size, text.encoding) {
		buf.WriteString(lineEnd(crlf))
	}
	if existing != nil {
		header = nil // already there
	}
	if err := writeCSV(&buf, delim, crlf, header, rows); err != nil {
		return nil, err
	}
	data, err := encodeText(j.name, text.encoding, buf.Bytes())
	if err != nil {
		return nil, err
	}
	return &change{root: c.root, name: j.name, offset: j.size, data: data, oldSize: j.size, existed: true}, nil
}

// readHeader reads the first row of a CSV file; nil when it has none.
func readHeader(name string, r io.Reader, delim rune) ([]string, error) {
	cr := csv.NewReader(r)
	cr.Comma, cr.FieldsPerRecord = delim, -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, connector.Permanent(fmt.Errorf("%s: its header row cannot be read, so records cannot be added to it: %s", name, csvProblem(pe)))
	}
	if err != nil {
		return nil, fileError(name, err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
	}
	return header, nil
}

func lineEnd(crlf bool) string {
	if crlf {
		return "\r\n"
	}
	return "\n"
}

// endsWithNewline reports whether a file of size bytes ends with a line
// end in its encoding.
func endsWithNewline(f *os.File, size int64, enc string) bool {
	want := []byte("\n")
	switch enc {
	case "utf-16":
		want = []byte("\n\x00")
	case "utf-16be":
		want = []byte("\x00\n")
	}
	if size < int64(len(want)) {
		return false
	}
	got := make([]byte, len(want))
	if _, err := f.ReadAt(got, size-int64(len(want))); err != nil {
		return false
	}
	return bytes.Equal(got, want)
}

// encodeText encodes UTF-8 text for a file in another encoding.
func encodeText(name, enc string, data []byte) ([]byte, error) {
	if enc == "utf-8" || enc == "" {
		return data, nil
	}
	out, err := textEncoding(enc, unicode.IgnoreBOM).NewEncoder().Bytes(data)
	if err != nil {
		return nil, connector.Permanent(fmt.Errorf("%s is encoded in %s, which cannot hold some characters of the records; write them to a new file instead (new files are UTF-8)", name, strings.ToUpper(enc[:1])+enc[1:]))
	}
	return out, nil
}

// writeCSV writes an optional header row and rows.
func writeCSV(w io.Writer, delim rune, crlf bool, header []string, rows [][]any) error {
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = delim, crlf
	if header != nil {
		if err := cw.Write(header); err != nil {
			return err
		}
	}
	line := make([]string, 0, len(header))
	for _, r := range rows {
		line = line[:0]
		for _, v := range r {
			line = append(line, cellText(v))
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
