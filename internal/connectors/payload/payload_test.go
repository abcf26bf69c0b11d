package payload

import (
	"fmt"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data any
		rec  map[string]any
		sent string
		got  string
	}{
		{"plain words", nil, "plain words", "plain words"},
		{map[string]any{"id": 7}, nil, `{"id":7}`, "map[id:7]"},
		{nil, map[string]any{"a": true}, `{"a":true}`, "map[a:true]"},
		{nil, nil, `{}`, "map[]"},
		{[]byte{0xff, 0x00}, nil, "\xff\x00", "map[base64:/wA=]"},
	}
	for _, tt := range tests {
		b, err := Encode(tt.data, tt.rec)
		if err != nil || string(b) != tt.sent {
			t.Errorf("Encode(%v, %v) = %q, %v; want %q", tt.data, tt.rec, b, err, tt.sent)
		}
		if got := fmt.Sprint(Decode(b)); got != tt.got {
			t.Errorf("Decode(%q) = %s, want %s", b, got, tt.got)
		}
	}
	if _, err := Encode(map[string]any{"f": func() {}}, nil); err == nil {
		t.Error("a value that is not JSON was encoded")
	}
}
