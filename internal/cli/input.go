package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"io"
	"iter"
	"os"
	"strings"

	"github.com/bistro-dev/bistro/internal/engine"
)

// input is what a local run starts from: one value given on the command
// line, or a stream of records from a file or standard input.
type input struct {
	single  any // set when exactly one value was given with --input
	records iter.Seq2[engine.Record, error]
	close   func() error
}

// openInput reads --input: inline JSON, @file, or - for standard input.
// Without --input, standard input is read when it is not a terminal.
func openInput(arg string, stdin io.Reader) (*input, error) {
	switch {
	case arg == "" && isTerminal(stdin):
		return &input{records: one(engine.Record{}), close: noClose}, nil
	case arg == "" || arg == "-":
		return streamInput("standard input", stdin, noClose), nil
	case strings.HasPrefix(arg, "@"):
		f, err := os.Open(arg[1:])
		if err != nil {
			return nil, readError(arg[1:], err)
		}
		return streamInput(arg[1:], f, f.Close), nil
	default:
		var v any
		dec := json.NewDecoder(strings.NewReader(arg))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("--input is not valid JSON: %v", plainJSONError(err))
		}
		if dec.More() {
			return nil, fmt.Errorf("--input holds more than one JSON value; use a list [...] or --input @file.json")
		}
		v = record.Normalize(v)
		return &input{single: v, records: record.Seq(v), close: noClose}, nil
	}
}

func noClose() error { return nil }

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func one(r engine.Record) iter.Seq2[engine.Record, error] {
	return func(yield func(engine.Record, error) bool) { yield(r, nil) }
}

// streamInput reads JSON lines (or any sequence of JSON values), or one
// JSON list whose elements are streamed one by one. An empty stream gives
// one empty record, so a flow always runs at least once.
func streamInput(name string, r io.Reader, closeFn func() error) *input {
	br := bufio.NewReaderSize(r, 64<<10)
	seq := func(yield func(engine.Record, error) bool) {
		first, err := peekNonSpace(br)
		if err == io.EOF {
			yield(engine.Record{}, nil)
			return
		}
		dec := json.NewDecoder(br)
		dec.UseNumber()
		if first == '[' {
			if _, err := dec.Token(); err != nil {
				yield(nil, inputError(name, dec, err))
				return
			}
		}
		for n := 1; dec.More(); n++ {
			var v any
			if err := dec.Decode(&v); err != nil {
				yield(nil, inputError(name, dec, err))
				return
			}
			if !yield(record.From(record.Normalize(v)), nil) {
				return
			}
		}
	}
	return &input{records: seq, close: closeFn}
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		if !bytes.ContainsAny(b, " \t\r\n") {
			return b[0], nil
		}
		if _, err := br.Discard(1); err != nil {
			return 0, err
		}
	}
}

func inputError(name string, dec *json.Decoder, err error) error {
	return fmt.Errorf("%s is not valid JSON near byte %d: %v", name, dec.InputOffset(), plainJSONError(err))
}

func plainJSONError(err error) string {
	if err == io.ErrUnexpectedEOF {
		return "it ends in the middle of a value"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
