package httpstep

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// response is a 2xx answer as expressions see it.
type response struct {
	status  int
	header  http.Header
	headers map[string]any
	body    any
}

// value is the response variable: {status, headers, body}. It is fresh on
// every call, so it may be handed on as a record.
func (r *response) value() map[string]any {
	return map[string]any{"status": r.status, "headers": r.headers, "body": r.body}
}

func parseResponse(resp *http.Response, data []byte) *response {
	r := &response{status: resp.StatusCode, header: resp.Header, headers: headerMap(resp.Header)}
	r.body = parseBody(resp.Header.Get("Content-Type"), data)
	return r
}

// headerMap gives headers by lower-case name; a repeated header is a list.
func headerMap(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for name, vals := range h {
		key := strings.ToLower(name)
		if len(vals) == 1 {
			out[key] = vals[0]
			continue
		}
		list := make([]any, len(vals))
		for i, v := range vals {
			list[i] = v
		}
		out[key] = list
	}
	return out
}

// parseBody reads JSON when the server says so or the body looks like an
// object or a list; anything else, including JSON that does not parse, is
// text, so a misbehaving server still gives something to look at.
func parseBody(contentType string, data []byte) any {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil
	}
	if isJSON(contentType) || trimmed[0] == '{' || trimmed[0] == '[' {
		var v any
		if err := json.Unmarshal(trimmed, &v); err == nil {
			return v
		}
	}
	return string(data)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/json"
}
