package runner

import (
	"context"
	"log/slog"
	"sync"

	"github.com/bistro-dev/bistro/internal/store"
)

// finisher records finished runs in batches, as the writer creates them:
// the outcomes of runs that end while one transaction commits go together
// in the next (group commit). A run's outcome with its steps costs a share
// of one commit instead of a commit per step and one for the run.
type finisher struct {
	store store.RunFinisher
	log   *slog.Logger

	mu      sync.Mutex
	queue   []*finishReq
	running bool
}

type finishReq struct {
	f    store.Finish
	done chan error
}

// finish records the run's outcome and waits for the commit.
func (w *finisher) finish(ctx context.Context, f store.Finish) error {
	req := &finishReq{f: f, done: make(chan error, 1)}
	w.mu.Lock()
	w.queue = append(w.queue, req)
	if !w.running {
		w.running = true
		go w.loop()
	}
	w.mu.Unlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *finisher) loop() {
	for {
		w.mu.Lock()
		n := min(len(w.queue), maxBatch)
		if n == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		batch := w.queue[:n:n]
		w.queue = w.queue[n:]
		if len(w.queue) == 0 {
			w.queue = nil
		}
		w.mu.Unlock()
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
}
