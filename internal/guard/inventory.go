package guard

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/schedule"
	"github.com/bistro-dev/bistro/internal/store"
)

// statsWindow is how far back the inventory counts runs.
const statsWindow = 7 * 24 * time.Hour

// Item is one flow of the inventory: what IT sees of every flow in every
// workspace.
type Item struct {
	Workspace  string
	Flow       string
	Enabled    bool
	Trigger    string
	Version    int
	UpdatedAt  time.Time
	OwnerID    string
	OwnerEmail string
	// Orphaned is a flow whose owner left (deactivated) or that has none.
	Orphaned    bool
	Connectors  []string
	Connections []string
	// Destinations are where the flow sends data: http hosts, the
	// connections of actions that write or send, "computed at run time"
	// for an address from an expression.
	Destinations []string
	LastRunAt    time.Time
	RunsPerDay   float64 // over the last 7 days
	FailureRate  float64 // of those runs, 0 to 1
	Risk         Risk
}

// Risk scores what a flow touches, 0 to 100, with the reasons.
type Risk struct {
	Score   int
	Level   string // low (< 30), medium (< 60), high
	Reasons []string
}

// Inventory lists every flow in every workspace, by workspace and name.
func (s *Service) Inventory(ctx context.Context) ([]Item, error) {
	wss, err := s.cfg.Store.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.cfg.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]store.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	stats, err := s.cfg.Store.FlowRunStats(ctx, s.cfg.Clock.Now().Add(-statsWindow))
	if err != nil {
		return nil, err
	}
	cat, err := s.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, ws := range wss {
		flows, err := s.cfg.Store.ListFlows(ctx, ws.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range flows {
			owner, known := byID[f.Owner]
			it := Item{Workspace: ws.ID, Flow: f.Name, Enabled: f.Enabled, Trigger: f.Trigger, Version: f.Version,
				UpdatedAt: f.UpdatedAt, OwnerID: f.Owner, OwnerEmail: owner.Email, Orphaned: !known || !owner.Active}
			st := stats[f.ID]
			it.LastRunAt, it.RunsPerDay = st.LastRunAt, float64(st.Runs)/7
			if st.Runs > 0 {
				it.FailureRate = float64(st.Failed) / float64(st.Runs)
			}
			if doc, diags := flow.Parse(f.Name, f.Document); !diags.HasErrors() && doc != nil && doc.Flow != nil {
				it.describe(doc.Flow, cat)
			}
			out = append(out, it)
		}
	}
	return out, nil
}

// sending are connectors whose actions take data out of the company.
var sending = []string{"chat", "email", "http", "mqtt", "nats", "rabbitmq"}

