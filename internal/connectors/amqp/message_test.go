package amqp

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	amqp091 "github.com/rabbitmq/amqp091-go"
)

func TestDecodeBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
		want                    any
	}{
		{"json object", "", `{"id": 12345678901234567, "price": 1.5}`, map[string]any{"id": 12345678901234567, "price": 1.5}},
		{"json by content type", "application/json; charset=utf-8", `"hello"`, "hello"},
		{"vendor json", "application/vnd.api+json", `[1, true, null]`, []any{1, true, nil}},
		{"broken json stays text", "", `{"id": `, `{"id": `},
		{"two values stay text", "application/json", `{} {}`, `{} {}`},
		{"number without a json type stays text", "", `42`, `42`},
		{"text", "text/plain", "Grüße", "Grüße"},
		{"empty", "", "", ""},
		{"binary", "application/octet-stream", "\xff\xfe", map[string]any{"base64": "//4=", "content_type": "application/octet-stream"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, decodeBody(tt.contentType, []byte(tt.body))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestHeadersBothWays(t *testing.T) {
	t.Parallel()
	in := map[string]any{"n": json.Number("3"), "f": json.Number("2.5"), "list": []any{"a", json.Number("1")}, "nested": map[string]any{"ok": true}}
	table, err := table(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := table.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"n": 3, "f": 2.5, "list": []any{"a", 1}, "nested": map[string]any{"ok": true}}
	if diff := cmp.Diff(want, fromTable(table)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got := fromTable(amqp091.Table{"d": amqp091.Decimal{Scale: 2, Value: 1234}, "b": []byte("raw"), "i": int16(-2)})
	if diff := cmp.Diff(map[string]any{"d": 12.34, "b": "raw", "i": -2}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzDecodeBody checks that any body becomes a record value that can be
// written as JSON again (runs are stored as JSON).
func FuzzDecodeBody(f *testing.F) {
	f.Add("application/json", []byte(`{"a": [1, 2.5, "x"]}`))
	f.Add("", []byte("[1e400]"))
	f.Add("text/plain", []byte("\xff"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		if _, err := json.Marshal(decodeBody(contentType, body)); err != nil {
			t.Errorf("decodeBody(%q, %q) cannot be written as JSON: %v", contentType, body, err)
		}
	})
}
