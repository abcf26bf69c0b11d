package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/webhook"
	"github.com/danielgtaylor/huma/v2"
)

// hook serves a flow's webhook URL. It carries no API token: the flow's
// own signature or token setting is checked by the Backend.
func (s *server) hook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req, err := webhook.Read(r, s.maxBody)
	if err != nil {
		writeProblem(w, s.readProblem(r, err))
		return
	}
	reply, err := s.backend.Webhook(ctx, r.PathValue("webhook_id"), req)
	if err != nil {
		writeProblem(w, s.hookProblem(r, err))
		return
	}
	s.writeReply(w, r, reply)
}

// readProblem maps a failure to read the call: too large or unreadable.
func (s *server) readProblem(r *http.Request, err error) *Problem {
	var we *webhook.Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, webhook.ErrTooLarge) || errors.As(err, &tooLarge):
		return newProblem(http.StatusRequestEntityTooLarge, webhook.CodeTooLarge,
			"the request body is larger than this server accepts ("+humanBytes(s.maxBody)+")")
	case errors.As(err, &we):
		return webhookProblem(we)
	}
	return s.hookProblem(r, err)
}

// hookProblem maps what the Backend said about a webhook call. Unknown and
// disabled flows look the same from outside.
func (s *server) hookProblem(r *http.Request, err error) *Problem {
	var we *webhook.Error
	var me *MethodError
	switch {
	case errors.As(err, &we):
		return webhookProblem(we)
	case errors.As(err, &me):
		p := newProblem(http.StatusMethodNotAllowed, "", me.Error())
		p.GetHeaders().Set("Allow", me.Allowed)
		return p
	case errors.Is(err, ErrMethodNotAllowed):
		return newProblem(http.StatusMethodNotAllowed, "", "this webhook does not accept "+r.Method+" requests")
	case errors.Is(err, store.ErrNotFound):
		return newProblem(http.StatusNotFound, "", "there is no webhook at this address, or its flow is disabled")
	}
	var p *Problem
	errors.As(s.fail(r.Context(), err, ""), &p)
	return p
}

// webhookProblem keeps the webhook package's status, stable code and
// message (written for the caller, never holding a secret).
func webhookProblem(we *webhook.Error) *Problem {
	p := newProblem(we.Status(), we.Code, we.Message)
	if p.Status == http.StatusServiceUnavailable {
		p.GetHeaders().Set("Retry-After", "1")
	}
	return p
}

// hopHeaders are the framing headers a flow may not set: the server owns
// them.
var hopHeaders = map[string]bool{
	"Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Upgrade": true, "Trailer": true,
}

func (s *server) writeReply(w http.ResponseWriter, r *http.Request, reply WebhookReply) {
	status, body := reply.Status, reply.Body
	if status == 0 {
		status = http.StatusOK
		if reply.RunID != "" {
			status = http.StatusAccepted
		}
	}
	if status == http.StatusAccepted && body == nil && reply.RunID != "" {
		body = map[string]string{"run_id": reply.RunID}
	}
	h := w.Header()
	for k, v := range reply.Headers {
		if !hopHeaders[http.CanonicalHeaderKey(k)] {
			h.Set(k, v)
		}
	}
	if reply.RunID != "" {
		h.Set("Bistro-Run-Id", reply.RunID)
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	// A text reply with its own content type goes out as written.
	if text, ok := body.(string); ok && h.Get("Content-Type") != "" && !strings.Contains(h.Get("Content-Type"), "json") {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(text))
		return
	}
	data, err := json.Marshal(body)
	if err != nil {
		writeProblem(w, s.internal(r.Context(), err))
		return
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KB"
	}
	return itoa(n) + " bytes"
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// registerHookDoc documents the webhook endpoint in the OpenAPI document.
// It is served by a plain handler (any method, no API token), so it is
// described, not registered, here.
func registerHookDoc(api huma.API) {
	problem := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "")
	problemResp := func(desc string) *huma.Response {
		return &huma.Response{Description: desc, Content: map[string]*huma.MediaType{"application/problem+json": {Schema: problem}}}
	}
	api.OpenAPI().AddOperation(&huma.Operation{
		OperationID: "call-webhook", Method: http.MethodPost, Path: "/hooks/{webhook_id}", Tags: []string{"Webhooks"},
		Summary: "Call a flow's webhook",
		Description: "Starts a run of the webhook flow with the request as its trigger. No API token: the flow's own signature " +
			"or token setting applies. Accepts the methods the flow allows (POST by default). Sync flows answer with the " +
			"flow's response; async flows (and sync flows past their timeout) answer 202 with the run id.",
		Parameters: []*huma.Param{{Name: "webhook_id", In: "path", Required: true, Schema: &huma.Schema{Type: "string"}, Description: "The random id in the flow's webhook path"}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The flow's response (its status, headers and body)"},
			"202": {Description: "The run was stored and goes on: {\"run_id\": \"...\"}"},
			"400": problemResp("The body could not be read"),
			"401": problemResp("The call is not signed or authorized as the flow requires"),
			"404": problemResp("No such webhook, or its flow is disabled"),
			"405": problemResp("The flow does not accept this method"),
			"413": problemResp("The body is too large"),
			"429": problemResp("The flow is over its limit: retry after Retry-After seconds"),
			"503": problemResp("The server is busy: retry after Retry-After seconds"),
		},
	})
}
