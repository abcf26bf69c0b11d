package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/danielgtaylor/huma/v2"
)

// Problem is an RFC 9457 problem details body: every error the server
// sends has this shape, as application/problem+json.
type Problem struct {
	Type    string          `json:"type" doc:"Identifies the kind of problem (urn:bistro:problem:<code>)"`
	Title   string          `json:"title" doc:"Short summary of the kind of problem"`
	Status  int             `json:"status" doc:"HTTP status code"`
	Detail  string          `json:"detail" doc:"What went wrong this time, in plain words"`
	Code    string          `json:"code" doc:"Stable code of the kind of problem, e.g. not_found"`
	ErrorID string          `json:"error_id" doc:"Quote this id when reporting the problem: the server log has it too"`
	Errors  []ProblemDetail `json:"errors,omitempty" doc:"Each problem with its location, e.g. every error in a flow document"`

	headers http.Header
}

// ProblemDetail is one located problem.
type ProblemDetail struct {
	Location string `json:"location,omitempty" doc:"Where: a path in the document (steps[2].filter) or the request (body.document)"`
	Line     int    `json:"line,omitempty" doc:"1-based line in the document"`
	Column   int    `json:"column,omitempty" doc:"1-based column in the document"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty" doc:"What to do about it"`
	Severity string `json:"severity,omitempty" enum:"error,warning"`
}

// Error returns the detail.
func (p *Problem) Error() string { return p.Detail }

// GetStatus is the HTTP status to answer with.
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders are headers sent with the problem (Retry-After).
func (p *Problem) GetHeaders() http.Header {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	return p.headers
}

// ContentType makes JSON problems application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// codes are the kinds of problem, by status: the stable part clients test.
var codes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "invalid",
	http.StatusTooManyRequests:       "too_many_requests",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
}

// newProblem builds a problem with a fresh error id.
func newProblem(status int, code, detail string) *Problem {
	if code == "" {
		code = codes[status]
		if code == "" {
			code = "error"
		}
	}
	return &Problem{
		Type: "urn:bistro:problem:" + code, Title: http.StatusText(status), Status: status,
		Detail: detail, Code: code, ErrorID: newErrorID(),
	}
}

func newErrorID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func init() {
	// huma's own errors (request validation, unknown content type, ...) get
	// the same shape as ours.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		p := newProblem(status, "", plainHumaMessage(status, msg))
		for _, err := range errs {
			if err == nil {
				continue
			}
			var d huma.ErrorDetailer
			if errors.As(err, &d) {
				ed := d.ErrorDetail()
				p.Errors = append(p.Errors, ProblemDetail{Location: ed.Location, Message: ed.Message})
				continue
			}
			if status < 500 {
				p.Errors = append(p.Errors, ProblemDetail{Message: err.Error()})
			}
		}
		return p
	}
}

// plainHumaMessage rewords the few messages huma writes itself.
func plainHumaMessage(status int, msg string) string {
	switch {
	case status == http.StatusUnprocessableEntity && msg == "validation failed":
		return "the request is not valid: see errors for each problem"
	case status >= 500:
		return "something went wrong on the server; if it happens again, report it with the error id"
	case msg == "":
		return strings.ToLower(http.StatusText(status))
	}
	return msg
}

// fail turns a Backend error into a problem. notFound is the detail for
// store.ErrNotFound, e.g. "there is no flow called 'x'".
func (s *server) fail(ctx context.Context, err error, notFound string) error {
	var apply *ApplyError
	var busy *BusyError
	var refused *guard.Error
	var quota *QuotaError
	switch {
	case errors.As(err, &quota):
		p := newProblem(http.StatusTooManyRequests, "quota", quota.Message)
		p.GetHeaders().Set("Retry-After", retryAfterSeconds(quota.RetryAfter))
		return p
	case errors.As(err, &apply):
		return invalidFlow(apply.Diagnostics)
	case errors.As(err, &refused):
		return guardProblem(err, refused)
	case errors.Is(err, store.ErrNotFound):
		return newProblem(http.StatusNotFound, "", notFound)
	case errors.Is(err, store.ErrFinished):
		return newProblem(http.StatusConflict, "finished", "the run has already finished")
	case errors.Is(err, store.ErrConflict):
		return newProblem(http.StatusConflict, "", "this conflicts with something that exists already")
	case errors.As(err, &busy):
		return busyProblem(false, "", retryAfterSeconds(busy.RetryAfter))
	case errors.Is(err, ErrBusy):
		return busyProblem(false, "", "1")
	}
	if ok, after := fault.IsTransient(err); ok {
		return busyProblem(false, "", retryAfterSeconds(after))
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// The caller went away; nobody reads the answer.
		return newProblem(http.StatusServiceUnavailable, "", "the request was cancelled")
	}
	return s.internal(ctx, err)
}

// internal logs the real error under a new id and answers with the id
// only: internal error text never leaves the server.
func (s *server) internal(ctx context.Context, err error) *Problem {
	p := newProblem(http.StatusInternalServerError, "", "something went wrong on the server; if it happens again, report it with the error id")
	s.log.ErrorContext(ctx, "request failed", slog.String("error_id", p.ErrorID), slog.Any("error", err))
	return p
}

func busyProblem(tooMany bool, reason, retryAfter string) *Problem {
	status, code := http.StatusServiceUnavailable, "busy"
	if reason == "" {
		reason = "the server is busy; try again in " + retryAfter + " seconds"
	}
	if tooMany {
		status, code = http.StatusTooManyRequests, "too_many_requests"
	}
	p := newProblem(status, code, reason)
	p.GetHeaders().Set("Retry-After", retryAfter)
	return p
}

// invalidFlow lists every problem of a flow document with its location.
func invalidFlow(ds flow.Diagnostics) *Problem {
	n := 0
	for _, d := range ds {
		if d.Severity == flow.SeverityError {
			n++
		}
	}
	detail := "the flow has 1 problem, so it was not saved"
	if n != 1 {
		detail = fmt.Sprintf("the flow has %d problems, so it was not saved", n)
	}
	p := newProblem(http.StatusUnprocessableEntity, "invalid_flow", detail)
	for _, d := range ds {
		p.Errors = append(p.Errors, ProblemDetail{
			Location: d.Path, Line: d.Line, Column: d.Column,
			Message: d.Message, Hint: d.Hint, Severity: d.Severity.String(),
		})
	}
	return p
}

// writeProblem answers a plain (non-huma) handler with a problem.
func writeProblem(w http.ResponseWriter, p *Problem) {
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// guardProblem is a guardrail's refusal; detail is the whole message,
// which says what was refused and why.
func guardProblem(err error, g *guard.Error) *Problem {
	status := map[guard.Kind]int{guard.Invalid: http.StatusUnprocessableEntity, guard.NotFound: http.StatusNotFound,
		guard.Conflict: http.StatusConflict, guard.Forbidden: http.StatusForbidden}[g.Kind]
	if status == 0 {
		status = http.StatusForbidden
	}
	return newProblem(status, "", err.Error())
}
