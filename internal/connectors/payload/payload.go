// Package payload turns records into message payloads and back, the same
// way for every message connector: text as it is, anything else as JSON,
// and received bytes decoded as JSON when they are JSON.
package payload

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/bistro-dev/bistro/internal/record"
)

// Encode makes a message's payload from a step's data: text as it is,
// bytes as they are, anything else as JSON; no data sends the whole
// record (rec), or {} when there is none.
func Encode(data any, rec map[string]any) ([]byte, error) {
	if data == nil {
		if rec == nil {
			rec = map[string]any{}
		}
		data = rec
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

// Decode reads a payload for a record: JSON decoded (numbers kept exact),
// other text as text, and bytes that are not text as {"base64": ...}.
func Decode(p []byte) any {
	if json.Valid(p) {
		dec := json.NewDecoder(bytes.NewReader(p))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			return record.Normalize(v)
		}
	}
	if utf8.Valid(p) {
		return string(p)
	}
	return map[string]any{"base64": base64.StdEncoding.EncodeToString(p)}
}
