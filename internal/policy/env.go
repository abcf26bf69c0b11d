package policy

import (
	"strings"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/flow"
)

// Env is what the check knows beyond the flow document: where it runs,
// its connections, and how to find the flows it calls.
type Env struct {
	// Workspace is the workspace of the flow, for rules limited to some.
	Workspace string
	// Connections are the connections flows may name, by name.
	Connections map[string]Connection
	// Input labels the trigger's input (a webhook's body, a manual run's
	// input) with the classes it holds, written as connection labels are
	// ("personal", "personal:email"). Without labels the input has no
	// class: nothing in a request says what it carries.
	Input []string
	// Connectors returns a connector's spec, to tell which actions write
	// (SideEffects) and to name connectors in messages. Nil: every action
	// counts as one that writes.
	Connectors func(name string) (connector.Spec, bool)
	// Flows finds the flow a call step names, so that the data it is
	// given is followed into it. Nil, or an error: the call is reported
	// as a destination that was not followed.
	Flows func(from *flow.Document, name string) (*flow.Document, error)
}

// Connection is what the check knows of one connection.
type Connection struct {
	// Connector is the connector's id, e.g. "postgres" or "chat".
	Connector string `json:"connector"`
	// Labels are the connection's labels. A label that is a class id (or
	// one of the class's labels) says that the connection's data is of the
	// class; "CLASS:FIELD" says that only that field is; other labels
	// (finance-approved) are for rules of the kind only.
	Labels []string `json:"labels,omitempty"`
	// Hosts are the hosts the connection contacts (see ConnectionHosts),
	// for hosts rules. Empty: not known until it opens.
	Hosts []string `json:"hosts,omitempty"`
	// Title is how messages name what the connection reaches, e.g. "Slack
	// webhook" (see ConnectionTitle). Default: the connector's title.
	Title string `json:"title,omitempty"`
}

// labelled is what labels say about data: classes of the data as a whole
// and of single fields.
type labelled struct {
	whole  []string
	fields map[string][]string
}

// readLabels sorts labels into classes of the whole and of fields;
// labels that name no class are left out.
func (s Set) readLabels(labels []string) labelled {
	var l labelled
	for _, label := range labels {
		name, field, hasField := strings.Cut(label, ":")
		class, ok := s.ClassOfLabel(name)
		field = strings.TrimSpace(field)
		switch {
		case !ok:
		case hasField && field != "":
			if l.fields == nil {
				l.fields = map[string][]string{}
			}
			l.fields[field] = appendNew(l.fields[field], class)
		default:
			l.whole = appendNew(l.whole, class)
		}
	}
	return l
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// hasLabel reports whether labels hold one of want (case does not matter).
func hasLabel(labels, want []string) (string, bool) {
	for _, w := range want {
		for _, l := range labels {
			if strings.EqualFold(strings.TrimSpace(l), w) {
				return w, true
			}
		}
	}
	return "", false
}

// ConnectionTitle is how messages name what a connection of the connector
// reaches: "Slack webhook" or "Microsoft Teams webhook" for chat
// connections, else the connector's title ("PostgreSQL connection").
func ConnectionTitle(spec connector.Spec, config map[string]any) string {
	switch spec.Name {
	case "chat":
		switch config["service"] {
		case "slack":
			return "Slack webhook"
		case "teams":
			return "Microsoft Teams webhook"
		}
		return "team chat webhook"
	case "email":
		return "email server"
	case "http":
		return "HTTP connection"
	}
	if spec.Title == "" {
		return spec.Name + " connection"
	}
	return spec.Title + " connection"
}
