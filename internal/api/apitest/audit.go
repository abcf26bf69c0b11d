package apitest

import (
	"context"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// auditLog is the double's audit log, and who last read it.
type auditLog struct {
	events []store.AuditEvent // oldest first
	actor  store.AuditActor
	source string
}

// AddAuditEvent appends an event to the double's log, numbering it.
func (b *Backend) AddAuditEvent(e store.AuditEvent) store.AuditEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	e.Seq = int64(len(b.audit.events) + 1)
	if e.Time.IsZero() {
		e.Time = T0
	}
	b.audit.events = append(b.audit.events, e)
	return e
}

// AuditReader returns the actor and source the API put in the context of
// the last ListAudit call.
func (b *Backend) AuditReader() (store.AuditActor, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.audit.actor, b.audit.source
}

// ListAudit filters the double's log as the stores do.
func (b *Backend) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	if err := b.fail("ListAudit"); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.audit.actor, b.audit.source = audit.ActorFrom(ctx)
	var out []store.AuditEvent
	for _, e := range b.audit.events {
		if auditMatches(e, f) {
			out = append(out, e)
		}
	}
	if !f.Oldest {
		slices.Reverse(out)
	}
	return out[:min(len(out), store.AuditLimit(f.Limit))], nil
}

func auditMatches(e store.AuditEvent, f store.AuditFilter) bool {
	either := func(want string, values ...string) bool { return want == "" || slices.Contains(values, want) }
	return (f.Workspace == "" || e.Workspace == f.Workspace || e.Workspace == "") &&
		(f.Action == "" || e.Action == f.Action || strings.HasPrefix(e.Action, f.Action+".")) &&
		either(f.Target, e.Target.ID, e.Target.Name) && either(f.Actor, e.Actor.ID, e.Actor.Name) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) && (f.Until.IsZero() || e.Time.Before(f.Until)) &&
		(f.Before == 0 || e.Seq < f.Before) && e.Seq > f.After
}
