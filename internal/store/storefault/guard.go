package storefault

import (
	"context"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

func init() {
	for _, m := range []string{
		"PutSetting", "CreateConnectorRequest", "GetConnectorRequest", "ListConnectorRequests",
		"AnswerConnectorRequest", "AddNotifications", "ListNotifications", "MarkNotificationRead",
		"FlowRunStats", "SetFlowOwner", "CountRunsSince", "CreateReview", "GetReview", "ListReviews", "FinishReview",
	} {
		methods[m] = true
	}
}

func (w *wrapped) PutSetting(ctx context.Context, key string, value []byte) error {
	return do0(ctx, w.f, "PutSetting", []any{key, value}, func() error { return w.inner.PutSetting(ctx, key, value) })
}

func (w *wrapped) CreateConnectorRequest(ctx context.Context, r store.ConnectorRequest) error {
	return do0(ctx, w.f, "CreateConnectorRequest", []any{r}, func() error { return w.inner.CreateConnectorRequest(ctx, r) })
}

func (w *wrapped) GetConnectorRequest(ctx context.Context, id string) (store.ConnectorRequest, error) {
	return do(ctx, w.f, "GetConnectorRequest", []any{id}, func() (store.ConnectorRequest, error) {
		return w.inner.GetConnectorRequest(ctx, id)
	})
}

func (w *wrapped) ListConnectorRequests(ctx context.Context, workspace string) ([]store.ConnectorRequest, error) {
	return do(ctx, w.f, "ListConnectorRequests", []any{workspace}, func() ([]store.ConnectorRequest, error) {
		return w.inner.ListConnectorRequests(ctx, workspace)
	})
}

func (w *wrapped) AnswerConnectorRequest(ctx context.Context, id, status, answer, by string, at time.Time) (store.ConnectorRequest, error) {
	return do(ctx, w.f, "AnswerConnectorRequest", []any{id, status, answer, by, at}, func() (store.ConnectorRequest, error) {
		return w.inner.AnswerConnectorRequest(ctx, id, status, answer, by, at)
	})
}

func (w *wrapped) AddNotifications(ctx context.Context, ns []store.Notification) error {
	return do0(ctx, w.f, "AddNotifications", []any{ns}, func() error { return w.inner.AddNotifications(ctx, ns) })
}

func (w *wrapped) ListNotifications(ctx context.Context, userID string, limit int) ([]store.Notification, error) {
	return do(ctx, w.f, "ListNotifications", []any{userID, limit}, func() ([]store.Notification, error) {
		return w.inner.ListNotifications(ctx, userID, limit)
	})
}

func (w *wrapped) MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error {
	return do0(ctx, w.f, "MarkNotificationRead", []any{userID, id, at}, func() error {
		return w.inner.MarkNotificationRead(ctx, userID, id, at)
	})
}

func (w *wrapped) FlowRunStats(ctx context.Context, since time.Time) (map[string]store.FlowRunStats, error) {
	return do(ctx, w.f, "FlowRunStats", []any{since}, func() (map[string]store.FlowRunStats, error) {
		return w.inner.FlowRunStats(ctx, since)
	})
}

func (w *wrapped) SetFlowOwner(ctx context.Context, flowID, owner string) error {
	return do0(ctx, w.f, "SetFlowOwner", []any{flowID, owner}, func() error { return w.inner.SetFlowOwner(ctx, flowID, owner) })
}

func (w *wrapped) CreateReview(ctx context.Context, r store.Review) error {
	return do0(ctx, w.f, "CreateReview", []any{r}, func() error { return w.inner.CreateReview(ctx, r) })
}

func (w *wrapped) GetReview(ctx context.Context, id string) (store.Review, error) {
	return do(ctx, w.f, "GetReview", []any{id}, func() (store.Review, error) { return w.inner.GetReview(ctx, id) })
}

func (w *wrapped) ListReviews(ctx context.Context, workspace, status string) ([]store.Review, error) {
	return do(ctx, w.f, "ListReviews", []any{workspace, status}, func() ([]store.Review, error) {
		return w.inner.ListReviews(ctx, workspace, status)
	})
}

func (w *wrapped) FinishReview(ctx context.Context, r store.Review) (store.Review, error) {
	return do(ctx, w.f, "FinishReview", []any{r}, func() (store.Review, error) { return w.inner.FinishReview(ctx, r) })
}

func (w *wrapped) CountRunsSince(ctx context.Context, workspace string, since time.Time) (int, error) {
	return do(ctx, w.f, "CountRunsSince", []any{workspace, since}, func() (int, error) {
		return w.inner.CountRunsSince(ctx, workspace, since)
	})
}
