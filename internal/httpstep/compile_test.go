package httpstep

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		h     *flow.HTTP
		retry *flow.Retry
	}{
		{"no settings", nil, nil},
		{"no url", &flow.HTTP{}, nil},
		{"bad method", &flow.HTTP{URL: "https://a.test", Method: "FETCH"}, nil},
		{"url template unclosed", &flow.HTTP{URL: "https://a.test/{{ record.id"}, nil},
		{"url unknown variable", &flow.HTTP{URL: "https://a.test/{{ response.id }}"}, nil},
		{"bad header name", &flow.HTTP{URL: "https://a.test", Headers: map[string]string{"X Bad": "1"}}, nil},
		{"header template", &flow.HTTP{URL: "https://a.test", Headers: map[string]string{"X-Id": "{{ record. }}"}}, nil},
		{"query template", &flow.HTTP{URL: "https://a.test", Query: map[string]any{"ids": []any{"{{ nope }}"}}}, nil},
		{"two bodies", &flow.HTTP{URL: "https://a.test", JSON: map[string]any{}, Body: ptr("x")}, nil},
		{"json template", &flow.HTTP{URL: "https://a.test", JSON: map[string]any{"a": "{{ 1 + }}"}}, nil},
		{"two auths", &flow.HTTP{URL: "https://a.test", Auth: &flow.HTTPAuth{Bearer: "x", Basic: &flow.BasicAuth{}}}, nil},
		{"no auth", &flow.HTTP{URL: "https://a.test", Auth: &flow.HTTPAuth{}}, nil},
		{"api key both places", &flow.HTTP{URL: "https://a.test", Auth: &flow.HTTPAuth{APIKey: &flow.APIKey{Header: "X-K", Query: "k", Value: "v"}}}, nil},
		{"bad timeout", &flow.HTTP{URL: "https://a.test", Timeout: "soon"}, nil},
		{"negative timeout", &flow.HTTP{URL: "https://a.test", Timeout: "-1s"}, nil},
		{"bad backoff", &flow.HTTP{URL: "https://a.test"}, &flow.Retry{Attempts: 2, Backoff: "1 second"}},
		{"bad retry on", &flow.HTTP{URL: "https://a.test"}, &flow.Retry{Attempts: 2, On: "sometimes"}},
		{"too many attempts", &flow.HTTP{URL: "https://a.test"}, &flow.Retry{Attempts: 1000}},
		{"records syntax", &flow.HTTP{URL: "https://a.test", Records: "response.body.("}, nil},
		{"two paging styles", &flow.HTTP{URL: "https://a.test", Paginate: &flow.Paginate{LinkHeader: true, NextURL: "response.body.next"}}, nil},
		{"no paging style", &flow.HTTP{URL: "https://a.test", Paginate: &flow.Paginate{MaxPages: 3}}, nil},
		{"cursor without param", &flow.HTTP{URL: "https://a.test", Paginate: &flow.Paginate{Cursor: &flow.CursorPaging{Value: "response.body.c"}}}, nil},
		{"cursor value unknown", &flow.HTTP{URL: "https://a.test", Paginate: &flow.Paginate{Cursor: &flow.CursorPaging{Param: "c", Value: "answer.c"}}}, nil},
		{"page without param", &flow.HTTP{URL: "https://a.test", Paginate: &flow.Paginate{Page: &flow.PagePaging{}}}, nil},
		{"negative max pages", &flow.HTTP{URL: "https://a.test", Paginate: &flow.Paginate{LinkHeader: true, MaxPages: -1}}, nil},
	}
	var out strings.Builder
	for _, tt := range tests {
		_, err := Compile(tt.h, tt.retry, flow.Scope{})
		if err == nil {
			t.Errorf("%s: compiled, want an error", tt.name)
			continue
		}
		fmt.Fprintf(&out, "%s:\n  %s\n", tt.name, ownText(err))
	}
	golden(t, "compile_errors.golden", out.String())
}

// ownText is err's message with the expression error inside it replaced
// by its kind: the expression package owns those words and tests them.
func ownText(err error) string {
	var ee *expr.Error
	if !errors.As(err, &ee) {
		return err.Error()
	}
	return strings.Replace(err.Error(), ee.Error(), fmt.Sprintf("<%s error in %q>", ee.Kind, ee.Source), 1)
}

func TestCompileDefaults(t *testing.T) {
	t.Parallel()
	s, err := Compile(&flow.HTTP{URL: "https://a.test", Paginate: &flow.Paginate{Page: &flow.PagePaging{Param: "p"}}}, nil, flow.Scope{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	r := s.retry
	got := fmt.Sprintf("%s %v %d %v %v %v %d %d", s.method, s.timeout, r.attempts, r.backoff, r.max, r.any, s.paginate.max, s.paginate.pageStart)
	if want := "GET 30s 3 1s 30s false 100 1"; got != want {
		t.Errorf("defaults %q, want %q", got, want)
	}
}
