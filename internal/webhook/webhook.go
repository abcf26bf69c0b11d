// Package webhook reads incoming webhook calls: the body in the formats
// senders use, with a size limit, and the signature checks that prove who
// sent them.
package webhook

import (
	"net/http"
	"net/textproto"
	"net/url"
)

// DefaultLimit is the body size limit Read applies when given none.
const DefaultLimit int64 = 1 << 20

// Request is a webhook call as a flow sees it.
type Request struct {
	Method  string
	Headers map[string]string // canonical names, first value; hop-by-hop headers dropped
	Query   map[string]any    // one value as text, repeated values as a list
	Body    any               // parsed: JSON value, form fields, text, or multipart fields and files
	RawBody []byte            // exactly as received, for signatures
	Remote  string            // client address, for logs
}

// credentialHeaders never reach a flow: they prove who called, and a flow
// that logs or forwards its trigger would leak them. Verify still sees them
// in Request.Headers.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// hopByHop headers describe one connection, not the call (RFC 9110 7.6.1).
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// Trigger returns the trigger variable of a run started by this request.
// Only these fields are set: client input never fills server-owned ones.
// Credential headers (Authorization, Proxy-Authorization, Cookie) are left
// out; use Check.Redact to also drop a token sent in another header or in
// the query.
func (r *Request) Trigger() map[string]any {
	headers := make(map[string]string, len(r.Headers))
	for k, v := range r.Headers {
		headers[k] = v
	}
	for _, k := range credentialHeaders {
		delete(headers, k)
	}
	return map[string]any{"method": r.Method, "headers": headers, "query": r.Query, "body": r.Body}
}

// Header returns the first value of a header, whatever the case of name.
func (r *Request) Header(name string) string {
	return r.Headers[textproto.CanonicalMIMEHeaderKey(name)]
}

// Read parses an HTTP request with at most limit bytes of body (DefaultLimit
// when limit is 0 or less). Errors are *Error: ErrTooLarge for a body over
// the limit, ErrBadBody for a body that breaks the format it claims.
func Read(r *http.Request, limit int64) (*Request, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	raw, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	body, err := parseBody(r.Header.Get("Content-Type"), raw)
	if err != nil {
		return nil, err
	}
	return &Request{
		Method:  r.Method,
		Headers: firstValues(r.Header),
		Query:   queryValues(r.URL),
		Body:    body,
		RawBody: raw,
		Remote:  r.RemoteAddr,
	}, nil
}

func firstValues(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		k = textproto.CanonicalMIMEHeaderKey(k)
		if len(vs) == 0 || hopByHop[k] {
			continue
		}
		out[k] = vs[0]
	}
	return out
}

func queryValues(u *url.URL) map[string]any {
	if u == nil {
		return map[string]any{}
	}
	// ParseQuery keeps every pair it could read; a broken escape in one
	// parameter should not make the whole call unreadable.
	q, _ := url.ParseQuery(u.RawQuery)
	return collapse(q)
}

// collapse turns repeated values into lists and single ones into text, so
// that flows read ?a=1 as "1" and ?a=1&a=2 as ["1", "2"].
func collapse(values map[string][]string) map[string]any {
	out := make(map[string]any, len(values))
	for k, vs := range values {
		switch len(vs) {
		case 0:
		case 1:
			out[k] = vs[0]
		default:
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = v
			}
			out[k] = list
		}
	}
	return out
}
