package files

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/bistro-dev/bistro/connector"
)

// readOptions are the read action's settings, checked.
type readOptions struct {
	format, encoding, sheet string
	delimiter               rune // 0: found from the file
	header, autoTypes       bool
	skipBad, withPosition   bool
	columns                 []string
	rename                  map[string]string
}

func parseReadOptions(in map[string]any) (*readOptions, error) {
	o := &readOptions{
		format:       textOr(in, "format", "auto"),
		encoding:     textOr(in, "encoding", "auto"),
		sheet:        textOr(in, "sheet", ""),
		header:       flag(in, "header", true),
		autoTypes:    textOr(in, "types", "text") == "auto",
		skipBad:      textOr(in, "on_bad_row", "fail") == "skip",
		withPosition: flag(in, "with_position", false),
		columns:      textList(in["columns"]),
		rename:       textMap(in["rename"]),
	}
	var err error
	o.delimiter, err = parseDelimiter(textOr(in, "delimiter", ""))
	return o, err
}

// source is one file, or uploaded content, to read.
type source struct {
	name   string // in messages and _file
	format string // from the name or the content; "" when unknown
	open   func() (io.ReadCloser, error)
}

// read runs the read action.
func (c *conn) read(ctx context.Context, in map[string]any, emit func(map[string]any) error) error {
	o, err := parseReadOptions(in)
	if err != nil {
		return err
	}
	srcs, err := c.sources(in)
	if err != nil {
		return err
	}
	for _, src := range srcs {
		if err := c.readSource(ctx, src, o, emit); err != nil {
			return err
		}
	}
	return nil
}

// sources are what a read reads: the uploaded content, or the files path
// names.
func (c *conn) sources(in map[string]any) ([]source, error) {
	name, hasPath := in["path"].(string)
	content, hasContent := in["content"]
	hasPath = hasPath && name != ""
	hasContent = hasContent && content != nil
	switch {
	case hasPath == hasContent:
		return nil, connector.Permanent(errors.New("give either path (a file in the connection's folder) or content (an uploaded file), not both and not neither"))
	case hasContent:
		src, err := contentSource(content, textOr(in, "format", "auto"))
		return []source{src}, err
	}
	names := []string{}
	if hasMeta(name) {
		var err error
		if names, err = c.match(name); err != nil {
			return nil, err
		}
		if len(names) == 0 {
			c.log.Info("no file matches the pattern", "pattern", name)
		}
	} else {
		clean, err := cleanPath(name)
		if err != nil {
			return nil, err
		}
		names = append(names, clean)
	}
	srcs := make([]source, len(names))
	for i, n := range names {
		srcs[i] = c.fileSource(n)
	}
	return srcs, nil
}

func (c *conn) fileSource(name string) source {
	return source{name: name, format: formatOf(name), open: func() (io.ReadCloser, error) {
		f, err := c.root.Open(filepath.FromSlash(name))
		if err != nil {
			return nil, fileError(name, err)
		}
		info, err := f.Stat()
		if err == nil && info.IsDir() {
			f.Close()
			return nil, connector.Permanent(fmt.Errorf("'%s' is a folder, not a file", name))
		}
		return f, nil
	}}
}

func (c *conn) readSource(ctx context.Context, src source, o *readOptions, emit func(map[string]any) error) error {
	r, err := src.open()
	if err != nil {
		return err
	}
	defer r.Close()
	format, err := chooseFormat(o.format, src)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return c.readJSON(ctx, src.name, r, o, emit)
	case "jsonl":
		return c.readJSONLines(ctx, src.name, r, o, emit)
	case "xlsx":
		return c.readXLSX(ctx, src.name, r, o, emit)
	}
	opts := *o
	if opts.delimiter == 0 && isTSV(src.name) {
		opts.delimiter = '\t'
	}
	return c.readCSV(ctx, src.name, r, &opts, emit)
}

// readCSV emits the rows of a CSV file as they are read.
func (c *conn) readCSV(ctx context.Context, name string, r io.Reader, o *readOptions, emit func(map[string]any) error) error {
	text, err := decodeText(r, o.encoding)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	delim := o.delimiter
	if delim == 0 {
		sample, err := text.r.Peek(sniffSize)
		delim = sniffDelimiter(sample, err != nil)
	}
	cr := csv.NewReader(text.r)
	cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = delim, -1, true
	t := &table{file: name, opts: o, emit: emit, log: c.log, checkUTF8: !text.valid}
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		values, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe) && t.names != nil:
			if err := t.bad(n, csvProblem(pe)); err != nil {
				return err
			}
			continue
		case errors.As(err, &pe):
			return connector.Permanent(fmt.Errorf("%s: the header row cannot be read: %s", name, csvProblem(pe)))
		case err != nil:
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := t.row(n, values); err != nil {
			return err
		}
	}
	skippedSummary(c.log, name, t.skipped)
	return nil
}

// csvProblem words a CSV syntax error.
func csvProblem(pe *csv.ParseError) string {
	what := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		what = `a quote (") appears inside a value that does not start with one; put the whole value in quotes and double the quote ("")`
	case errors.Is(pe.Err, csv.ErrQuote):
		what = `a value in quotes is not closed properly (a quote is missing, or one inside it is not doubled)`
	}
	return fmt.Sprintf("%s (line %s, column %d)", what, count(pe.Line), pe.Column)
}
