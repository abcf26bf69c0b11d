package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"github.com/bistro-dev/bistro/internal/redact"

	"github.com/bistro-dev/bistro/internal/engine"
)

// decode reads a JSON value the way the engine expects it: whole numbers
// as int (so big ids keep their digits), others as float64.
func decode(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the input is not valid JSON: %s", plainJSONError(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("the input is not valid JSON: there is more after the first value")
	}
	return record.Normalize(v), nil
}

func plainJSONError(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s (at character %d)", se.Error(), se.Offset)
	}
	return err.Error()
}

// TruncatedKey marks a list of output records cut at the size limit: the
// last element is {"$truncated": {"omitted": N, "limit_bytes": M}}.
const TruncatedKey = "$truncated"

// output collects output records as JSON up to a byte budget, counting
// what it leaves out.
type output struct {
	limit    int
	buf      bytes.Buffer
	n        int
	omitted  int
	keep     []engine.Record // the records themselves, for a sync reply
	onlyJSON bool            // keep no records, only their JSON (a step's records)
}

// scrub hides secret values in the collected records.
func (o *output) scrub(f *redact.Filter) {
	scrubbed := f.Bytes(o.buf.Bytes())
	o.buf.Reset()
	o.buf.Write(scrubbed)
	for i, rec := range o.keep {
		if m, ok := f.Value(rec).(map[string]any); ok {
			o.keep[i] = m
		}
	}
}

func newOutput(limit int) *output {
	o := &output{limit: limit}
	o.buf.WriteByte('[')
	return o
}

// add appends a record when it fits; it never fails the run.
func (o *output) add(rec engine.Record) error {
	if o.omitted > 0 {
		o.omitted++
		return nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"error": "this record could not be written as JSON: " + err.Error()})
	}
	if o.buf.Len()+len(b)+1 > o.limit {
		o.omitted++
		return nil
	}
	if o.n > 0 {
		o.buf.WriteByte(',')
	}
	o.buf.Write(b)
	if !o.onlyJSON {
		o.keep = append(o.keep, rec)
	}
	o.n++
	return nil
}

// json returns the kept records as a JSON list, with the marker when some
// were left out.
func (o *output) json() json.RawMessage {
	b := bytes.Clone(o.buf.Bytes())
	if o.omitted > 0 {
		if o.n > 0 {
			b = append(b, ',')
		}
		m, _ := json.Marshal(map[string]any{TruncatedKey: map[string]int{"omitted": o.omitted, "limit_bytes": o.limit}})
		b = append(b, m...)
	}
	return append(b, ']')
}

// list returns the kept records (and the marker) as a value.
func (o *output) list() []any {
	out := make([]any, 0, len(o.keep)+1)
	for _, r := range o.keep {
		out = append(out, r)
	}
	if o.omitted > 0 {
		out = append(out, map[string]any{TruncatedKey: map[string]int{"omitted": o.omitted, "limit_bytes": o.limit}})
	}
	return out
}
