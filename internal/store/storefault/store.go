package storefault

import (
	"context"

	"github.com/bistro-dev/bistro/internal/store"
)

// wrapped is the store.Store in front of the real one.
type wrapped struct {
	inner store.Store
	f     *Faults
}

// do runs one call through the faults: before hooks, the wrapped store,
// after hooks. A failed call answers the zero value, as a store would.
func do[T any](ctx context.Context, f *Faults, method string, args []any, fn func() (T, error)) (T, error) {
	var zero T
	c, err := f.enter(ctx, method, args...)
	if err != nil {
		return zero, err
	}
	v, err := fn()
	if err = f.leave(ctx, c, err); err != nil {
		return zero, err
	}
	return v, nil
}

// do0 is do for calls that answer only an error.
func do0(ctx context.Context, f *Faults, method string, args []any, fn func() error) error {
	_, err := do(ctx, f, method, args, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

func (w *wrapped) PutFlow(ctx context.Context, in store.PutFlow) (store.Flow, bool, error) {
	type answer struct {
		flow    store.Flow
		changed bool
	}
	a, err := do(ctx, w.f, "PutFlow", []any{in}, func() (answer, error) {
		fl, changed, err := w.inner.PutFlow(ctx, in)
		return answer{fl, changed}, err
	})
	return a.flow, a.changed, err
}

func (w *wrapped) GetFlow(ctx context.Context, workspace, name string) (store.Flow, error) {
	return do(ctx, w.f, "GetFlow", []any{workspace, name}, func() (store.Flow, error) {
		return w.inner.GetFlow(ctx, workspace, name)
	})
}

func (w *wrapped) GetFlowByID(ctx context.Context, id string) (store.Flow, error) {
	return do(ctx, w.f, "GetFlowByID", []any{id}, func() (store.Flow, error) {
		return w.inner.GetFlowByID(ctx, id)
	})
}

func (w *wrapped) ListFlows(ctx context.Context, workspace string) ([]store.Flow, error) {
	return do(ctx, w.f, "ListFlows", []any{workspace}, func() ([]store.Flow, error) {
		return w.inner.ListFlows(ctx, workspace)
	})
}

func (w *wrapped) FlowVersion(ctx context.Context, flowID string, version int) (store.Version, error) {
	return do(ctx, w.f, "FlowVersion", []any{flowID, version}, func() (store.Version, error) {
		return w.inner.FlowVersion(ctx, flowID, version)
	})
}

func (w *wrapped) ListVersions(ctx context.Context, flowID string) ([]store.Version, error) {
	return do(ctx, w.f, "ListVersions", []any{flowID}, func() ([]store.Version, error) {
		return w.inner.ListVersions(ctx, flowID)
	})
}

func (w *wrapped) SetFlowEnabled(ctx context.Context, id string, enabled bool) error {
	return do0(ctx, w.f, "SetFlowEnabled", []any{id, enabled}, func() error {
		return w.inner.SetFlowEnabled(ctx, id, enabled)
	})
}

func (w *wrapped) DeleteFlow(ctx context.Context, id string) error {
	return do0(ctx, w.f, "DeleteFlow", []any{id}, func() error { return w.inner.DeleteFlow(ctx, id) })
}

func (w *wrapped) CreateRuns(ctx context.Context, runs []store.NewRun) ([]store.Created, error) {
	return do(ctx, w.f, "CreateRuns", []any{runs}, func() ([]store.Created, error) {
		return w.inner.CreateRuns(ctx, runs)
	})
}

func (w *wrapped) GetRun(ctx context.Context, id string) (store.Run, error) {
	return do(ctx, w.f, "GetRun", []any{id}, func() (store.Run, error) { return w.inner.GetRun(ctx, id) })
}

func (w *wrapped) ListRuns(ctx context.Context, rf store.RunFilter) ([]store.Run, error) {
	return do(ctx, w.f, "ListRuns", []any{rf}, func() ([]store.Run, error) { return w.inner.ListRuns(ctx, rf) })
}

func (w *wrapped) UpdateRun(ctx context.Context, u store.RunUpdate) error {
	return do0(ctx, w.f, "UpdateRun", []any{u}, func() error { return w.inner.UpdateRun(ctx, u) })
}

func (w *wrapped) SaveStep(ctx context.Context, s store.Step) error {
	return do0(ctx, w.f, "SaveStep", []any{s}, func() error { return w.inner.SaveStep(ctx, s) })
}

func (w *wrapped) ListSteps(ctx context.Context, runID string) ([]store.Step, error) {
	return do(ctx, w.f, "ListSteps", []any{runID}, func() ([]store.Step, error) {
		return w.inner.ListSteps(ctx, runID)
	})
}

func (w *wrapped) CountRuns(ctx context.Context, status store.Status) (int, error) {
	return do(ctx, w.f, "CountRuns", []any{status}, func() (int, error) { return w.inner.CountRuns(ctx, status) })
}

func (w *wrapped) PruneRuns(ctx context.Context, p store.Retention) (int, error) {
	return do(ctx, w.f, "PruneRuns", []any{p}, func() (int, error) { return w.inner.PruneRuns(ctx, p) })
}

func (w *wrapped) CreateToken(ctx context.Context, t store.Token) error {
	return do0(ctx, w.f, "CreateToken", []any{t}, func() error { return w.inner.CreateToken(ctx, t) })
}

func (w *wrapped) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	return do(ctx, w.f, "TokenByHash", []any{hash}, func() (store.Token, error) {
		return w.inner.TokenByHash(ctx, hash)
	})
}

func (w *wrapped) CountTokens(ctx context.Context) (int, error) {
	return do(ctx, w.f, "CountTokens", nil, func() (int, error) { return w.inner.CountTokens(ctx) })
}

// Work starts the wrapped store's workers with a handler that goes through
// the faults too (as Handler), so a test can hold or fail a run's
// execution the way a dying worker would.
func (w *wrapped) Work(ctx context.Context, opts store.WorkOptions, handle store.RunHandler) error {
	h := handle
	if handle != nil {
		h = func(ctx context.Context, runID string) error {
			return do0(ctx, w.f, Handler, []any{runID}, func() error { return handle(ctx, runID) })
		}
	}
	return do0(ctx, w.f, "Work", []any{opts}, func() error { return w.inner.Work(ctx, opts, h) })
}

// Close closes the wrapped store.
func (w *wrapped) Close() error {
	return do0(context.Background(), w.f, "Close", nil, w.inner.Close)
}
