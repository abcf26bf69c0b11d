package storefault

import (
	"context"

	"github.com/bistro-dev/bistro/internal/store"
)

func init() {
	for _, m := range []string{"AppendAudit", "CheckpointAudit", "ListAudit", "AuditCheckpoints"} {
		methods[m] = true
	}
}

func (w *wrapped) AppendAudit(ctx context.Context, e store.AuditEvent, seal func(*store.AuditEvent)) (store.AuditEvent, error) {
	return do(ctx, w.f, "AppendAudit", []any{e}, func() (store.AuditEvent, error) { return w.inner.AppendAudit(ctx, e, seal) })
}

func (w *wrapped) CheckpointAudit(ctx context.Context) (store.AuditCheckpoint, error) {
	return do(ctx, w.f, "CheckpointAudit", nil, func() (store.AuditCheckpoint, error) { return w.inner.CheckpointAudit(ctx) })
}

func (w *wrapped) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	return do(ctx, w.f, "ListAudit", []any{f}, func() ([]store.AuditEvent, error) { return w.inner.ListAudit(ctx, f) })
}

func (w *wrapped) AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error) {
	return do(ctx, w.f, "AuditCheckpoints", nil, func() ([]store.AuditCheckpoint, error) { return w.inner.AuditCheckpoints(ctx) })
}
