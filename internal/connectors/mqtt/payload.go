package mqtt

import (
	"fmt"
	"maps"
	"slices"

	"github.com/eclipse/paho.golang/paho"

	"github.com/bistro-dev/bistro/internal/connectors/payload"
)

// headersIn turns the step's headers into MQTT user properties; a list
// gives a name several values.
func headersIn(v any) (paho.UserProperties, error) {
	m, ok := v.(map[string]any)
	if v == nil || (ok && len(m) == 0) {
		return nil, nil
	}
	if !ok {
		return nil, fmt.Errorf("'headers' must be a group of names and values")
	}
	var props paho.UserProperties
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if list, isList := m[name].([]any); isList {
			for _, e := range list {
				props.Add(name, fmt.Sprint(e))
			}
			continue
		}
		props.Add(name, fmt.Sprint(m[name]))
	}
	return props, nil
}

// headersOut turns MQTT user properties into a record's headers: one value
// as text, several as a list.
func headersOut(props paho.UserProperties) map[string]any {
	out := make(map[string]any, len(props))
	for _, p := range props {
		switch prev := out[p.Key].(type) {
		case nil:
			out[p.Key] = p.Value
		case string:
			out[p.Key] = []any{prev, p.Value}
		case []any:
			out[p.Key] = append(prev, p.Value)
		}
	}
	return out
}

// messageRecord is the record of a message.
func messageRecord(p *paho.Publish) map[string]any {
	var props paho.UserProperties
	if p.Properties != nil {
		props = p.Properties.User
	}
	return map[string]any{
		"topic":   p.Topic,
		"data":    payload.Decode(p.Payload),
		"headers": headersOut(props),
	}
}
