package storefault

import (
	"context"

	"github.com/bistro-dev/bistro/internal/store"
)

func (w *wrapped) PutConnection(ctx context.Context, in store.PutConnection) (store.Connection, error) {
	return do(ctx, w.f, "PutConnection", []any{in}, func() (store.Connection, error) {
		return w.inner.PutConnection(ctx, in)
	})
}

func (w *wrapped) GetConnection(ctx context.Context, workspace, name string) (store.Connection, error) {
	return do(ctx, w.f, "GetConnection", []any{workspace, name}, func() (store.Connection, error) {
		return w.inner.GetConnection(ctx, workspace, name)
	})
}

func (w *wrapped) ListConnections(ctx context.Context, workspace string) ([]store.Connection, error) {
	return do(ctx, w.f, "ListConnections", []any{workspace}, func() ([]store.Connection, error) {
		return w.inner.ListConnections(ctx, workspace)
	})
}

func (w *wrapped) DeleteConnection(ctx context.Context, workspace, name string) error {
	return do0(ctx, w.f, "DeleteConnection", []any{workspace, name}, func() error {
		return w.inner.DeleteConnection(ctx, workspace, name)
	})
}

func (w *wrapped) ListSealed(ctx context.Context) ([]store.Sealed, error) {
	return do(ctx, w.f, "ListSealed", nil, func() ([]store.Sealed, error) { return w.inner.ListSealed(ctx) })
}

func (w *wrapped) Reseal(ctx context.Context, changes []store.Reseal) (int, error) {
	return do(ctx, w.f, "Reseal", []any{changes}, func() (int, error) { return w.inner.Reseal(ctx, changes) })
}
