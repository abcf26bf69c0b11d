// Package policy is the engine of Bistro's data guardrails: the classes of
// data an admin defines, the rules over where each class may go, and the
// check that reads a flow as a graph and works out, for every step that
// sends data somewhere, which classes can reach it and along which path.
//
// The same check runs while a flow is edited (its violations are
// warnings), when it is published and when it runs (they block). It is a
// pure function of the flow document, the policy Set and what the caller
// knows of the connections (Env): no I/O, no clock.
package policy

import (
	"slices"
	"strings"
)

// Set is one policy: everything an admin decides about data. It is stored
// as one document (YAML or JSON); see Parse and Default.
type Set struct {
	// Classes are the kinds of data the policy speaks of. A connection is
	// labelled with the classes it holds.
	Classes []Class `json:"classes"`
	// Groups name sets of connectors, so rules can speak of "external
	// messaging" rather than list connectors.
	Groups []Group `json:"groups,omitempty"`
	// Rules say where classes may go, which hosts HTTP steps may call and
	// how often schedules may fire.
	Rules []Rule `json:"rules,omitempty"`
	// Declassify says which steps may take a class off the data they
	// transform: dropping, masking or hashing fields.
	Declassify Declassify `json:"declassify"`
}

// Class is a class of data, such as personal data.
type Class struct {
	// ID is how labels and rules name the class: lower case letters,
	// digits, '-' and '_', e.g. "personal".
	ID string `json:"id"`
	// Name is what people read, e.g. "personal data".
	Name string `json:"name"`
	// Description says what belongs to the class.
	Description string `json:"description,omitempty"`
	// Labels are other connection labels that mean this class, e.g. "pii"
	// for personal data.
	Labels []string `json:"labels,omitempty"`
}

// Group is a named set of connectors, e.g. "external messaging".
type Group struct {
	// Name is how rules name the group.
	Name string `json:"name"`
	// Description says why these connectors belong together.
	Description string `json:"description,omitempty"`
	// Connectors are connector ids, e.g. "chat" and "email".
	Connectors []string `json:"connectors"`
}

// Rule is one guardrail. It has exactly one of Deny, Only, Hosts and
// Schedule.
type Rule struct {
	// ID names the rule in reports and in the audit log.
	ID string `json:"id"`
	// Name says the rule in plain words, e.g. "no personal data to
	// external messaging". Default: the id.
	Name string `json:"name,omitempty"`
	// Description says why the rule exists.
	Description string `json:"description,omitempty"`
	// Workspaces limit the rule to flows of these workspaces. Empty: every
	// workspace.
	Workspaces []string `json:"workspaces,omitempty"`

	// Deny: these classes may not reach these destinations.
	Deny *DenyRule `json:"deny,omitempty"`
	// Only: these classes may reach only connections carrying a label.
	Only *OnlyRule `json:"only,omitempty"`
	// Hosts: these connectors may only contact hosts matching a pattern.
	Hosts *HostsRule `json:"hosts,omitempty"`
	// Schedule: scheduled flows may not run more often than this.
	Schedule *ScheduleRule `json:"schedule,omitempty"`
}

// DenyRule forbids classes to reach destinations.
type DenyRule struct {
	// Classes are the class ids the rule is about.
	Classes []string `json:"classes"`
	// To are the forbidden destinations.
	To Targets `json:"to"`
}

// Targets are destinations: a destination matches when it matches any of
// the lists.
type Targets struct {
	// Groups are connector groups by name.
	Groups []string `json:"groups,omitempty"`
	// Connectors are connector ids, e.g. "chat" or "http".
	Connectors []string `json:"connectors,omitempty"`
	// Connections are connection names.
	Connections []string `json:"connections,omitempty"`
	// Hosts are host patterns such as "*.example.com"; a destination whose
	// host is computed at run time is checked then.
	Hosts []string `json:"hosts,omitempty"`
	// Kinds are kinds of destination: action, http, respond (the reply
	// to a webhook's caller) and call (another flow).
	Kinds []string `json:"kinds,omitempty"`
}

// OnlyRule lets classes reach only connections that carry one of the
// labels. Destinations that are no connection (an HTTP step without a
// connection, a webhook reply) do not carry labels, so they are refused
// too.
type OnlyRule struct {
	// Classes are the class ids the rule is about.
	Classes []string `json:"classes"`
	// Labels are the labels of which a connection must carry at least one,
	// e.g. "finance-approved".
	Labels []string `json:"labels"`
}

// HostsRule allows connectors to contact only some hosts.
type HostsRule struct {
	// Allow are host patterns: "api.example.com", "*.example.com" (any
	// host below example.com, not example.com itself) or "*".
	Allow []string `json:"allow"`
	// Connectors are the connector ids the rule applies to. Default:
	// http, the HTTP step and http connections.
	Connectors []string `json:"connectors,omitempty"`
}

// ScheduleRule sets the shortest time between two runs of a scheduled
// flow.
type ScheduleRule struct {
	// MinInterval is a duration such as "5m".
	MinInterval string `json:"min_interval"`
}

