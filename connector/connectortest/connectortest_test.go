package connectortest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
)

func good() connector.Spec {
	return connector.Spec{
		Name: "demo", Title: "Demo", Version: "1.0.0", Category: "test", Description: "A demo.",
		Config: []connector.Field{
			{Name: "url", Type: connector.String, Required: true, Help: "Where."},
			{Name: "password", Type: connector.String, Secret: true, Help: "Secret."},
		},
		Actions:   []connector.Action{{Name: "send", Title: "Send", Description: "Sends.", Output: "Nothing."}},
		Triggers:  []connector.Trigger{{Name: "new", Kind: connector.Poll, Title: "New", Description: "New rows.", Output: "A row."}},
		Endpoints: []connector.Endpoint{{Field: "url", Format: connector.URLEndpoint}},
	}
}

func TestProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*connector.Spec)
		want   string // part of the only problem; "" for none
	}{
		{"well formed", func(*connector.Spec) {}, ""},
		{"bad name", func(s *connector.Spec) { s.Name = "My DB" }, "connector name"},
		{"no description", func(s *connector.Spec) { s.Description = "" }, "has no description"},
		{"duplicate field", func(s *connector.Spec) { s.Config = append(s.Config, s.Config[0]) }, `"url" is declared twice`},
		{"duplicate action", func(s *connector.Spec) { s.Actions = append(s.Actions, s.Actions[0]) }, `action "send" is declared twice`},
		{"secret with example", func(s *connector.Spec) { s.Config[1].Example = "hunter2" }, "neither a default nor an example"},
		{"secret with default", func(s *connector.Spec) { s.Config[1].Default = "x" }, "neither a default nor an example"},
		{"enum without values", func(s *connector.Spec) { s.Config[0].Type = connector.Enum }, "enum values"},
		{"undocumented field", func(s *connector.Spec) { s.Config[0].Help = "" }, "no help text"},
		{"undocumented action", func(s *connector.Spec) { s.Actions[0].Description = "" }, "needs a title, a description and an output"},
		{"bad trigger kind", func(s *connector.Spec) { s.Triggers[0].Kind = "webhook" }, "poll or push"},
		{"unknown type", func(s *connector.Spec) { s.Config[0].Type = "date" }, "unknown type"},
		{"list without items", func(s *connector.Spec) { s.Config[0].Type = connector.List }, "does not say what its items are"},
		{"default of wrong kind", func(s *connector.Spec) { s.Config[0].Default = 5 }, "has a default that is not valid: 'value' must be text"},
		{"endpoint on missing field", func(s *connector.Spec) { s.Endpoints[0].Field = "host" }, `setting "host", which does not exist`},
		{"endpoint on missing action", func(s *connector.Spec) { s.Endpoints[0].Action = "get" }, `action "get"`},
		{"built in with connection settings", func(s *connector.Spec) { s.BuiltIn = true }, ""},
		{"nothing to do", func(s *connector.Spec) { s.Actions, s.Triggers = nil, nil }, "neither actions nor triggers"},
		{"nested field", func(s *connector.Spec) {
			s.Config = append(s.Config, connector.Field{Name: "auth", Type: connector.Object, Help: "Login.",
				Fields: []connector.Field{{Name: "token", Type: connector.String, Help: "T.", Secret: true, Example: "abc"}}})
		}, `"token" is secret`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := good()
			tt.change(&s)
			got := connectortest.Problems(s)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("problems = %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems = %q, want one containing %q", got, tt.want)
			}
		})
	}
}

// fake is a connector that records whether its connection was closed.
type fake struct {
	spec   connector.Spec
	closed chan struct{}
}

func (f *fake) Spec() connector.Spec { return f.spec }

func (f *fake) Open(context.Context, map[string]any, connector.Env) (connector.Conn, error) {
	return f, nil
}

func (f *fake) Do(context.Context, connector.Request, func(map[string]any) error) error {
	return nil
}

func (f *fake) Close() error {
	close(f.closed)
	return nil
}

func TestCheckOpen(t *testing.T) {
	t.Parallel()
	f := &fake{spec: good(), closed: make(chan struct{})}
	connectortest.CheckOpen(t, f, map[string]any{"url": "https://example.com"})
	select {
	case <-f.closed:
	default:
		t.Error("CheckOpen did not close the connection")
	}
}
