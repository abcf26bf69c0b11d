package runner

import "testing"

func TestUsesConnection(t *testing.T) {
	t.Parallel()
	doc := map[string]any{
		"trigger": map[string]any{"event": map[string]any{"source": "redis.stream", "connection": "cache"}},
		"steps": []any{
			map[string]any{"id": "a", "action": "postgres.insert", "connection": "db"},
			map[string]any{"id": "b", "http": map[string]any{"connection": "crm", "url": "/v1/contacts"}},
			map[string]any{"id": "c", "set": map[string]any{"connection": "not-a-connection"}},
		},
	}
	for name, want := range map[string]bool{"cache": true, "db": true, "crm": true, "not-a-connection": false, "other": false} {
		if got := usesConnection(doc, name); got != want {
			t.Errorf("usesConnection(%q) = %v, want %v", name, got, want)
		}
	}
}
