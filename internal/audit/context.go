package audit

import (
	"context"

	"github.com/bistro-dev/bistro/internal/store"
)

// System is the actor of changes no person asked for (none today but
// those made outside a request).
var System = store.AuditActor{Kind: "system", ID: "bistro", Name: "Bistro"}

type actorKey struct{}

type actorValue struct {
	actor  store.AuditActor
	source string
}

// WithActor returns a context saying who is making changes and from where
// (e.g. the client's IP address): the API sets it for every authenticated
// request, and every event recorded with the context carries it.
func WithActor(ctx context.Context, actor store.AuditActor, source string) context.Context {
	return context.WithValue(ctx, actorKey{}, actorValue{actor: actor, source: source})
}

// ActorFrom returns the actor and source of the context: System and ""
// when none was set.
func ActorFrom(ctx context.Context) (store.AuditActor, string) {
	v, ok := ctx.Value(actorKey{}).(actorValue)
	if !ok {
		return System, ""
	}
	return v.actor, v.source
}
