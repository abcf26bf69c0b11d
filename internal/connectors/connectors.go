// Package connectors is the one explicit list of Bistro's built-in
// connectors, and what is derived from the list as a whole: which actions
// exist and the index of the reference docs.
package connectors

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/amqp"
	"github.com/bistro-dev/bistro/internal/connectors/chat"
	"github.com/bistro-dev/bistro/internal/connectors/email"
	"github.com/bistro-dev/bistro/internal/connectors/files"
	"github.com/bistro-dev/bistro/internal/connectors/mqtt"
	"github.com/bistro-dev/bistro/internal/connectors/mysql"
	"github.com/bistro-dev/bistro/internal/connectors/nats"
	"github.com/bistro-dev/bistro/internal/connectors/postgres"
	"github.com/bistro-dev/bistro/internal/connectors/redis"
	"github.com/bistro-dev/bistro/internal/connectors/sqlite"
)

// Builtin returns the connectors Bistro ships with that connections are
// made of. A new connector is added here, one line, nowhere else.
func Builtin() []connector.Connector {
	return []connector.Connector{
		amqp.New(),
		chat.New(),
		email.New(),
		files.New(),
		NewHTTP(),
		mqtt.New(),
		mysql.New(),
		nats.New(),
		postgres.New(),
		redis.New(),
		sqlite.New(),
	}
}

// All returns the specs of the built-in connectors, the http step's
// included, ordered by name.
func All() []connector.Spec {
	var specs []connector.Spec
	for _, c := range Builtin() {
		specs = append(specs, c.Spec())
	}
	slices.SortFunc(specs, func(a, b connector.Spec) int { return cmp.Compare(a.Name, b.Name) })
	return specs
}

// Find returns the connector called name, for opening connections.
func Find(name string) (connector.Connector, bool) {
	for _, c := range Builtin() {
		if c.Spec().Name == name {
			return c, true
		}
	}
	return nil, false
}

// Lookup returns the connector with the given name.
func Lookup(name string) (connector.Spec, bool) {
	for _, s := range All() {
		if s.Name == name {
			return s, true
		}
	}
	return connector.Spec{}, false
}

// HasAction reports whether a flow's "action: connector.action" names an
// action a flow can run (see connector.Finder.Action).
func HasAction(id string) bool {
	_, ok := connector.Finder(Find).Action(id)
	return ok
}

// Source returns the trigger an event trigger names as
// "connector.trigger", e.g. "redis.stream".
func Source(id string) (connector.Trigger, bool) {
	return connector.Finder(Find).Trigger(id)
}

// Index is docs/connectors/README.md: the list of connectors with links to
// their reference pages.
func Index(specs []connector.Spec) string {
	var b strings.Builder
	b.WriteString("<!-- Generated from the connectors' specs. Do not edit. -->\n\n# Connectors\n\n")
	b.WriteString("Every connector's page is generated from its spec; `bistro connectors list` shows the same list.\n\n")
	b.WriteString("| Connector | Category | Actions | Description |\n|---|---|---|---|\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "| [%s](%s.md) (`%s`) | %s | %s | %s |\n", s.Title, s.Name, s.Name, s.Category, strings.Join(ActionIDs(s), ", "), s.Description)
	}
	return b.String()
}

// ActionIDs are the names flows use for the connector's actions.
func ActionIDs(s connector.Spec) []string {
	ids := make([]string, len(s.Actions))
	for i, a := range s.Actions {
		ids[i] = s.ID(a)
	}
	return ids
}
