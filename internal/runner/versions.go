package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
)

// ListFlowVersions lists a flow's versions, newest first. A flow of
// another workspace is not found.
func (r *Runner) ListFlowVersions(ctx context.Context, workspace, name string) ([]api.StoredVersion, error) {
	f, err := r.store.GetFlow(ctx, workspace, name)
	if err != nil {
		return nil, err
	}
	vs, err := r.store.ListVersions(ctx, f.ID)
	if err != nil {
		return nil, fmt.Errorf("listing the versions of flow '%s': %w", name, err)
	}
	if len(vs) == 0 { // deleted in between
		return nil, store.ErrNotFound
	}
	// The newest listed is the current one, even when a save came in
	// between the two reads.
	latest := vs[len(vs)-1].Version
	authors := r.versionAuthors(ctx, f)
	out := make([]api.StoredVersion, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		out = append(out, storedVersion(vs[i], latest, authors))
	}
	return out, nil
}

// GetFlowVersion returns one version of a flow with its document.
func (r *Runner) GetFlowVersion(ctx context.Context, workspace, name string, version int) (api.StoredVersion, error) {
	f, err := r.store.GetFlow(ctx, workspace, name)
	if err != nil {
		return api.StoredVersion{}, err
	}
	v, err := r.store.FlowVersion(ctx, f.ID, version)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.StoredVersion{}, &api.NoVersionError{Flow: f.Name, Version: version, Latest: f.Version}
	case err != nil:
		return api.StoredVersion{}, fmt.Errorf("reading version %d of flow '%s': %w", version, name, err)
	}
	return storedVersion(v, max(f.Version, v.Version), r.versionAuthors(ctx, f)), nil
}

func storedVersion(v store.Version, latest int, authors map[int]store.AuditActor) api.StoredVersion {
	out := api.StoredVersion{Version: v, Trigger: documentTrigger(v), Current: v.Version == latest}
	if a := authors[v.Version]; a.ID == v.By {
		out.ByName = a.Name
	}
	return out
}

// documentTrigger reads what starts the flow from a version's document;
// "" when the document can no longer be read.
func documentTrigger(v store.Version) string {
	d, _ := flow.Parse("flow."+v.Format, v.Document)
	if d == nil || d.Flow == nil {
		return ""
	}
	return triggerKind(d.Flow)
}

// versionAuthors maps version numbers to who saved them, from the flow's
// flow.apply events in the audit log: the store keeps only the token's id,
// the log its name too. The log is a help here, not a need: when it
// cannot be read, the names are left out.
func (r *Runner) versionAuthors(ctx context.Context, f store.Flow) map[int]store.AuditActor {
	events, err := r.store.ListAudit(ctx, store.AuditFilter{Workspace: f.Workspace, Action: "flow.apply",
		Target: f.ID, Limit: store.AuditLimit(1 << 30)})
	if err != nil {
		r.log.WarnContext(ctx, "the names of who saved a flow's versions could not be read from the audit log",
			"flow", f.Name, "error", err)
		return nil
	}
	authors := map[int]store.AuditActor{}
	for _, e := range events {
		var after struct {
			Version int `json:"version"`
		}
		if e.Target.ID == f.ID && e.Actor.Name != "" && json.Unmarshal(e.After, &after) == nil && after.Version > 0 {
			authors[after.Version] = e.Actor
		}
	}
	return authors
}
