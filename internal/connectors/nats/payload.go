package nats

import (
	"fmt"

	natsio "github.com/nats-io/nats.go"

	"github.com/bistro-dev/bistro/internal/connectors/payload"
)

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
		"data":    payload.Decode(m.Data),
		"headers": headersOut(m.Header),
	}
}
