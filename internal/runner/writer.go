package runner

import (
	"context"
	"log/slog"
	"sync"

	"github.com/bistro-dev/bistro/internal/store"
)

// maxBatch is the most runs written in one transaction.
const maxBatch = 256

// writer writes runs in batches: while one transaction commits, the runs
// that arrive meanwhile queue up and go together in the next one (group
// commit). A lone caller pays one commit; many concurrent callers share
// commits, which is how durability does not cost throughput. No goroutine
// lives while there is nothing to write.
type writer struct {
	store store.Store
	log   *slog.Logger

	mu      sync.Mutex
	queue   []*writeReq
	running bool
}

// writeReq is one run waiting for its commit, with the steps to record
// once it is committed (inline runs).
type writeReq struct {
	run   store.NewRun
	steps []store.Step
	done  chan writeResult
}

type writeResult struct {
	created store.Created
	err     error
}

func newWriter(s store.Store, log *slog.Logger) *writer {
	return &writer{store: s, log: log}
}

// create writes the run and waits for its commit. When ctx ends first the
// run may still be written.
func (w *writer) create(ctx context.Context, run store.NewRun, steps []store.Step) (store.Created, error) {
	req := &writeReq{run: run, steps: steps, done: make(chan writeResult, 1)}
	w.mu.Lock()
	w.queue = append(w.queue, req)
	if !w.running {
		w.running = true
		go w.loop()
	}
	w.mu.Unlock()
	select {
	case res := <-req.done:
		return res.created, res.err
	case <-ctx.Done():
		return store.Created{}, ctx.Err()
	}
}

// loop commits batches until the queue is empty.
func (w *writer) loop() {
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
			w.queue = nil // let the backing array go
		}
		w.mu.Unlock()
		w.commit(batch)
	}
}

func (w *writer) commit(batch []*writeReq) {
	runs := make([]store.NewRun, len(batch))
	for i, req := range batch {
		runs[i] = req.run
	}
	// The writer outlives its callers' requests: a commit is not abandoned
	// half way because one caller gave up.
	ctx := context.Background()
	created, err := w.store.CreateRuns(ctx, runs)
	if err == nil && len(created) != len(batch) {
		err = errShortCreate
	}
	for i, req := range batch {
		res := writeResult{err: err}
		if err == nil {
			res.created = created[i]
		}
		req.done <- res
	}
	if err != nil {
		return
	}
	w.saveSteps(ctx, batch, created)
}

// saveSteps records the steps of the batch's inline runs, after the reply:
// the run record is what must be durable before answering; the counts are
// for people. One transaction per step would cost more than the runs
// themselves, so without a StepBatcher only failed runs keep them.
func (w *writer) saveSteps(ctx context.Context, batch []*writeReq, created []store.Created) {
	var steps []store.Step
	sb, batched := w.store.(store.StepBatcher)
	for i, req := range batch {
		if created[i].Duplicate || (!batched && req.run.Status == store.StatusSucceeded) {
			continue
		}
		steps = append(steps, req.steps...)
	}
	if len(steps) == 0 {
		return
	}
	if batched {
		if err := sb.SaveSteps(ctx, steps); err != nil {
			w.log.Warn("could not record the steps of inline runs", "runs", len(batch), "error", err)
		}
		return
	}
	for _, s := range steps {
		if err := w.store.SaveStep(ctx, s); err != nil {
			w.log.Warn("could not record a step of an inline run", "run", s.RunID, "step", s.StepID, "error", err)
		}
	}
}