// Declassify says which ways of transforming data may take its class off.
type Declassify struct {
	// Drop: a field a step removes (remove, keep, a set that overwrites
	// it, a group that leaves it out) no longer carries its class. When
	// not allowed, the class stays with the record as a whole.
	Drop Declassifier `json:"drop"`
	// Mask: a field set to a masked value (at most four characters of it,
	// e.g. {{ substring(record.card, -4) }}) no longer carries the class.
	Mask Declassifier `json:"mask"`
	// Hash: a field set to a hash ({{ sha256(record.email) }}, md5,
	// hmac_sha256) no longer carries the class.
	Hash Declassifier `json:"hash"`
}

// Declassifier is one way of declassifying.
type Declassifier struct {
	// Allow lets this way take classes off.
	Allow bool `json:"allow"`
	// Classes limit it to these class ids. Empty: every class.
	Classes []string `json:"classes,omitempty"`
}

// allows reports whether this way takes class off.
func (d Declassifier) allows(class string) bool {
	return d.Allow && (len(d.Classes) == 0 || slices.Contains(d.Classes, class))
}

// The ids of the default classes.
const (
	Public       = "public"
	Internal     = "internal"
	Confidential = "confidential"
	Personal     = "personal"
	Financial    = "financial"
	Health       = "health"
)

// ExternalMessaging is the name of the default group of connectors that
// send messages to people: team chat and email.
const ExternalMessaging = "external messaging"

// Default is the policy a new installation starts with: the six classes,
// the group "external messaging", one rule keeping personal and health
// data out of it, and declassification by dropping fields only. Labels
// are opt-in, so the rule only bites once connections are labelled.
func Default() Set {
	return Set{
		Classes:    DefaultClasses(),
		Groups:     DefaultGroups(),
		Rules:      DefaultRules(),
		Declassify: DefaultDeclassify(),
	}
}

// DefaultClasses are the classes of Default.
func DefaultClasses() []Class {
	return []Class{
		{ID: Public, Name: "public data", Description: "Anything that may be published: prices, opening hours, press releases."},
		{ID: Internal, Name: "internal data", Description: "For everyone in the company, not for outsiders: org charts, internal announcements."},
		{ID: Confidential, Name: "confidential data", Description: "For the people who need it: contracts, plans, unreleased figures."},
		{ID: Personal, Name: "personal data", Labels: []string{"pii"},
			Description: "Anything about an identifiable person: names, email addresses, phone numbers, national ids."},
		{ID: Financial, Name: "financial data", Description: "Bank accounts, payment cards, salaries, invoices, ledgers."},
		{ID: Health, Name: "health data", Labels: []string{"phi"}, Description: "Anything about a person's health: sick notes, diagnoses, insurance claims."},
	}
}

// DefaultGroups are the groups of Default.
func DefaultGroups() []Group {
	return []Group{{Name: ExternalMessaging, Connectors: []string{"chat", "email"},
		Description: "Connectors that send messages to people: team chat channels and email."}}
}

// DefaultRules are the rules of Default.
func DefaultRules() []Rule {
	return []Rule{{ID: "no-personal-to-external-messaging", Name: "no personal data to external messaging",
		Description: "Messages are read by people outside the flow's control; personal and health data stay out of them.",
		Deny:        &DenyRule{Classes: []string{Personal, Health}, To: Targets{Groups: []string{ExternalMessaging}}}}}
}

// DefaultDeclassify lets removing a field take its class off, and
// nothing else.
func DefaultDeclassify() Declassify {
	return Declassify{Drop: Declassifier{Allow: true}}
}

// Class returns the class with the given id.
func (s Set) Class(id string) (Class, bool) {
	for _, c := range s.Classes {
		if c.ID == id {
			return c, true
		}
	}
	return Class{}, false
}

// ClassName is the class's name for messages: "personal data"; a class
// the set does not define is "ID data".
func (s Set) ClassName(id string) string {
	if c, ok := s.Class(id); ok && c.Name != "" {
		return c.Name
	}
	return id + " data"
}

// ClassOfLabel returns the id of the class a connection label means: a
// label equal to a class id or to one of its labels. Case does not matter.
func (s Set) ClassOfLabel(label string) (string, bool) {
	label = strings.ToLower(strings.TrimSpace(label))
	for _, c := range s.Classes {
		if strings.ToLower(c.ID) == label {
			return c.ID, true
		}
		for _, l := range c.Labels {
			if strings.ToLower(l) == label {
				return c.ID, true
			}
		}
	}
	return "", false
}

// Group returns the group with the given name.
func (s Set) Group(name string) (Group, bool) {
	for _, g := range s.Groups {
		if strings.EqualFold(g.Name, name) {
			return g, true
		}
	}
	return Group{}, false
}

// title is the rule's name for messages.
func (r Rule) title() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// appliesIn reports whether the rule applies to flows of a workspace.
func (r Rule) appliesIn(workspace string) bool {
	if len(r.Workspaces) == 0 {
		return true
	}
	for _, w := range r.Workspaces {
		if strings.EqualFold(w, workspace) {
			return true
		}
	}
	return false
}

// kinds lists the kinds a rule has, for errors.
func (r Rule) kinds() []string {
	var out []string
	if r.Deny != nil {
		out = append(out, "deny")
	}
	if r.Only != nil {
		out = append(out, "only")
	}
	if r.Hosts != nil {
		out = append(out, "hosts")
	}
	if r.Schedule != nil {
		out = append(out, "schedule")
	}
	return out
}
