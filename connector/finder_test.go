package connector_test

import (
	"context"
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

type specOnly connector.Spec

func (s specOnly) Spec() connector.Spec { return connector.Spec(s) }
func (specOnly) Open(context.Context, map[string]any, connector.Env) (connector.Conn, error) {
	return nil, nil
}

func TestFinder(t *testing.T) {
	t.Parallel()
	all := map[string]connector.Connector{
		"crm":   specOnly(crm),
		"http":  specOnly{Name: "http", BuiltIn: true, Actions: []connector.Action{{Name: "request"}}},
		"queue": specOnly{Name: "queue", Triggers: []connector.Trigger{{Name: "messages", Kind: connector.Push}}},
	}
	find := connector.Finder(func(name string) (connector.Connector, bool) { c, ok := all[name]; return c, ok })
	for id, want := range map[string]bool{"crm.upsert_contact": true, "crm.nope": false, "http.request": false,
		"nope.upsert_contact": false, "crm": false, "": false} {
		if _, ok := find.Action(id); ok != want {
			t.Errorf("Action(%q) found = %v, want %v", id, ok, want)
		}
	}
	if tr, ok := find.Trigger("queue.messages"); !ok || tr.Kind != connector.Push {
		t.Errorf("Trigger(queue.messages) = %+v, %v", tr, ok)
	}
	if _, ok := find.Trigger("crm.messages"); ok {
		t.Error("Trigger found a trigger the connector does not have")
	}
	if _, ok := connector.Finder(nil).Action("crm.upsert_contact"); ok {
		t.Error("a nil Finder found an action")
	}
}
