package runner

import (
	"context"
	"encoding/json"
	"github.com/bistro-dev/bistro/internal/engine"
	"net/http"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

// syncWebhook runs a sync webhook's flow inline and replies with its
// response, or hands the run over to a worker past the timeout.
func (r *Runner) syncWebhook(ctx context.Context, c *compiled, run store.NewRun, trig map[string]any, input []engine.Record, timeout string) (api.WebhookReply, error) {
	wait := r.cfg.SyncTimeout
	if d, err := time.ParseDuration(timeout); err == nil && d > 0 {
		wait = d
	}
	inline, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	o := r.execute(inline, execution{runID: run.ID, c: c, trigger: trig, input: input, timeout: runTimeout(c)})
	if o.interrupted || o.status == store.StatusCancelled {
		// Past the timeout (or the caller gone): a worker finishes the run
		// durably. The inline attempt is abandoned, so its steps run again.
		id, err := r.queue(context.WithoutCancel(ctx), run)
		if err != nil {
			return api.WebhookReply{}, err
		}
		return accepted(id), nil
	}
	run.Status = o.status
	run.Response, run.Error = o.responseJSON(), o.err
	run.CreatedAt, run.StartedAt, run.EndedAt = o.started, o.started, o.ended
	if o.status != store.StatusSucceeded || r.keep {
		run.Output = o.out.json()
	} else {
		run.TriggerData = nil // the request is the run's input data
	}
	created, err := r.writer.create(ctx, run, o.steps(run.ID))
	if err != nil {
		return api.WebhookReply{}, err
	}
	if created.Duplicate {
		return r.replyFor(ctx, created.ID)
	}
	r.metrics.finished(c.flow.Name, o.status, o.ended.Sub(o.started))
	r.metrics.stepCounts(c.flow.Name, &o)
	if o.status == store.StatusFailed {
		stored := store.Run{ID: run.ID, Workspace: run.Workspace, Trigger: run.Trigger, TriggerData: run.TriggerData}
		// An inline run has no job to retry: a failure here is only logged.
		if err := r.startErrorFlow(context.WithoutCancel(ctx), stored, c, o); err != nil {
			r.log.Warn("the error flow could not be started", "run", run.ID, "error", err)
		}
	}
	if o.response != nil {
		return api.WebhookReply{Status: o.response.Status, Headers: o.response.Headers, Body: o.response.Body, RunID: run.ID}, nil
	}
	return reply(run.ID, false, 0, nil, nil, o.status, o.message, o.out.list()), nil
}

// reply builds a sync webhook's answer: the respond step's, or the output
// records, or the error.
func reply(id string, responded bool, status int, headers map[string]string, body any, st store.Status, message string, out []any) api.WebhookReply {
	switch {
	case responded:
		return api.WebhookReply{Status: status, Headers: headers, Body: body, RunID: id}
	case st == store.StatusFailed:
		return api.WebhookReply{Status: http.StatusInternalServerError,
			Body: map[string]any{"error": message, "run_id": id}, RunID: id}
	}
	return api.WebhookReply{Status: http.StatusOK, Body: out, RunID: id}
}

// replyFor answers a redelivered sync call from the run it already started.
func (r *Runner) replyFor(ctx context.Context, id string) (api.WebhookReply, error) {
	run, err := r.store.GetRun(ctx, id)
	if err != nil {
		return api.WebhookReply{}, err
	}
	if !run.Status.Final() {
		return accepted(id), nil
	}
	var resp struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    any               `json:"body"`
	}
	responded := len(run.Response) > 0 && json.Unmarshal(run.Response, &resp) == nil
	var out []any
	_ = json.Unmarshal(run.Output, &out)
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(run.Error, &e)
	return reply(id, responded, resp.Status, resp.Headers, resp.Body, run.Status, e.Message, out), nil
}
