package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/record"
)

// maxLine is the longest line of a JSON lines file.
const maxLine = 64 << 20

// readJSON emits the items of a JSON list one by one as they are decoded;
// a file holding objects one after the other (not in a list) gives one
// record per object.
func (c *conn) readJSON(ctx context.Context, name string, r io.Reader, o *readOptions, emit func(map[string]any) error) error {
	text, err := decodeText(r, o.encoding)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	first, err := firstByte(text.r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(text.r)
	dec.UseNumber()
	if first != '[' {
		return jsonValues(ctx, name, dec, o, emit)
	}
	if _, err := dec.Token(); err != nil {
		return jsonError(name, 1, err)
	}
	n := 1
	for ; dec.More(); n++ {
		if err := jsonItem(ctx, name, dec, n, o, emit); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonError(name, n, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return connector.Permanent(fmt.Errorf("%s is not valid JSON: there is more after the list (near byte %s)", name, count(int(dec.InputOffset()))))
	}
	return nil
}

// jsonValues reads objects that follow one another.
func jsonValues(ctx context.Context, name string, dec *json.Decoder, o *readOptions, emit func(map[string]any) error) error {
	for n := 1; dec.More(); n++ {
		if err := jsonItem(ctx, name, dec, n, o, emit); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return jsonError(name, 1, err)
	}
	return nil
}

func jsonItem(ctx context.Context, name string, dec *json.Decoder, n int, o *readOptions, emit func(map[string]any) error) error {
	if n%1024 == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	var v any
	if err := dec.Decode(&v); err != nil {
		return jsonError(name, n, err)
	}
	return emit(jsonRecord(v, name, n, o))
}

// jsonRecord makes a record of a decoded value: an object as it is,
// anything else as {"value": v}.
func jsonRecord(v any, name string, n int, o *readOptions) map[string]any {
	rec := record.From(record.Normalize(v))
	if o.withPosition {
		rec["_file"], rec["_row"] = name, n
	}
	return rec
}

// jsonError words a JSON decoding failure at item n. Past a syntax error
// a JSON document cannot be read on, so it always fails the read.
func jsonError(name string, n int, err error) error {
	return connector.Permanent(fmt.Errorf("%s item %s: %s", name, count(n), jsonProblem(err)))
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON near byte %s (%s)", count(int(se.Offset)), se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the file ends in the middle of a value"
	}
	return "not valid JSON (" + err.Error() + ")"
}

// firstByte returns the first byte that is not white space, leaving it
// unread; 0 for an empty file.
func firstByte(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.ReadByte()
		if errors.Is(err, io.EOF) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			return b, r.UnreadByte()
		}
	}
}

// readJSONLines emits one record per line, each a JSON value.
func (c *conn) readJSONLines(ctx context.Context, name string, r io.Reader, o *readOptions, emit func(map[string]any) error) error {
	text, err := decodeText(r, o.encoding)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	sc := bufio.NewScanner(text.r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	skipped, n := 0, 0
	for n = 1; sc.Scan(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		v, err := decodeLine(line)
		if err != nil {
			if err := badRow(o, c.log, &skipped, name, "line", n, jsonProblem(err)); err != nil {
				return err
			}
			continue
		}
		if err := emit(jsonRecord(v, name, n, o)); err != nil {
			return err
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return connector.Permanent(fmt.Errorf("%s line %s is longer than %d MB, which is more than a line may hold", name, count(n), maxLine>>20))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	skippedSummary(c.log, name, skipped)
	return nil
}

func decodeLine(line []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("there is more after the value, near byte %s", count(int(dec.InputOffset())+1))
	}
	return v, nil
}
