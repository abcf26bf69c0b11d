package storefault

import (
	"context"

	"github.com/bistro-dev/bistro/internal/store"
)

func (w *wrapped) EventCursor(ctx context.Context, flowID string) (string, error) {
	return do(ctx, w.f, "EventCursor", []any{flowID}, func() (string, error) { return w.inner.EventCursor(ctx, flowID) })
}

func (w *wrapped) SetEventCursor(ctx context.Context, flowID, cursor string) error {
	return do0(ctx, w.f, "SetEventCursor", []any{flowID, cursor}, func() error { return w.inner.SetEventCursor(ctx, flowID, cursor) })
}

func (w *wrapped) AddDeadLetter(ctx context.Context, d store.DeadLetter) error {
	return do0(ctx, w.f, "AddDeadLetter", []any{d}, func() error { return w.inner.AddDeadLetter(ctx, d) })
}

func (w *wrapped) ListDeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]store.DeadLetter, error) {
	return do(ctx, w.f, "ListDeadLetters", []any{f}, func() ([]store.DeadLetter, error) { return w.inner.ListDeadLetters(ctx, f) })
}

func (w *wrapped) GetDeadLetter(ctx context.Context, id string) (store.DeadLetter, error) {
	return do(ctx, w.f, "GetDeadLetter", []any{id}, func() (store.DeadLetter, error) { return w.inner.GetDeadLetter(ctx, id) })
}

func (w *wrapped) DeleteDeadLetter(ctx context.Context, id string) error {
	return do0(ctx, w.f, "DeleteDeadLetter", []any{id}, func() error { return w.inner.DeleteDeadLetter(ctx, id) })
}
