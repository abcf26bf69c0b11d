package files_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/files"
)

// fuzzRead reads content in a format; whatever the bytes, the read ends
// with records or an error, never a panic or a record without fields'
// names.
func fuzzRead(f *testing.F, format string, seeds ...string) {
	for _, s := range seeds {
		f.Add(s, false)
	}
	env := connectortest.Env(f)
	env.Logger = slog.New(slog.DiscardHandler) // f's log may not be used inside the target
	conn, err := files.New().Open(context.Background(), map[string]any{}, env)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = conn.Close() })
	f.Fuzz(func(t *testing.T, content string, skip bool) {
		onBad := "fail"
		if skip {
			onBad = "skip"
		}
		in := input(t, "read", map[string]any{"content": content, "format": format, "on_bad_row": onBad, "types": "auto"})
		_, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "read", Input: in})
		if err != nil && err.Error() == "" {
			t.Errorf("an error without a message")
		}
		if err != nil && errors.Is(err, context.Canceled) {
			t.Errorf("unexpected cancellation: %v", err)
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	fuzzRead(f, "csv", "a,b\n1,2\n", "a;b\n\"x\ny\";2\n", "a\tb\n1\n", "\xEF\xBB\xBFa|b\n1|2", "\xFF\xFEa\x00,\x00b\x00", "a,b\n\"1,2\n")
}

func FuzzReadJSON(f *testing.F) {
	fuzzRead(f, "json", `[{"a":1},{"b":[2]}]`, `{"a":1} {"a":2}`, `[1,"x",null]`, `[{"a":`, "\xEF\xBB\xBF[]")
}

func FuzzReadJSONLines(f *testing.F) {
	fuzzRead(f, "jsonl", "{\"a\":1}\n{\"a\":2}\n", "{\"a\":\n1\n", "\n\n[]\n")
}
