// Package guard holds the guardrails IT sets once for every workspace:
// the connector catalogue (which connectors are approved, approved with
// review, or blocked, platform-wide and per workspace), builders'
// requests for connectors, and the notifications that tell people of
// answers and of flows a guardrail paused.
package guard

import (
	"fmt"
	"maps"
	"slices"
)

// The statuses of a connector in the catalogue.
const (
	Approved = "approved" // builders use it freely
	Review   = "review"   // builders use it; flows with it are reviewed before they go live
	Blocked  = "blocked"  // builders see it as "request access"; flows with it cannot be saved or run
)

// ValidStatus reports whether s is a catalogue status.
func ValidStatus(s string) bool { return s == Approved || s == Review || s == Blocked }

// Catalogue is IT's connector catalogue. A connector not listed is
// Default (approved unless set). A workspace's entry wins over the
// platform's: IT can block a connector everywhere and approve it for
// one team, or the other way round.
type Catalogue struct {
	// Default is the status of connectors listed nowhere; "" is approved.
	Default string `json:"default,omitempty"`
	// Connectors are the platform-wide statuses, by connector id.
	Connectors map[string]string `json:"connectors,omitempty"`
	// Workspaces are the per-workspace statuses, by workspace id, then
	// connector id.
	Workspaces map[string]map[string]string `json:"workspaces,omitempty"`
}

// Status is the connector's status in the workspace.
func (c Catalogue) Status(workspace, connector string) string {
	if s, ok := c.Workspaces[workspace][connector]; ok {
		return s
	}
	if s, ok := c.Connectors[connector]; ok {
		return s
	}
	if c.Default != "" {
		return c.Default
	}
	return Approved
}

// With returns a copy of the catalogue with the connector's status set in
// the workspace ("" for platform-wide). An empty status removes the entry,
// so the platform's (or the default) applies again.
func (c Catalogue) With(workspace, connector, status string) Catalogue {
	out := Catalogue{Default: c.Default, Connectors: maps.Clone(c.Connectors), Workspaces: map[string]map[string]string{}}
	for ws, m := range c.Workspaces {
		out.Workspaces[ws] = maps.Clone(m)
	}
	m := out.Connectors
	if workspace != "" {
		m = out.Workspaces[workspace]
	}
	if m == nil {
		m = map[string]string{}
	}
	if status == "" {
		delete(m, connector)
	} else {
		m[connector] = status
	}
	switch {
	case workspace == "":
		out.Connectors = m
	case len(m) == 0:
		delete(out.Workspaces, workspace)
	default:
		out.Workspaces[workspace] = m
	}
	return out
}

// check says what is wrong with a catalogue: an unknown status or
// connector.
func (c Catalogue) check(known func(string) bool) error {
	if c.Default != "" && !ValidStatus(c.Default) {
		return fmt.Errorf("the default status '%s' is not one of approved, review, blocked", c.Default)
	}
	lists := map[string]map[string]string{"": c.Connectors}
	for ws, m := range c.Workspaces {
		lists[ws] = m
	}
	for _, ws := range slices.Sorted(maps.Keys(lists)) {
		for _, id := range slices.Sorted(maps.Keys(lists[ws])) {
			where := ""
			if ws != "" {
				where = " in workspace '" + ws + "'"
			}
			if !ValidStatus(lists[ws][id]) {
				return fmt.Errorf("the status '%s' of connector '%s'%s is not one of approved, review, blocked", lists[ws][id], id, where)
			}
			if known != nil && !known(id) {
				return fmt.Errorf("there is no connector '%s'; run 'bistro connectors list' to see them", id)
			}
		}
	}
	return nil
}
