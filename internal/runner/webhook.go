package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/record"
	"net/http"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/webhook"
)

// errNoWebhook is an unknown or disabled webhook: the same answer for
// both, so a caller cannot tell which flows exist.
var errNoWebhook = fmt.Errorf("there is no webhook at this address: %w", store.ErrNotFound)

// busyRetryAfter is the wait suggested to callers refused for back-pressure.
const busyRetryAfter = 5 * time.Second

// Webhook handles a call to a flow's webhook URL.
//
// Async flows reply 202 {"run_id"} once the run is durably queued. Sync
// flows run inline in the request; the finished run is written before the
// reply, which is the respond step's status, headers and body — or, without
// a respond step, 200 with the output records (500 with the error when the
// run failed). Past the flow's webhook timeout the inline attempt is
// abandoned, the run is queued for a worker, which runs it again from its
// first step (steps are at least once), and the reply is 202 {"run_id"}.
//
// A call with a message id (webhook-id and similar headers) on a webhook
// that requires a signature or a token runs once: a redelivery gets the
// same run id.
func (r *Runner) Webhook(ctx context.Context, webhookID string, req *webhook.Request) (api.WebhookReply, error) {
	f, err := r.flowByWebhook(ctx, webhookID)
	if err != nil {
		return api.WebhookReply{}, err
	}
	c, err := r.compiledVersion(ctx, f, f.Version)
	if err != nil {
		return api.WebhookReply{}, err
	}
	wt := c.doc.Flow.Trigger.Webhook
	if wt == nil {
		return api.WebhookReply{}, errNoWebhook
	}
	if method := cmp.Or(strings.ToUpper(wt.Method), http.MethodPost); !strings.EqualFold(req.Method, method) {
		return api.WebhookReply{}, &api.MethodError{Allowed: method}
	}
	check, err := c.webhookCheck(r.cfg.Engine.Env)
	if err != nil {
		return api.WebhookReply{}, err
	}
	var dedupe string
	guard := r.cfg.ReplayGuard
	if check.Signature != nil || check.Token != nil {
		if id := webhook.MessageID(req); id != "" {
			// The store's dedupe key refuses the replay durably and
			// answers with the first run, which a guard cannot.
			dedupe, guard = "webhook:"+id, nil
		}
	}
	if err := webhook.Verify(ctx, req, check, r.clock.Now(), guard); err != nil {
		return api.WebhookReply{}, err
	}
	check.Redact(req)
	trig := req.Trigger()
	data, err := json.Marshal(trig)
	if err != nil {
		return api.WebhookReply{}, fmt.Errorf("the request could not be stored: %w", err)
	}
	// The body is the run's input: one record, or one per item of a list.
	recs := record.List(req.Body)
	input, err := json.Marshal(recs)
	if err != nil {
		return api.WebhookReply{}, fmt.Errorf("the request could not be stored: %w", err)
	}
	if err := r.admit(ctx, f.Workspace); err != nil {
		return api.WebhookReply{}, err
	}
	run := store.NewRun{
		ID: newID(), Workspace: f.Workspace, FlowID: f.ID, FlowVersion: f.Version,
		Trigger: "webhook", TriggerData: data, Input: input, DedupeKey: dedupe,
	}
	if wt.Mode == "sync" {
		return r.syncWebhook(ctx, c, run, trig, recs, wt.Timeout)
	}
	return r.accept(ctx, run)
}

// flowByWebhook finds the enabled webhook flow with this webhook id.
func (r *Runner) flowByWebhook(ctx context.Context, webhookID string) (store.Flow, error) {
	if e, ok := r.hooks.get(webhookID); ok {
		return e.flow, e.err
	}
	f, err := r.lookupWebhook(ctx, webhookID)
	if err == nil || errors.Is(err, errNoWebhook) {
		r.hooks.put(webhookID, hookEntry{flow: f, err: err})
	}
	return f, err
}

func (r *Runner) lookupWebhook(ctx context.Context, webhookID string) (store.Flow, error) {
	var f store.Flow
	var err error
	if wf, ok := r.store.(store.WebhookFinder); ok {
		f, err = wf.FlowByWebhookID(ctx, webhookID)
	} else {
		f, err = r.scanWebhook(ctx, webhookID)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!f.Enabled || f.Trigger != "webhook")) {
		return store.Flow{}, errNoWebhook
	}
	return f, err
}

// scanWebhook is the lookup for stores without FlowByWebhookID: every
// workspace's flows, one by one.
func (r *Runner) scanWebhook(ctx context.Context, webhookID string) (store.Flow, error) {
	flows, err := r.allFlows(ctx)
	if err != nil {
		return store.Flow{}, err
	}
	for _, f := range flows {
		if f.WebhookID == webhookID && webhookID != "" {
			return f, nil
		}
	}
	return store.Flow{}, store.ErrNotFound
}

// accept queues an async webhook run, unless too much is queued already.
func (r *Runner) accept(ctx context.Context, run store.NewRun) (api.WebhookReply, error) {
	if err := r.busy(ctx); err != nil {
		return api.WebhookReply{}, err
	}
	id, err := r.queue(ctx, run)
	if err != nil {
		return api.WebhookReply{}, err
	}
	return accepted(id), nil
}

func accepted(id string) api.WebhookReply {
	return api.WebhookReply{Status: http.StatusAccepted, Body: map[string]any{"run_id": id}, RunID: id}
}

// busy refuses new queued work beyond MaxQueued.
func (r *Runner) busy(ctx context.Context) error {
	n, err := r.depth.get(ctx, r.store)
	if err != nil {
		return err
	}
	if n >= r.cfg.MaxQueued {
		return &api.BusyError{RetryAfter: busyRetryAfter}
	}
	return nil
}
