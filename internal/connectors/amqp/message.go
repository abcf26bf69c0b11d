package amqp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/record"
)

// table turns the step's headers into an AMQP table.
func table(v any) (amqp091.Table, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, connector.Permanent(fmt.Errorf("'headers' must be named values, not %T", v))
	}
	t := make(amqp091.Table, len(m))
	for name, value := range m {
		converted, err := headerValue(value)
		if err != nil {
			return nil, connector.Permanent(fmt.Errorf("the header '%s' %v", name, err))
		}
		t[name] = converted
	}
	return t, nil
}

func headerValue(v any) (any, error) {
	switch v := v.(type) {
	case nil, bool, string, int, int64, float64:
		return v, nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		return v.Float64()
	case map[string]any:
		return table(v)
	case []any:
		list := make([]any, len(v))
		for i, e := range v {
			converted, err := headerValue(e)
			if err != nil {
				return nil, err
			}
			list[i] = converted
		}
		return list, nil
	}
	return nil, fmt.Errorf("holds a value headers cannot carry; use text, a number, true/false, a list or named values")
}

// incoming is a delivery as a record.
func incoming(queue string, d amqp091.Delivery) map[string]any {
	return map[string]any{
		"queue":       queue,
		"exchange":    d.Exchange,
		"routing_key": d.RoutingKey,
		"message_id":  d.MessageId,
		"redelivered": d.Redelivered,
		"headers":     fromTable(d.Headers),
		"data":        decodeBody(d.ContentType, d.Body),
	}
}

// fromTable turns AMQP header values into what records hold: numbers,
// text, true/false, lists and named values.
func fromTable(t amqp091.Table) map[string]any {
	m := make(map[string]any, len(t))
	for name, v := range t {
		m[name] = fromHeader(v)
	}
	return m
}

func fromHeader(v any) any {
	switch v := v.(type) {
	case int8:
		return int(v)
	case int16:
		return int(v)
	case int32:
		return int(v)
	case int64:
		return int(v)
	case uint8:
		return int(v)
	case uint16:
		return int(v)
	case uint32:
		return int(v)
	case float32:
		return float64(v)
	case []byte:
		return decodeBody("", v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case amqp091.Decimal:
		return decimal(v)
	case amqp091.Table:
		return fromTable(v)
	case []any:
		list := make([]any, len(v))
		for i, e := range v {
			list[i] = fromHeader(e)
		}
		return list
	}
	return v
}

func decimal(d amqp091.Decimal) float64 {
	f := float64(d.Value)
	for range d.Scale {
		f /= 10
	}
	return f
}

// decodeBody makes a body readable in a flow: JSON decoded when the
// message says it is JSON or looks like a JSON object or list, text when it
// is text, and base64 with the content type otherwise.
func decodeBody(contentType string, body []byte) any {
	trimmed := bytes.TrimSpace(body)
	if isJSON(contentType) || (len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')) {
		if v, ok := parseJSON(trimmed); ok {
			return v
		}
	}
	if utf8.Valid(body) {
		return string(body)
	}
	return map[string]any{"base64": base64.StdEncoding.EncodeToString(body), "content_type": contentType}
}

func parseJSON(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return record.Normalize(v), true
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json"
}
