package store

import (
	"context"
	"encoding/json"
)

// Checkpointer keeps where a long run has got to, so that a run handed out
// again after a crash resumes after the records it had finished instead of
// starting over. Backends implement it next to RunStore; the runner
// checks for it, and without it runs start again from their first record.
type Checkpointer interface {
	// SaveCheckpoint records that the running run has finished its input
	// records up to done, with the output it has produced so far. It
	// changes nothing when the run is not running.
	SaveCheckpoint(ctx context.Context, runID string, done int, output json.RawMessage) error
	// Checkpoint returns what SaveCheckpoint last recorded: 0 and no
	// output when nothing was.
	Checkpoint(ctx context.Context, runID string) (done int, output json.RawMessage, err error)
}
