// Package webhook reads incoming webhook calls: the body in the formats
// senders use, with a size limit, and the signature checks that prove who
// sent them.
package webhook

import "net/http"

// Request is a webhook call as a flow sees it.
type Request struct {
	Method  string
	Headers map[string]string // canonical names, first value
	Query   map[string]any    // one value as text, repeated values as a list
	Body    any               // parsed: JSON value, form fields, text, or multipart fields and files
	RawBody []byte            // exactly as received, for signatures
	Remote  string            // client address, for logs
}

// Trigger returns the trigger variable of a run started by this request.
// Only these fields are set: client input never fills server-owned ones.
func (r *Request) Trigger() map[string]any {
	return map[string]any{"method": r.Method, "headers": r.Headers, "query": r.Query, "body": r.Body}
}

// Read parses an HTTP request with at most limit bytes of body.
func Read(r *http.Request, limit int64) (*Request, error) {
	panic("not implemented yet")
}