// describe fills in what the flow's document says: connectors,
// connections, destinations and the risk.
func (it *Item) describe(f *flow.Flow, cat Catalogue) {
	it.Connectors = f.Connectors()
	var reasons []string
	score := 0
	add := func(points int, reason string) {
		score += points
		reasons = append(reasons, reason)
	}
	computed, hosts := false, 0
	flow.Walk(f.Steps, func(st *flow.Step) {
		if st.Connection != "" && !slices.Contains(it.Connections, st.Connection) {
			it.Connections = append(it.Connections, st.Connection)
		}
		switch {
		case st.HTTP != nil:
			if st.HTTP.Connection != "" && !slices.Contains(it.Connections, st.HTTP.Connection) {
				it.Connections = append(it.Connections, st.HTTP.Connection)
			}
			dest := "computed at run time"
			if strings.Contains(st.HTTP.URL, "{{") && st.HTTP.Connection == "" {
				computed = true
			} else if st.HTTP.Connection != "" {
				dest = "connection " + st.HTTP.Connection
			} else if u, err := url.Parse(st.HTTP.URL); err == nil && u.Host != "" {
				dest = u.Hostname()
			}
			if !slices.Contains(it.Destinations, dest) {
				it.Destinations = append(it.Destinations, dest)
				if dest != "computed at run time" {
					hosts++
				}
			}
		case st.Action != "" && slices.Contains(sending, flow.ConnectorOf(st.Action)):
			dest := flow.ConnectorOf(st.Action)
			if st.Connection != "" {
				dest += " via " + st.Connection
			}
			if !slices.Contains(it.Destinations, dest) {
				it.Destinations = append(it.Destinations, dest)
			}
		}
	})
	if f.Trigger.Event != nil && f.Trigger.Event.Connection != "" && !slices.Contains(it.Connections, f.Trigger.Event.Connection) {
		it.Connections = append(it.Connections, f.Trigger.Event.Connection)
	}
	slices.Sort(it.Connections)
	slices.Sort(it.Destinations)

	if hosts > 0 {
		add(min(15*hosts, 30), fmt.Sprintf("calls %d web address(es) outside Bistro", hosts))
	}
	if computed {
		add(15, "calls an address computed at run time")
	}
	for _, c := range it.Connectors {
		if c != "http" && slices.Contains(sending, c) {
			add(15, "sends messages with "+c)
		}
		if cat.Status(it.Workspace, c) == Review {
			add(20, "uses "+c+", which IT reviews")
		}
	}
	if f.Trigger.Schedule != nil {
		if sc, err := schedule.New(f.Trigger.Schedule); err == nil && sc.MinInterval() < time.Hour {
			add(10, fmt.Sprintf("runs every %s", sc.MinInterval()))
		}
	}
	if it.RunsPerDay > 1000 {
		add(10, fmt.Sprintf("runs %.0f times a day", it.RunsPerDay))
	}
	it.Risk = Risk{Score: min(score, 100), Reasons: reasons}
	switch {
	case it.Risk.Score < 30:
		it.Risk.Level = "low"
	case it.Risk.Score < 60:
		it.Risk.Level = "medium"
	default:
		it.Risk.Level = "high"
	}
}

// Reassign hands a flow to another person: an active platform admin or an
// active builder (or owner) of the flow's workspace.
func (s *Service) Reassign(ctx context.Context, workspace, name, userID string) (store.Flow, error) {
	f, err := s.cfg.Store.GetFlow(ctx, workspace, name)
	if errors.Is(err, store.ErrNotFound) {
		return f, refuse(NotFound, "there is no flow '%s' in workspace '%s'", name, workspace)
	} else if err != nil {
		return f, err
	}
	u, err := s.cfg.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !u.Active {
		return f, refuse(Invalid, "there is no active person with the id '%s'", userID)
	} else if err != nil {
		return f, err
	}
	if !u.Admin {
		ms, err := s.cfg.Store.Memberships(ctx, u.ID)
		if err != nil {
			return f, err
		}
		ok := slices.ContainsFunc(ms, func(m store.Member) bool {
			return m.Workspace == workspace && (m.Role == store.RoleBuilder || m.Role == store.RoleOwner)
		})
		if !ok {
			return f, refuse(Invalid, "%s is not a builder or owner of workspace '%s', so they cannot own its flows", u.Email, workspace)
		}
	}
	before := f.Owner
	if err := s.cfg.Store.SetFlowOwner(ctx, f.ID, u.ID); err != nil {
		return f, err
	}
	f.Owner = u.ID
	_, err = s.cfg.Audit.Record(ctx, audit.Change{Workspace: workspace, Action: "flow.owner",
		Target: store.AuditTarget{Kind: "flow", ID: f.ID, Name: f.Name},
		Before: map[string]string{"owner": before}, After: map[string]string{"owner": u.ID}})
	if err != nil {
		return f, err
	}
	return f, s.notify(ctx, []string{u.ID}, workspace, "flow_owner",
		fmt.Sprintf("You now own the flow '%s' in workspace '%s'.", f.Name, workspace), "/flows/"+f.Name)
}
