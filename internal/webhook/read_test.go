package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func newRequest(t *testing.T, method, target, contentType string, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func multipartBody(t testing.TB) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteField("name", "Ada"))
	must(w.WriteField("tag", "a"))
	must(w.WriteField("tag", "b"))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="upload"; filename="note.txt"`)
	h.Set("Content-Type", "text/plain")
	part, err := w.CreatePart(h)
	must(err)
	_, err = part.Write([]byte("hello file"))
	must(err)
	fw, err := w.CreateFormFile("blob", "raw.bin")
	must(err)
	_, err = fw.Write([]byte{0, 1, 2})
	must(err)
	must(w.Close())
	return w.FormDataContentType(), buf.Bytes()
}

func TestReadBodies(t *testing.T) {
	t.Parallel()
	mpType, mpBody := multipartBody(t)
	tests := []struct {
		name        string
		contentType string
		body        string
		want        any
	}{
		{"json object", "application/json", `{"a": 1, "b": 2.5, "c": [true, null, "x"], "big": 9007199254740993}`,
			map[string]any{"a": 1, "b": 2.5, "c": []any{true, nil, "x"}, "big": 9007199254740993}},
		{"json with charset", "application/json; charset=utf-8", `[1, 2]`, []any{1, 2}},
		{"json suffix", "application/vnd.api+json", `"text"`, "text"},
		{"json white space only", "application/json", " \n ", nil},
		{"form", "application/x-www-form-urlencoded", "email=a%40b.c&tag=x&tag=y&empty=",
			map[string]any{"email": "a@b.c", "tag": []any{"x", "y"}, "empty": ""}},
		{"multipart with files", mpType, string(mpBody), map[string]any{
			"name": "Ada",
			"tag":  []any{"a", "b"},
			"upload": map[string]any{"filename": "note.txt", "content_type": "text/plain", "size": 10,
				"content": base64.StdEncoding.EncodeToString([]byte("hello file"))},
			"blob": map[string]any{"filename": "raw.bin", "content_type": "application/octet-stream", "size": 3,
				"content": "AAEC"},
		}},
		{"text", "text/plain; charset=utf-8", "just words", "just words"},
		{"csv text", "text/csv", "a,b\n1,2\n", "a,b\n1,2\n"},
		{"invalid utf-8 text", "text/plain", "ok\xffok", "ok\uFFFDok"},
		{"empty body", "application/json", "", nil},
		{"binary", "application/pdf", "%PDF-1", map[string]any{"base64": "JVBERi0x", "content_type": "application/pdf"}},
		{"no content type", "", "abc", map[string]any{"base64": "YWJj", "content_type": ""}},
		{"unparsable content type", "application/json; =broken", `{"a":1}`,
			map[string]any{"base64": "eyJhIjoxfQ==", "content_type": "application/json; =broken"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := Read(newRequest(t, http.MethodPost, "/hook", tt.contentType, []byte(tt.body)), 0)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if diff := cmp.Diff(tt.want, req.Body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if string(req.RawBody) != tt.body {
				t.Errorf("raw body = %q, want %q", req.RawBody, tt.body)
			}
		})
	}
}

func TestReadRequestParts(t *testing.T) {
	t.Parallel()
	r := newRequest(t, http.MethodPut, "/hook?a=1&b=2&b=3", "application/json", []byte(`{}`))
	r.Header.Add("x-custom", "first")
	r.Header.Add("x-custom", "second")
	r.Header.Set("Authorization", "Bearer secret-token")
	r.Header.Set("Cookie", "session=abc")
	r.Header.Set("Connection", "keep-alive")
	r.RemoteAddr = "192.0.2.1:1234"
	req, err := Read(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantHeaders := map[string]string{"Content-Type": "application/json", "X-Custom": "first",
		"Authorization": "Bearer secret-token", "Cookie": "session=abc"}
	if diff := cmp.Diff(wantHeaders, req.Headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	wantTrigger := map[string]any{
		"method":  "PUT",
		"headers": map[string]string{"Content-Type": "application/json", "X-Custom": "first"},
		"query":   map[string]any{"a": "1", "b": []any{"2", "3"}},
		"body":    map[string]any{},
	}
	if diff := cmp.Diff(wantTrigger, req.Trigger()); diff != "" {
		t.Errorf("trigger (-want +got):\n%s", diff)
	}
	if req.Remote != "192.0.2.1:1234" {
		t.Errorf("remote = %q", req.Remote)
	}
	if req.Headers["Authorization"] == "" {
		t.Error("Trigger removed Authorization from the request itself; Verify needs it")
	}
}

// hiddenLength hides the body's length, as a chunked upload does.
type hiddenLength struct{ io.Reader }

func TestReadErrors(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("a"), 2048)
	tests := []struct {
		name        string
		contentType string
		body        io.Reader
		length      int64 // -1: unknown
		limit       int64
		kind        error
		message     string
	}{
		{"over limit with content length", "text/plain", bytes.NewReader(big), 2048, 1024,
			ErrTooLarge, "the body is larger than 1 KB"},
		{"over limit without content length", "text/plain", hiddenLength{bytes.NewReader(big)}, -1, 1024,
			ErrTooLarge, "the body is larger than 1 KB"},
		{"lying content length", "text/plain", hiddenLength{bytes.NewReader(big)}, 10, 1024,
			ErrTooLarge, "the body is larger than 1 KB"},
		{"default limit", "text/plain", hiddenLength{bytes.NewReader(make([]byte, DefaultLimit+1))}, -1, 0,
			ErrTooLarge, "the body is larger than 1 MB"},
		{"malformed json", "application/json", strings.NewReader(`{"name": "Ada", "age": x}`), -1, 0,
			ErrBadBody, "the JSON body is not valid near byte 24: invalid character 'x' looking for beginning of value"},
		{"truncated json", "application/json", strings.NewReader(`{"name": "Ada"`), -1, 0,
			ErrBadBody, "the JSON body is not valid near byte 14: it ends in the middle of a value"},
		{"two json values", "application/json", strings.NewReader(`{} {}`), -1, 0,
			ErrBadBody, "the JSON body is not valid near byte 2: there is more after the first value"},
		{"bad form", "application/x-www-form-urlencoded", strings.NewReader("a=%zz"), -1, 0,
			ErrBadBody, "the form body is not valid: it has a broken %-escape"},
		{"multipart without boundary", "multipart/form-data", strings.NewReader("x"), -1, 0,
			ErrBadBody, "the multipart body is not valid: it has no boundary in its Content-Type"},
		{"broken multipart", "multipart/form-data; boundary=XYZ", strings.NewReader("--XYZ\r\nbroken"), -1, 0,
			ErrBadBody, "the multipart body is not valid: a part could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/hook", tt.body)
			r.ContentLength = tt.length
			r.Header.Set("Content-Type", tt.contentType)
			_, err := Read(r, tt.limit)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error = %v, want kind %v", err, tt.kind)
			}
			if err.Error() != tt.message {
				t.Errorf("message = %q, want %q", err.Error(), tt.message)
			}
		})
	}
}

func TestFriendlySize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{{1, "1 byte"}, {900, "900 bytes"}, {1024, "1 KB"}, {64 << 10, "64 KB"}, {1 << 20, "1 MB"},
		{3 << 19, "1.5 MB"}, {10 << 20, "10 MB"}, {2 << 30, "2 GB"}}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := FriendlySize(tt.n); got != tt.want {
				t.Errorf("FriendlySize(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}
