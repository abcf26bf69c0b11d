package webhook

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestMessagesGolden keeps every message a refused caller can read in one
// file, so that a change of wording is a reviewed change.
func TestMessagesGolden(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	for _, tt := range verifyCases() {
		if tt.code == "" {
			continue
		}
		err := Verify(context.Background(), tt.req, tt.check, testNow, nil)
		fmt.Fprintf(&out, "%s\n  %s (%d): %v\n", tt.name, Code(err), statusOf(err), err)
	}
	reads := []struct{ name, contentType, body string }{
		{"too large", "text/plain", strings.Repeat("a", 1025)},
		{"malformed json", "application/json", `{"a": tru}`},
		{"bad form", "application/x-www-form-urlencoded", "a=%"},
	}
	for _, tt := range reads {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader([]byte(tt.body)))
		r.Header.Set("Content-Type", tt.contentType)
		_, err := Read(r, 1024)
		fmt.Fprintf(&out, "%s\n  %s (%d): %v\n", tt.name, Code(err), statusOf(err), err)
	}
	guard := NewMemoryGuard(1, clocktest.New(testNow))
	_, _ = guard.Seen(context.Background(), "a", testNow.Add(time.Minute))
	_, err := guard.Seen(context.Background(), "b", testNow.Add(time.Minute))
	fmt.Fprintf(&out, "replay guard full\n  %s (%d): %v\n", Code(err), statusOf(err), err)
	compareGolden(t, "messages.golden", out.String())
}

func statusOf(err error) int {
	if e, ok := err.(*Error); ok {
		return e.Status()
	}
	return 0
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; run go test -update and review the diff\n--- got:\n%s", path, got)
	}
}
