package redact

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValueRedactsRunData(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("sk_live_12345", "key-in-a-key")
	const data = `{
		"id": 7, "ok": true, "price": 1.5, "none": null,
		"headers": {"Authorization": "Bearer sk_live_12345"},
		"items": [{"note": "uses sk_live_12345 twice: sk_live_12345"}, "plain", 3],
		"key-in-a-key": "value",
		"dsn": "mysql://u:pw1234@db/x"
	}`
	var in map[string]any
	dec := json.NewDecoder(stringsReader(data))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(in)

	got := f.Value(in)
	want := map[string]any{
		"id": json.Number("7"), "ok": true, "price": json.Number("1.5"), "none": nil,
		"headers": map[string]any{"Authorization": "Bearer " + Mask},
		"items":   []any{map[string]any{"note": "uses " + Mask + " twice: " + Mask}, "plain", json.Number("3")},
		Mask:      "value",
		"dsn":     "mysql://u:" + Mask + "@db/x",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Value mismatch (-want +got):\n%s", diff)
	}
	after, _ := json.Marshal(in)
	if string(before) != string(after) {
		t.Fatalf("Value modified its input:\n%s\n%s", before, after)
	}
}

func TestValueReturnsCleanDataAsIs(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("sk_live_12345")
	tests := []struct {
		name string
		in   any
	}{
		{"map", map[string]any{"a": []any{"b", 1.0, map[string]any{"c": "d"}}}},
		{"strings", []string{"x", "y"}},
		{"string map", map[string]string{"k": "v"}},
		{"number", 42},
		{"struct", struct{ S string }{"sk_live_12345"}}, // not walked: documented
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.in, f.Value(tc.in)); diff != "" {
				t.Fatalf("clean value changed:\n%s", diff)
			}
		})
	}
}

func TestValueTypedContainers(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("sk_live_12345")
	tests := []struct {
		name     string
		in, want any
	}{
		{"string slice", []string{"a", "sk_live_12345"}, []string{"a", Mask}},
		{"string map", map[string]string{"t": "x sk_live_12345"}, map[string]string{"t": "x " + Mask}},
		{"bytes", []byte("sk_live_12345"), []byte(Mask)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, f.Value(tc.in)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
