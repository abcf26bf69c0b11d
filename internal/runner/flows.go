package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/audit"
	"path/filepath"
	"strings"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/bistro-dev/bistro/internal/store"
)

// ApplyFlow validates and saves a flow document. Call targets must be the
// names of flows that exist in the workspace.
func (r *Runner) ApplyFlow(ctx context.Context, workspace, file string, doc []byte, by string) (store.Flow, bool, error) {
	d, diags := flow.Load(file, doc, r.specOptions(flow.Options{
		AllowedEnv:  r.cfg.AllowedEnv,
		ResolveFlow: r.resolver(ctx, workspace),
		Connection:  r.connectionCheck(ctx, workspace),
		Connector:   r.allowed(ctx, workspace),
	}))
	if diags.HasErrors() || d == nil || d.Flow == nil {
		return store.Flow{}, false, &api.ApplyError{Diagnostics: diags}
	}
	if r.cfg.PolicyCheck != nil {
		pd, err := r.cfg.PolicyCheck(ctx, workspace, d)
		if err != nil {
			return store.Flow{}, false, err
		}
		if pd.HasErrors() {
			return store.Flow{}, false, &api.ApplyError{Diagnostics: pd}
		}
	}
	f, changed, err := r.store.PutFlow(ctx, store.PutFlow{
		Workspace: workspace, Name: d.Flow.Name, Document: doc,
		Format: formatOf(file, doc), Trigger: triggerKind(d.Flow), By: by, Owner: ownerOf(ctx),
	})
	if err != nil {
		return store.Flow{}, false, fmt.Errorf("saving the flow: %w", err)
	}
	if changed {
		r.auditFlowApplied(ctx, f)
		r.hooks.forget()
		r.scheduleFlow(ctx, f)
		r.eventFlow(f)
	}
	return f, changed, nil
}

// allowed asks IT's catalogue about a connector for validation.
func (r *Runner) allowed(ctx context.Context, workspace string) func(id string) error {
	if r.cfg.Allowed == nil {
		return nil
	}
	return func(id string) error { return r.cfg.Allowed(ctx, workspace, id) }
}

// allowedAll asks IT's catalogue about every connector a flow uses.
func (r *Runner) allowedAll(ctx context.Context, workspace string, connectors []string) error {
	if r.cfg.Allowed == nil {
		return nil
	}
	for _, id := range connectors {
		if err := r.cfg.Allowed(ctx, workspace, id); err != nil {
			return err
		}
	}
	return nil
}

// resolver checks call targets: on the server they are flow names.
func (r *Runner) resolver(ctx context.Context, workspace string) func(*flow.Document, string) error {
	return func(_ *flow.Document, name string) error {
		_, err := r.store.GetFlow(ctx, workspace, name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("there is no flow called '%s' on the server; apply it first", name)
		}
		return err
	}
}

// formatOf says whether the document is JSON or YAML, from the file name
// or, without one, from its first character.
func formatOf(file string, doc []byte) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".json":
		return "json"
	case ".yaml", ".yml":
		return "yaml"
	}
	if t := bytes.TrimSpace(doc); len(t) > 0 && t[0] == '{' {
		return "json"
	}
	return "yaml"
}

// triggerKind is what the store keeps of a flow's trigger.
func triggerKind(f *flow.Flow) string {
	switch {
	case f.Trigger.Webhook != nil:
		return "webhook"
	case f.Trigger.Schedule != nil:
		return "schedule"
	case f.Trigger.Event != nil:
		return "event"
	}
	return "manual"
}

// ListFlows lists the workspace's flows.
func (r *Runner) ListFlows(ctx context.Context, workspace string) ([]store.Flow, error) {
	return r.store.ListFlows(ctx, workspace)
}

// GetFlow returns a flow by name.
func (r *Runner) GetFlow(ctx context.Context, workspace, name string) (store.Flow, error) {
	return r.store.GetFlow(ctx, workspace, name)
}

// SetFlowEnabled turns a flow's triggers on or off.
func (r *Runner) SetFlowEnabled(ctx context.Context, workspace, name string, enabled bool) error {
	f, err := r.store.GetFlow(ctx, workspace, name)
	if err != nil {
		return err
	}
	if enabled {
		if err := r.allowedAll(ctx, f.Workspace, guard.Uses(f)); err != nil {
			return fmt.Errorf("the flow '%s' cannot be turned on: %w", f.Name, err)
		}
	}
	if err := r.store.SetFlowEnabled(ctx, f.ID, enabled); err != nil {
		return err
	}
	r.auditFlowEnabled(ctx, f, enabled)
	f.Enabled = enabled
	r.hooks.forget()
	r.scheduleFlow(ctx, f)
	r.eventFlow(f)
	return nil
}

// DeleteFlow deletes a flow by name; its schedule stops.
func (r *Runner) DeleteFlow(ctx context.Context, workspace, name string) error {
	f, err := r.store.GetFlow(ctx, workspace, name)
	if err != nil {
		return err
	}
	if err := r.store.DeleteFlow(ctx, f.ID); err != nil {
		return err
	}
	r.auditFlowDeleted(ctx, f)
	r.hooks.forget()
	r.sched.Remove(f.ID)
	f.Enabled = false
	r.eventFlow(f)
	return nil
}

// ownerOf is the person a new flow belongs to: the one applying it, when
// a person (not an installation token) is.
func ownerOf(ctx context.Context) string {
	if actor, _ := audit.ActorFrom(ctx); actor.Kind == "user" {
		return actor.ID
	}
	return ""
}

// allFlows lists the flows of every workspace, for what runs on its own
// (schedules, event listeners).
func (r *Runner) allFlows(ctx context.Context) ([]store.Flow, error) {
	wss, err := r.store.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Flow
	for _, w := range wss {
		fs, err := r.store.ListFlows(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}
