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
	group groupCommit[*writeReq]
}

// groupCommit hands commit the requests that queued up while the previous
// batch committed, at most maxBatch at a time, on one goroutine that lives
// only while there is something to commit.
type groupCommit[T any] struct {
	commit func(batch []T)

	mu      sync.Mutex
	queue   []T
	running bool
}

// add queues a request; commit sees it in a later batch.
func (g *groupCommit[T]) add(req T) {
	g.mu.Lock()
	g.queue = append(g.queue, req)
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
}

// loop commits batches until the queue is empty.
func (g *groupCommit[T]) loop() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		if len(g.queue) == 0 {
			g.queue = nil // let the backing array go
		}
		g.mu.Unlock()
		g.commit(batch)
	}
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
	w := &writer{store: s, log: log}
	w.group.commit = w.commit
	return w
}

// create writes the run and waits for its commit. When ctx ends first the
// run may still be written.
func (w *writer) create(ctx context.Context, run store.NewRun, steps []store.Step) (store.Created, error) {
	req := &writeReq{run: run, steps: steps, done: make(chan writeResult, 1)}
	w.group.add(req)
	select {
	case res := <-req.done:
		return res.created, res.err
	case <-ctx.Done():
		return store.Created{}, ctx.Err()
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
