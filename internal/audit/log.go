package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/store"
)

// DefaultCheckpointEvery checkpoints every event: changes are rare next to
// runs, and a checkpoint per event means that removing even the newest
// event shows.
const DefaultCheckpointEvery = 1

// Log records changes in a store's audit log.
type Log struct {
	Store store.AuditStore
	Chain Chain
	// CheckpointEvery checkpoints the head after every this many events;
	// default DefaultCheckpointEvery.
	CheckpointEvery int
	Clock           clock.Clock // nil: clock.Real{}
}

// Change is a change to record. The actor and source come from the
// context (WithActor).
type Change struct {
	Workspace string // "" for the whole installation
	Action    string // e.g. "flow.apply"
	Target    store.AuditTarget
	// Before and After are the object before and after the change, encoded
	// as JSON; nil when it did not exist before or does not after. They
	// must never hold a secret value: say "set" or "changed" instead.
	Before, After any
}

// Record appends the change to the chain and checkpoints the head when
// one is due. An event appended whose checkpoint failed comes back (with
// its Seq) beside the error.
func (l Log) Record(ctx context.Context, c Change) (store.AuditEvent, error) {
	actor, source := ActorFrom(ctx)
	e := store.AuditEvent{Time: l.now(), Workspace: c.Workspace, Actor: actor, Source: source,
		Action: c.Action, Target: c.Target}
	var err error
	if e.Before, err = Marshal(c.Before); err != nil {
		return e, fmt.Errorf("record %s of '%s': the state before cannot be encoded: %w", c.Action, c.Target.Name, err)
	}
	if e.After, err = Marshal(c.After); err != nil {
		return e, fmt.Errorf("record %s of '%s': the state after cannot be encoded: %w", c.Action, c.Target.Name, err)
	}
	e, err = l.Store.AppendAudit(ctx, e, l.Chain.Seal)
	if err != nil {
		return e, err
	}
	every := l.CheckpointEvery
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	if e.Seq%int64(every) == 0 {
		if _, err := l.Store.CheckpointAudit(ctx); err != nil {
			return e, fmt.Errorf("event %d was recorded, but not checkpointed: %w", e.Seq, err)
		}
	}
	return e, nil
}

func (l Log) now() time.Time {
	if l.Clock == nil {
		return time.Now()
	}
	return l.Clock.Now()
}
