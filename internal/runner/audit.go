package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// auditTimeout bounds recording one change, which goes on when the
// request that made it has gone.
const auditTimeout = 10 * time.Second

// auditChain is the chain of the events this process records: keyed when
// BISTRO_AUDIT_KEY is set. The key is read once.
var auditChain = sync.OnceValues(func() (audit.Chain, error) { return audit.ChainFromEnv(os.LookupEnv) })

// ListAudit lists the audit log.
func (r *Runner) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	return r.store.ListAudit(ctx, f)
}

// recordChange appends a change that has happened to the audit log, with the
// actor of ctx. Failing to record it cannot undo the change: the failure
// is logged as an error, with the change, for the log to keep.
func (r *Runner) recordChange(ctx context.Context, c audit.Change) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	c.Before, c.After = r.cfg.Redact.Value(c.Before), r.cfg.Redact.Value(c.After)
	chain, err := auditChain()
	var e store.AuditEvent
	if err == nil {
		e, err = audit.Log{Store: r.store, Chain: chain, Clock: r.clock}.Record(ctx, c)
	}
	switch {
	case err != nil && e.Seq > 0:
		r.log.ErrorContext(ctx, "the audit log could not checkpoint its head", "seq", e.Seq, "error", err)
	case err != nil:
		actor, source := audit.ActorFrom(ctx)
		r.log.ErrorContext(ctx, "a change could not be recorded in the audit log", "action", c.Action,
			"workspace", c.Workspace, "target", c.Target.Name, "actor", actor.ID, "source", source, "error", err)
	}
}

func auditFlowTarget(f store.Flow) store.AuditTarget {
	return store.AuditTarget{Kind: "flow", ID: f.ID, Name: f.Name}
}

// auditFlowState is what the audit log keeps of a flow: its version and the
// hash of its document (the versions themselves are in the store).
func auditFlowState(f store.Flow) map[string]any {
	sum := sha256.Sum256(f.Document)
	return map[string]any{"version": f.Version, "enabled": f.Enabled, "trigger": f.Trigger,
		"document_sha256": hex.EncodeToString(sum[:])}
}

// auditFlowApplied records a new version of a flow.
func (r *Runner) auditFlowApplied(ctx context.Context, f store.Flow) {
	var before any
	if f.Version > 1 {
		prev := map[string]any{"version": f.Version - 1}
		if v, err := r.store.FlowVersion(ctx, f.ID, f.Version-1); err == nil {
			prev["document_sha256"] = v.Hash
		}
		before = prev
	}
	r.recordChange(ctx, audit.Change{Workspace: f.Workspace, Action: "flow.apply", Target: auditFlowTarget(f),
		Before: before, After: auditFlowState(f)})
}

// auditFlowEnabled records turning a flow on or off; f is the flow
// before, and nothing is recorded when it was so already.
func (r *Runner) auditFlowEnabled(ctx context.Context, f store.Flow, enabled bool) {
	if f.Enabled == enabled {
		return
	}
	action := "flow.disable"
	if enabled {
		action = "flow.enable"
	}
	r.recordChange(ctx, audit.Change{Workspace: f.Workspace, Action: action, Target: auditFlowTarget(f),
		Before: map[string]any{"enabled": f.Enabled}, After: map[string]any{"enabled": enabled}})
}

// auditFlowDeleted records deleting a flow.
func (r *Runner) auditFlowDeleted(ctx context.Context, f store.Flow) {
	r.recordChange(ctx, audit.Change{Workspace: f.Workspace, Action: "flow.delete", Target: auditFlowTarget(f),
		Before: auditFlowState(f)})
}

func auditConnectionTarget(c store.Connection) store.AuditTarget {
	return store.AuditTarget{Kind: "connection", ID: c.ID, Name: c.Name}
}

// auditConnectionState is what the audit log keeps of a connection: its
// settings that are not secret, and of each secret only that it is set.
func auditConnectionState(c store.Connection) map[string]any {
	config := map[string]any{}
	_ = json.Unmarshal(c.Config, &config)
	labels := c.Labels
	if labels == nil {
		labels = []string{}
	}
	return map[string]any{"connector": c.Connector, "config": config, "labels": labels, "secrets": auditSecretStates(c)}
}

func auditSecretStates(c store.Connection) map[string]string {
	out := map[string]string{}
	for path := range c.Secrets {
		out[path] = "set"
	}
	return out
}

// auditConnectionSaved records creating or updating a connection: old is
// the connection before (no ID when it is new), put what was saved and c
// the connection after. A change to its secrets is an event of its own,
// connection.secret_changed, that names the secrets and never their
// values.
func (r *Runner) auditConnectionSaved(ctx context.Context, old store.Connection, put store.PutConnection, c store.Connection) {
	change := audit.Change{Workspace: c.Workspace, Target: auditConnectionTarget(c), After: auditConnectionState(c)}
	if old.ID == "" {
		change.Action = "connection.create"
		r.recordChange(ctx, change)
		return
	}
	if !sameSettings(old.Config, c.Config) || !slices.Equal(old.Labels, c.Labels) {
		change.Action, change.Before = "connection.update", auditConnectionState(old)
		r.recordChange(ctx, change)
	}
	if changes := r.auditSecretChanges(old, put); len(changes) > 0 {
		r.recordChange(ctx, audit.Change{Workspace: c.Workspace, Action: "connection.secret_changed", Target: auditConnectionTarget(c),
			Before: map[string]any{"secrets": auditSecretStates(old)},
			After:  map[string]any{"secrets": auditSecretStates(c), "changes": changes}})
	}
}

// auditSecretChanges says of every secret the save touched whether it was set
// anew, changed or cleared. A secret given its stored value again is not
// a change.
func (r *Runner) auditSecretChanges(old store.Connection, put store.PutConnection) map[string]string {
	out := map[string]string{}
	for path, env := range put.Secrets {
		switch prev, had := old.Secrets[path]; {
		case !had:
			out[path] = "set"
		case !r.sameSecretValue(old.ID, path, prev, env):
			out[path] = "changed"
		}
	}
	for _, path := range put.Clear {
		if _, had := old.Secrets[path]; had {
			out[path] = "cleared"
		}
	}
	return out
}

// sameSecretValue opens two envelopes of one secret and compares the values;
// one that does not open counts as different.
func (r *Runner) sameSecretValue(connectionID, path string, a, b []byte) bool {
	if r.cfg.Keyring == nil {
		return false
	}
	x, errA := r.cfg.Keyring.Open(a, secretAAD(connectionID, path))
	y, errB := r.cfg.Keyring.Open(b, secretAAD(connectionID, path))
	same := errA == nil && errB == nil && bytes.Equal(x, y)
	clear(x)
	clear(y)
	return same
}

// auditConnectionDeleted records deleting a connection.
func (r *Runner) auditConnectionDeleted(ctx context.Context, c store.Connection) {
	r.recordChange(ctx, audit.Change{Workspace: c.Workspace, Action: "connection.delete", Target: auditConnectionTarget(c),
		Before: auditConnectionState(c)})
}

// sameSettings compares two JSON documents by value.
func sameSettings(a, b json.RawMessage) bool {
	return bytes.Equal(audit.CanonicalJSON(a), audit.CanonicalJSON(b))
}
