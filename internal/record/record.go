// Package record is what every part of Bistro agrees a record is: a JSON
// object held as map[string]any, made from input values by one rule, with
// numbers decoded one way everywhere (the CLI's input, webhook bodies, run
// data in the store).
package record

import (
	"encoding/json"
	"iter"
)

// Record is one record: a JSON object.
type Record = map[string]any

// From makes a record of a value: an object as it is, anything else
// wrapped as {"value": v}.
func From(v any) Record {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return Record{"value": v}
}

// List makes the records of an input value: one per item of a list,
// otherwise one; nothing gives one empty record, so a run always has
// something to start from.
func List(v any) []Record {
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return []Record{{}}
		}
		return []Record{From(v)}
	}
	out := make([]Record, len(list))
	for i, e := range list {
		out[i] = From(e)
	}
	return out
}

// Seq is List as a stream, without building the list.
func Seq(v any) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		list, ok := v.([]any)
		if !ok {
			if v == nil {
				v = Record{}
			}
			yield(From(v), nil)
			return
		}
		for _, e := range list {
			if !yield(From(e), nil) {
				return
			}
		}
	}
}

// Normalize turns the json.Numbers of a value decoded with UseNumber into
// int when whole and float64 otherwise, in place, so that expressions see
// ordinary numbers and big ids keep all their digits. A number too large
// for float64 stays text.
func Normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return int(i)
		}
		f, err := v.Float64()
		if err != nil {
			// Beyond float64 (e.g. 1e400): kept as its digits, since
			// infinity cannot be written back as JSON.
			return v.String()
		}
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = Normalize(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = Normalize(e)
		}
		return v
	default:
		return v
	}
}
