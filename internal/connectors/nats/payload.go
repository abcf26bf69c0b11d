package nats

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	natsio "github.com/nats-io/nats.go"

	"github.com/bistro-dev/bistro/internal/record"
)

// encode makes a message's payload from the step's data: text as it is,
// anything else as JSON; no data sends the whole record.
func encode(data any, rec map[string]any) ([]byte, error) {
	if data == nil {
		data = rec
		if data == nil {
			data = map[string]any{}
		}
	}
	switch d := data.(type) {
	case string:
		return []byte(d), nil
	case []byte:
		return d, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("'data' cannot be sent as JSON: %w", err)
	}
	return b, nil
}

// decode reads a payload for a record: JSON decoded, other text as text,
// and bytes that are not text as {"base64": ...}.
func decode(payload []byte) any {
	if json.Valid(payload) {
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			return record.Normalize(v)
		}
	}
	if utf8.Valid(payload) {
		return string(payload)
	}
	return map[string]any{"base64": base64.StdEncoding.EncodeToString(payload)}
}

// headersIn turns the step's headers into NATS headers; a list gives a
// header several values.
func headersIn(v any) (natsio.Header, error) {
	m, ok := v.(map[string]any)
	if v == nil || (ok && len(m) == 0) {
		return nil, nil
	}
	if !ok {
		return nil, fmt.Errorf("'headers' must be a group of names and values")
	}
	h := natsio.Header{}
	for name, value := range m {
		if list, isList := value.([]any); isList {
			for _, e := range list {
				h.Add(name, fmt.Sprint(e))
			}
			continue
		}
		h.Set(name, fmt.Sprint(value))
	}
	return h, nil
}

// headersOut turns NATS headers into a record's headers: one value as
// text, several as a list.
func headersOut(h natsio.Header) map[string]any {
	out := make(map[string]any, len(h))
	for name, values := range h {
		switch len(values) {
		case 0:
		case 1:
			out[name] = values[0]
		default:
			list := make([]any, len(values))
			for i, v := range values {
				list[i] = v
			}
			out[name] = list
		}
	}
	return out
}

// messageRecord is the record of a received message.
func messageRecord(m *natsio.Msg) map[string]any {
	return map[string]any{
		"subject": m.Subject,
		"data":    decode(m.Data),
		"headers": headersOut(m.Header),
	}
}
