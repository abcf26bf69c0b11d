package webhook

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readBody reads at most limit bytes. A Content-Length over the limit is
// refused before reading anything; a body that lies about its length (or
// has none) is cut at limit+1 bytes, which is enough to know it is too big.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	// A declared length sizes the buffer once instead of growing it from
	// 512 bytes; the LimitReader still guards against a length that lies.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	raw := buf.Bytes()
	if err != nil {
		return nil, &Error{Kind: ErrBadBody, Code: CodeBadBody,
			Message: "the body could not be read completely", Err: err}
	}
	if int64(len(raw)) > limit {
		return nil, tooLarge(limit)
	}
	return raw, nil
}

func tooLarge(limit int64) *Error {
	return &Error{Kind: ErrTooLarge, Code: CodeTooLarge,
		Message: "the body is larger than " + FriendlySize(limit)}
}

// FriendlySize writes a byte count the way people read it: "1 MB",
// "1.5 MB", "64 KB", "900 bytes" (binary units, as upload limits usually are).
func FriendlySize(n int64) string {
	units := []struct {
		size int64
		name string
	}{{1 << 30, "GB"}, {1 << 20, "MB"}, {1 << 10, "KB"}}
	for _, u := range units {
		if n >= u.size {
			s := strconv.FormatFloat(float64(n)/float64(u.size), 'f', 1, 64)
			return strings.TrimSuffix(s, ".0") + " " + u.name
		}
	}
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// parseBody turns the raw body into what a flow reads as trigger.body,
// following the content type. A content type that cannot be parsed, or one
// this package does not know, is not an error: the body is kept as bytes.
func parseBody(contentType string, raw []byte) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return binary(contentType, raw), nil
	}
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return parseJSON(raw)
	case mediaType == "application/x-www-form-urlencoded":
		return parseForm(raw)
	case mediaType == "multipart/form-data":
		return parseMultipart(params["boundary"], raw)
	case strings.HasPrefix(mediaType, "text/"):
		return text(raw), nil
	default:
		return binary(contentType, raw), nil
	}
}

// text keeps text as it came; invalid UTF-8 sequences are replaced so that
// the value stays valid when it is stored or sent on as JSON.
func text(raw []byte) string {
	if utf8.Valid(raw) {
		return string(raw)
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// binary wraps bytes a flow cannot read directly; base64 is what steps that
// upload files or call APIs expect.
func binary(contentType string, raw []byte) map[string]any {
	return map[string]any{
		"base64":       base64.StdEncoding.EncodeToString(raw),
		"content_type": contentType,
	}
}

func parseJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == io.EOF {
		return nil, nil // only white space: no body
	} else if err != nil {
		return nil, badJSON(dec, err, len(raw))
	}
	end := dec.InputOffset()
	// A second value after the first is a broken body, not a stream:
	// senders post one document per call.
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Kind: ErrBadBody, Code: CodeBadBody,
			Message: fmt.Sprintf("the JSON body is not valid near byte %d: there is more after the first value", end)}
	}
	return record.Normalize(v), nil
}

func badJSON(dec *json.Decoder, err error, size int) *Error {
	offset := dec.InputOffset()
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		offset = syntax.Offset
	}
	reason := strings.TrimPrefix(err.Error(), "json: ")
	if errors.Is(err, io.ErrUnexpectedEOF) {
		reason, offset = "it ends in the middle of a value", int64(size)
	}
	return &Error{Kind: ErrBadBody, Code: CodeBadBody, Err: err,
		Message: fmt.Sprintf("the JSON body is not valid near byte %d: %s", offset, reason)}
}

func parseForm(raw []byte) (any, error) {
	values, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, &Error{Kind: ErrBadBody, Code: CodeBadBody, Err: err,
			Message: "the form body is not valid: it has a broken %-escape"}
	}
	return collapse(values), nil
}
