package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// quotaSetting is the installation setting with the workspaces' quotas.
const quotaSetting = "guardrails.quotas"

// Quota is what one workspace may use; 0 is no limit.
type Quota struct {
	RunsPerDay     int `json:"runs_per_day,omitempty"`    // runs started per UTC day
	ConcurrentRuns int `json:"concurrent_runs,omitempty"` // runs executing at once, per server
}

// Quotas returns every workspace's quota.
func (s *Service) Quotas(ctx context.Context) (map[string]Quota, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.quotas != nil && s.cfg.Clock.Now().Sub(s.quotasAt) < refresh {
		return s.quotas, nil
	}
	data, err := s.cfg.Store.Setting(ctx, quotaSetting)
	qs := map[string]Quota{}
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("the quotas: %w", err)
	default:
		if err := json.Unmarshal(data, &qs); err != nil {
			return nil, fmt.Errorf("the quotas are damaged: %w", err)
		}
	}
	s.quotas, s.quotasAt = qs, s.cfg.Clock.Now()
	return qs, nil
}

// Quota is the workspace's quota; the zero Quota when it has none or it
// cannot be read (a quota never stops work because of a hiccup).
func (s *Service) Quota(ctx context.Context, workspace string) Quota {
	qs, err := s.Quotas(ctx)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "the quotas could not be read", "error", err)
	}
	return qs[workspace]
}

// SetQuota sets a workspace's quota; the zero Quota removes it.
func (s *Service) SetQuota(ctx context.Context, workspace string, q Quota) error {
	if q.RunsPerDay < 0 || q.ConcurrentRuns < 0 {
		return refuse(Invalid, "a quota is a number of runs, 0 for no limit")
	}
	if _, err := s.cfg.Store.GetWorkspace(ctx, workspace); errors.Is(err, store.ErrNotFound) {
		return refuse(NotFound, "there is no workspace '%s'", workspace)
	} else if err != nil {
		return err
	}
	before, err := s.Quotas(ctx)
	if err != nil {
		return err
	}
	after := maps.Clone(before)
	if q == (Quota{}) {
		delete(after, workspace)
	} else {
		after[workspace] = q
	}
	data, _ := json.Marshal(after)
	if err := s.cfg.Store.PutSetting(ctx, quotaSetting, data); err != nil {
		return err
	}
	s.mu.Lock()
	s.quotas, s.quotasAt = after, s.cfg.Clock.Now()
	s.mu.Unlock()
	_, err = s.cfg.Audit.Record(ctx, audit.Change{Workspace: workspace, Action: "workspace.quota",
		Target: store.AuditTarget{Kind: "workspace", ID: workspace, Name: workspace}, Before: before[workspace], After: q})
	return err
}

// OverQuota tells the workspace's owners that it reached a quota, once
// a day for each kind.
func (s *Service) OverQuota(ctx context.Context, workspace, message string) {
	day := s.cfg.Clock.Now().UTC().Format(time.DateOnly)
	key := workspace + "\x00" + message
	s.mu.Lock()
	if s.told == nil {
		s.told = map[string]string{}
	}
	if s.told[key] == day {
		s.mu.Unlock()
		return
	}
	s.told[key] = day
	s.mu.Unlock()
	ms, err := s.cfg.Store.ListMembers(ctx, workspace)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "the owners of a workspace over quota could not be told", "workspace", workspace, "error", err)
		return
	}
	var owners []string
	for _, m := range ms {
		if m.Role == store.RoleOwner {
			owners = append(owners, m.UserID)
		}
	}
	if err := s.notify(ctx, owners, workspace, "quota", message, "/runs"); err != nil {
		s.cfg.Logger.WarnContext(ctx, "the owners of a workspace over quota could not be told", "workspace", workspace, "error", err)
	}
}
