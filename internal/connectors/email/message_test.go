package email

import (
	"net/mail"
	"strings"
	"testing"
)

func TestMessageID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, from, want string
	}{
		{"run1/send/3", "bistro@example.com", "bistro.run1/send/3@example.com"},
		{"run 1/send/3", "bistro@example.com", "bistro.run.1/send/3.0459c23e@example.com"},
		{"run 2/send/3", "bistro@example.com", "bistro.run.2/send/3.26cc9880@example.com"},
		{"a..b", "x@mail.example.org", "bistro.a.b.f62b4241@mail.example.org"},
		{"k", "bistro@[127.0.0.1]", "bistro.k@bistro.invalid"},
	}
	for _, tt := range tests {
		if got := messageID(tt.key, tt.from); got != tt.want {
			t.Errorf("messageID(%q, %q) = %q, want %q", tt.key, tt.from, got, tt.want)
		}
	}
	for _, tt := range tests {
		id := "<" + messageID(tt.key, tt.from) + ">"
		if _, err := mail.ParseAddress("x " + id); err != nil {
			t.Errorf("%s is not a valid message id: %v", id, err)
		}
	}
	a, b := messageID("", "bistro@example.com"), messageID("", "bistro@example.com")
	if a == b || !strings.HasSuffix(a, "@example.com") {
		t.Errorf("without a key: %q and %q, want distinct random ids", a, b)
	}
}
