package redact

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

type token string

func (t token) String() string { return string(t) }

func TestHandlerRedactsBeforeInnerHandler(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("hunter2-long", "sk_live_12345")
	var buf bytes.Buffer
	inner := slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // stable output
			}
			return a
		},
	})
	log := slog.New(f.Handler(inner)).With("conn", "postgres://u:hunter2-long@db/x")

	log.Info("login with hunter2-long",
		"password", "hunter2-long",
		"err", fmt.Errorf("dial: %w", errors.New("password=hunter2-long refused")),
		"raw", []byte("sk_live_12345"),
		"tok", token("sk_live_12345"),
		"count", 3,
		slog.Group("req", "auth", "Bearer sk_live_12345", "path", "/x"),
		"data", map[string]any{"k": []any{"sk_live_12345"}},
	)
	log.WithGroup("g").Info("plain", "ok", "fine")

	got := buf.String()
	want := `{"level":"INFO","msg":"login with [redacted]","conn":"postgres://u:[redacted]@db/x","password":"[redacted]","err":"dial: password=[redacted] refused","raw":"W3JlZGFjdGVkXQ==","tok":"[redacted]","count":3,"req":{"auth":"Bearer [redacted]","path":"/x"},"data":{"k":["[redacted]"]}}
{"level":"INFO","msg":"plain","conn":"postgres://u:[redacted]@db/x","g":{"ok":"fine"}}
`
	if got != want {
		t.Fatalf("log output\n got %s\nwant %s", got, want)
	}
	for _, s := range []string{"hunter2-long", "sk_live_12345"} {
		if strings.Contains(got, s) {
			t.Fatalf("log output leaks %q", s)
		}
	}
}

func TestHandlerEnabledFollowsInner(t *testing.T) {
	t.Parallel()
	inner := slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})
	h := New().Handler(inner)
	if h.Enabled(t.Context(), slog.LevelInfo) || !h.Enabled(t.Context(), slog.LevelError) {
		t.Fatal("Enabled does not follow the inner handler's level")
	}
}
