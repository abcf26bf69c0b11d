package webhook

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func FuzzParseStripe(f *testing.F) {
	for _, seed := range []string{
		"t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
		"t=1,v1=00,v1=zz,v0=ab", "t=,v1=", "", ",,,", "t=1=2", "v1=" + strings.Repeat("a", 64),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := parseStripe(header)
		if err != nil {
			return
		}
		if sig.Timestamp <= 0 || len(sig.V1) == 0 {
			t.Fatalf("parseStripe(%q) accepted %+v", header, sig)
		}
		if !strings.Contains(header, "t="+strconv.FormatInt(sig.Timestamp, 10)) {
			t.Fatalf("parseStripe(%q) invented timestamp %d", header, sig.Timestamp)
		}
		for _, mac := range sig.V1 {
			if len(mac) != 32 {
				t.Fatalf("parseStripe(%q) kept a %d-byte signature", header, len(mac))
			}
		}
	})
}

func FuzzRead(f *testing.F) {
	mpType, mpBody := multipartBody(f)
	seeds := []struct{ contentType, body string }{
		{"application/json", `{"a":[1,2.5,"x",null]}`},
		{"application/x-www-form-urlencoded", "a=1&a=2&b=%20"},
		{mpType, string(mpBody)},
		{"multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--"},
		{"text/plain", "hi"},
		{"application/octet-stream", "\x00\x01"},
		{"", ""},
	}
	for _, s := range seeds {
		f.Add(s.contentType, []byte(s.body))
	}
	const limit = 4096
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		req, err := Read(r, limit)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (!errors.Is(err, ErrBadBody) && !errors.Is(err, ErrTooLarge)) {
				t.Fatalf("Read returned %T %v, want a bad body or too large *Error", err, err)
			}
			if errors.Is(err, ErrTooLarge) != (len(body) > limit) {
				t.Fatalf("too large = %v for %d bytes", errors.Is(err, ErrTooLarge), len(body))
			}
			return
		}
		if !bytes.Equal(req.RawBody, body) {
			t.Fatalf("raw body changed: %q -> %q", body, req.RawBody)
		}
		if len(body) == 0 && req.Body != nil {
			t.Fatalf("empty body read as %v", req.Body)
		}
	})
}
