package runner

import (
	"context"
	"encoding/json"
	"time"

	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/store"
)

// checkpointEvery is how often a long run records how far it got. Runs
// shorter than this write no checkpoint at all, so checkpoints cost
// nothing on the many short runs; a long run loses at most this much work
// when the server stops.
const checkpointEvery = time.Second

// resumePoint is where a run handed out again resumes: after the input
// records it had finished, with the output it had produced. A run whose
// flow holds records in some step (engine.Plan.Resumable) starts over.
func (r *Runner) resumePoint(ctx context.Context, run store.Run, c *compiled) (int, json.RawMessage, error) {
	cp, ok := r.store.(store.Checkpointer)
	if !ok || run.Attempt == 0 || !c.plan.Resumable() {
		return 0, nil, nil
	}
	return cp.Checkpoint(ctx, run.ID)
}

// checkpointer returns the engine's progress callback for a run: at most
// every checkpointEvery it saves the number of finished input records and
// the output so far. A failed save is logged; the run goes on (it would
// only resume from an earlier point).
func (r *Runner) checkpointer(ctx context.Context, x *execution, out *output) func(int) {
	cp, ok := r.store.(store.Checkpointer)
	if !ok || !x.c.plan.Resumable() {
		return nil
	}
	last := r.clock.Now()
	return func(done int) {
		now := r.clock.Now()
		if now.Sub(last) < checkpointEvery {
			return
		}
		last = now
		data := r.cfg.Redact.Bytes(out.json())
		if err := cp.SaveCheckpoint(context.WithoutCancel(ctx), x.runID, done, data); err != nil {
			r.log.Warn("the run's checkpoint could not be saved", "run", x.runID, "error", err)
		}
	}
}

// resume puts the output a run had produced before it was interrupted
// back into the output, the truncation marker included.
func (o *output) resume(data json.RawMessage) {
	var list []map[string]any
	if json.Unmarshal(data, &list) != nil {
		return
	}
	for _, rec := range list {
		if m, ok := rec[TruncatedKey].(map[string]any); ok && len(rec) == 1 {
			if n, ok := m["omitted"].(float64); ok {
				o.omitted += int(n)
			}
			continue
		}
		_ = o.add(engine.Record(rec))
	}
}
