package store

import (
	"context"
	"encoding/json"
	"time"
)

// AuditStore keeps the audit log: every change to the installation as an
// event, chained by hashes (internal/audit computes them; the store never
// does, so it never holds the key of keyed hashes), and checkpoints of the
// chain's head.
type AuditStore interface {
	// AppendAudit adds an event at the end of the chain. In one
	// transaction, serialized with every other append (of every process),
	// it gives the event the next seq and the previous event's hash as
	// PrevHash, lets seal set its Hash, and stores it. It returns the
	// event as stored.
	AppendAudit(ctx context.Context, e AuditEvent, seal func(*AuditEvent)) (AuditEvent, error)
	// CheckpointAudit writes the head of the chain (its last seq and hash)
	// to the checkpoint table, and the SQLite store also to a file in its
	// data directory. An empty log has no head: the answer is then the
	// zero checkpoint and nothing is written.
	CheckpointAudit(ctx context.Context) (AuditCheckpoint, error)
	// ListAudit lists events, newest first unless f.Oldest.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
	// AuditCheckpoints returns the newest checkpoint of every place that
	// keeps them: the checkpoint table, and for SQLite the file too.
	AuditCheckpoints(ctx context.Context) ([]AuditCheckpoint, error)
}

// AuditEvent is one change: who did what to which object, when, from
// where, and the object before and after (secret values never included).
type AuditEvent struct {
	Seq       int64 // 1, 2, 3... without gaps, per installation
	ID        string
	Time      time.Time // microsecond precision, UTC
	Workspace string    // "" for changes to the whole installation
	Actor     AuditActor
	Source    string // where the change came from, e.g. the client's IP address
	Action    string // e.g. "flow.apply", "connection.secret_changed"
	Target    AuditTarget
	Before    json.RawMessage // the object before the change; empty when it did not exist
	After     json.RawMessage // the object after the change; empty when it was deleted
	KeyID     string          // the id of the key of a keyed hash; "" for a plain SHA-256
	PrevHash  string          // the previous event's Hash; "" for the first event
	Hash      string          // hex hash of the event's canonical encoding, PrevHash included
}

// AuditActor is who made a change.
type AuditActor struct {
	Kind string // "token", "cli", "system"
	ID   string
	Name string
}

// AuditTarget is what a change was made to.
type AuditTarget struct {
	Kind string // "flow", "connection", "key"...
	ID   string
	Name string
}

// AuditCheckpoint is a head of the chain written down, so that removing
// the newest events shows.
type AuditCheckpoint struct {
	Where string // "the database", or the checkpoint file's path
	Seq   int64  // 0: none
	Hash  string
	At    time.Time
	// Unreadable says why a place holds no checkpoint although it should,
	// e.g. the checkpoint file was deleted or damaged.
	Unreadable string
}

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	// Workspace keeps the events of this workspace and those of the whole
	// installation (with no workspace).
	Workspace string
	Action    string    // exactly, or the part before a dot: "flow" matches "flow.apply"
	Target    string    // the target's id or name
	Actor     string    // the actor's id or name
	Since     time.Time // at or after
	Until     time.Time // before
	Before    int64     // paging: events with a smaller seq
	After     int64     // events with a greater seq
	Oldest    bool      // oldest first; by default newest first
	Limit     int       // default 50, at most 1000
}

// AuditLimit is the number of events a list returns for limit.
func AuditLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 1000:
		return 1000
	}
	return limit
}
