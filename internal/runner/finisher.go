package runner

import (
	"context"
	"log/slog"

	"github.com/bistro-dev/bistro/internal/store"
)

// finisher records finished runs in batches, as the writer creates them:
// the outcomes of runs that end while one transaction commits go together
// in the next (group commit). A run's outcome with its steps costs a share
// of one commit instead of a commit per step and one for the run.
type finisher struct {
	store store.RunFinisher
	log   *slog.Logger
	group groupCommit[*finishReq]
}

type finishReq struct {
	f    store.Finish
	done chan error
}

func newFinisher(s store.RunFinisher, log *slog.Logger) *finisher {
	w := &finisher{store: s, log: log}
	w.group.commit = w.commit
	return w
}

// finish records the run's outcome and waits for the commit.
func (w *finisher) finish(ctx context.Context, f store.Finish) error {
	req := &finishReq{f: f, done: make(chan error, 1)}
	w.group.add(req)
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *finisher) commit(batch []*finishReq) {
	fs := make([]store.Finish, len(batch))
	for i, req := range batch {
		fs[i] = req.f
	}
	// Not abandoned half way because one caller gave up.
	errs, err := w.store.FinishRuns(context.Background(), fs)
	for i, req := range batch {
		if err == nil {
			req.done <- errs[i]
		} else {
			req.done <- err
		}
	}
}
