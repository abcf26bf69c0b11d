package files

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bistro-dev/bistro/connector"
)

// jsonTail is how much of a JSON file's end is read to find the list's
// closing bracket.
const jsonTail = 64 << 10

// prepareJSONLines writes one line per record.
func (c *conn) prepareJSONLines(j *writeJob) (*change, error) {
	var buf bytes.Buffer
	if j.adding && j.exists && j.size > 0 {
		f, err := c.root.Open(filepath.FromSlash(j.name))
		if err != nil {
			return nil, fileError(j.name, err)
		}
		ends := endsWithNewline(f, j.size, "utf-8")
		f.Close()
		if !ends {
			buf.WriteByte('\n')
		}
		if err := jsonItems(&buf, j, "\n"); err != nil {
			return nil, err
		}
		buf.WriteByte('\n')
		return &change{root: c.root, name: j.name, offset: j.size, data: buf.Bytes(), oldSize: j.size, existed: true}, nil
	}
	if err := jsonItems(&buf, j, "\n"); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return c.place(j, buf.Bytes())
}

// prepareJSON writes a JSON list of the records, one per line, or adds
// them before the closing bracket of an existing list.
func (c *conn) prepareJSON(j *writeJob) (*change, error) {
	var buf bytes.Buffer
	if !j.adding || !j.exists || j.size == 0 {
		buf.WriteString("[\n")
		if err := jsonItems(&buf, j, ",\n"); err != nil {
			return nil, err
		}
		buf.WriteString("\n]\n")
		return c.place(j, buf.Bytes())
	}
	f, err := c.root.Open(filepath.FromSlash(j.name))
	if err != nil {
		return nil, fileError(j.name, err)
	}
	defer f.Close()
	at, empty, tail, err := listEnd(f, j.size)
	if err != nil {
		return nil, connector.Permanent(fmt.Errorf("%s %s, so records cannot be added to it; use format jsonl, or mode overwrite", j.name, err))
	}
	if !empty {
		buf.WriteString(",")
	}
	buf.WriteString("\n")
	if err := jsonItems(&buf, j, ",\n"); err != nil {
		return nil, err
	}
	buf.WriteString("\n]\n")
	return &change{root: c.root, name: j.name, offset: at, data: buf.Bytes(), oldTail: tail, oldSize: j.size, existed: true}, nil
}

// listEnd finds the closing bracket of the JSON list a file holds: its
// offset, whether the list is empty, and the bytes from it to the end.
func listEnd(f *os.File, size int64) (at int64, empty bool, tail []byte, err error) {
	start := max(size-jsonTail, 0)
	buf := make([]byte, size-start)
	if _, err := f.ReadAt(buf, start); err != nil && err != io.EOF {
		return 0, false, nil, err
	}
	end := len(bytes.TrimRight(buf, " \t\r\n"))
	if end == 0 || buf[end-1] != ']' {
		return 0, false, nil, fmt.Errorf("does not hold a JSON list (it does not end with ])")
	}
	before := bytes.TrimRight(buf[:end-1], " \t\r\n")
	empty = len(before) > 0 && before[len(before)-1] == '['
	at = start + int64(end-1)
	return at, empty, bytes.Clone(buf[end-1:]), nil
}

// jsonItems writes each record as JSON, separated by sep.
func jsonItems(buf *bytes.Buffer, j *writeJob, sep string) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	for n, r := range j.rows {
		if n > 0 {
			buf.WriteString(sep)
		}
		if err := enc.Encode(project(r, j.columns)); err != nil {
			return connector.Permanent(fmt.Errorf("record %d cannot be written as JSON: %w", n+1, err))
		}
		buf.Truncate(buf.Len() - 1) // the encoder's newline
	}
	return nil
}

// project keeps the fields asked for, in the record.
func project(r map[string]any, columns []string) map[string]any {
	if len(columns) == 0 {
		return r
	}
	out := make(map[string]any, len(columns))
	for _, col := range columns {
		if v, ok := r[col]; ok {
			out[col] = v
		}
	}
	return out
}
