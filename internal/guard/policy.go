package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/policy"
	"github.com/bistro-dev/bistro/internal/store"
)

// policySetting holds the data policy as IT wrote it (YAML or JSON).
const policySetting = "guardrails.policy"

// storedPolicy is the policy document and the file name it came from.
type storedPolicy struct {
	File     string `json:"file"`
	Document string `json:"document"`
}

// PolicyDocument returns the data policy as IT wrote it; "" when none
// was saved (then no data policy applies on the server).
func (s *Service) PolicyDocument(ctx context.Context) (file, document string, err error) {
	data, err := s.cfg.Store.Setting(ctx, policySetting)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	var p storedPolicy
	if err := json.Unmarshal(data, &p); err != nil {
		return "", "", fmt.Errorf("the data policy is damaged: %w", err)
	}
	return p.File, p.Document, nil
}

// policy is the parsed data policy; ok false when none was saved.
func (s *Service) policy(ctx context.Context) (policy.Set, bool, error) {
	file, doc, err := s.PolicyDocument(ctx)
	if err != nil || doc == "" {
		return policy.Set{}, false, err
	}
	set, err := policy.Parse([]byte(doc), file)
	if err != nil {
		return policy.Set{}, false, fmt.Errorf("the saved data policy no longer reads: %w", err)
	}
	return set, true, nil
}

// SetPolicy saves a new data policy after checking it; every enabled
// flow that breaks it is paused and its owner told. The flows paused are
// returned.
func (s *Service) SetPolicy(ctx context.Context, file, document string, find func(string) (connector.Spec, bool)) ([]Paused, error) {
	if file == "" {
		file = "policy.yaml"
	}
	set, err := policy.Parse([]byte(document), file)
	if err != nil {
		return nil, refuse(Invalid, "%v", err)
	}
	beforeFile, before, err := s.PolicyDocument(ctx)
	if err != nil {
		return nil, err
	}
	data, _ := json.Marshal(storedPolicy{File: file, Document: document})
	if err := s.cfg.Store.PutSetting(ctx, policySetting, data); err != nil {
		return nil, err
	}
	if _, err := s.cfg.Audit.Record(ctx, audit.Change{Action: "policy.change", Target: store.AuditTarget{Kind: "policy", ID: policySetting, Name: "data policy"},
		Before: map[string]string{"file": beforeFile, "document": before}, After: map[string]string{"file": file, "document": document}}); err != nil {
		return nil, err
	}
	wss, err := s.cfg.Store.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	var paused []Paused
	for _, ws := range wss {
		flows, err := s.cfg.Store.ListFlows(ctx, ws.ID)
		if err != nil {
			return paused, err
		}
		env, err := s.policyEnv(ctx, ws.ID, find)
		if err != nil {
			return paused, err
		}
		for _, f := range flows {
			if !f.Enabled {
				continue
			}
			doc, diags := flow.Parse(f.Name, f.Document)
			if diags.HasErrors() || doc == nil || doc.Flow == nil {
				continue
			}
			rep := set.Check(doc, env)
			if !rep.Blocked() {
				continue
			}
			if err := s.pause(ctx, f); err != nil {
				return paused, err
			}
			p := Paused{Workspace: ws.ID, Flow: f.Name, Reason: rep.Violations[0].Message}
			paused = append(paused, p)
			msg := fmt.Sprintf("Your flow '%s' in workspace '%s' was paused because the data policy changed: %s", f.Name, ws.ID, p.Reason)
			if err := s.notifyOwners(ctx, f, "flow_suspended", msg, "/flows/"+f.Name); err != nil {
				return paused, err
			}
		}
	}
	return paused, nil
}

// policyEnv is what the check needs to know of a workspace: its
// connections, their connectors and labels.
func (s *Service) policyEnv(ctx context.Context, workspace string, find func(string) (connector.Spec, bool)) (policy.Env, error) {
	cs, err := s.cfg.Store.ListConnections(ctx, workspace)
	if err != nil {
		return policy.Env{}, err
	}
	env := policy.Env{Workspace: workspace, Connections: map[string]policy.Connection{}, Connectors: find}
	for _, c := range cs {
		pc := policy.Connection{Connector: c.Connector, Labels: c.Labels}
		if find != nil {
			if spec, ok := find(c.Connector); ok {
				var config map[string]any
				_ = json.Unmarshal(c.Config, &config)
				pc.Hosts, pc.Title = policy.ConnectionHosts(spec, config), policy.ConnectionTitle(spec, config)
			}
		}
		env.Connections[c.Name] = pc
	}
	return env, nil
}

// CheckPolicy checks a flow of the workspace against the data policy and
// returns its violations as diagnostics of the given severity (errors
// where they block, warnings while editing); none without a policy.
func (s *Service) CheckPolicy(ctx context.Context, workspace string, doc *flow.Document, sev flow.Severity, find func(string) (connector.Spec, bool)) (flow.Diagnostics, error) {
	set, ok, err := s.policy(ctx)
	if err != nil || !ok || doc == nil || doc.Flow == nil {
		return nil, err
	}
	env, err := s.policyEnv(ctx, workspace, find)
	if err != nil {
		return nil, err
	}
	rep := set.Check(doc, env)
	if !rep.Blocked() {
		return nil, nil
	}
	return rep.Diagnostics(doc, sev), nil
}
