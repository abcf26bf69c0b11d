package storefault

import (
	"context"

	"github.com/bistro-dev/bistro/internal/store"
)

// The optional interfaces are forwarded by small types, each embedded in
// the returned store only when the wrapped store has the interface: a
// wrapper that always had them would hide a backend that lacks one (the
// runner scans flows without a WebhookFinder and keeps fewer steps without
// a StepBatcher), and the tests would check a path production never takes.

type finder struct{ w *wrapped }

func (x finder) FlowByWebhookID(ctx context.Context, webhookID string) (store.Flow, error) {
	return do(ctx, x.w.f, "FlowByWebhookID", []any{webhookID}, func() (store.Flow, error) {
		return x.w.inner.(store.WebhookFinder).FlowByWebhookID(ctx, webhookID)
	})
}

type batcher struct{ w *wrapped }

func (x batcher) SaveSteps(ctx context.Context, steps []store.Step) error {
	return do0(ctx, x.w.f, "SaveSteps", []any{steps}, func() error {
		return x.w.inner.(store.StepBatcher).SaveSteps(ctx, steps)
	})
}

type pinger struct{ w *wrapped }

func (x pinger) Ping(ctx context.Context) error {
	return do0(ctx, x.w.f, "Ping", nil, func() error { return x.w.inner.(store.Pinger).Ping(ctx) })
}

// compose returns w with exactly the optional interfaces of w.inner.
func compose(w *wrapped) store.Store {
	_, isFinder := w.inner.(store.WebhookFinder)
	_, isBatcher := w.inner.(store.StepBatcher)
	_, isPinger := w.inner.(store.Pinger)
	f, b, p := finder{w}, batcher{w}, pinger{w}
	switch {
	case isFinder && isBatcher && isPinger:
		return struct {
			*wrapped
			finder
			batcher
			pinger
		}{w, f, b, p}
	case isFinder && isBatcher:
		return struct {
			*wrapped
			finder
			batcher
		}{w, f, b}
	case isFinder && isPinger:
		return struct {
			*wrapped
			finder
			pinger
		}{w, f, p}
	case isBatcher && isPinger:
		return struct {
			*wrapped
			batcher
			pinger
		}{w, b, p}
	case isFinder:
		return struct {
			*wrapped
			finder
		}{w, f}
	case isBatcher:
		return struct {
			*wrapped
			batcher
		}{w, b}
	case isPinger:
		return struct {
			*wrapped
			pinger
		}{w, p}
	}
	return w
}
