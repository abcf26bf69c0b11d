package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/danielgtaylor/huma/v2"
)

// What the flow editor in the web app needs: the connectors' specs with
// their JSON Schemas (to build forms), a check of a document without
// saving it, and the refusal to save over a flow that changed meanwhile.

// ConnectorInfo is a connector's spec as the editor reads it.
type ConnectorInfo struct {
	Name         string         `json:"name" doc:"The connector's id, e.g. postgres"`
	Title        string         `json:"title" doc:"The name people read, e.g. PostgreSQL"`
	Version      string         `json:"version" doc:"The version of the connector's spec"`
	Category     string         `json:"category" doc:"Groups connectors in lists, e.g. database"`
	Description  string         `json:"description"`
	BuiltIn      bool           `json:"built_in" doc:"Runs inside Bistro as its own step kind (the http step), with or without a connection"`
	ConfigSchema map[string]any `json:"config_schema" doc:"JSON Schema of a connection's settings; secret settings are writeOnly"`
	Actions      []ActionInfo   `json:"actions"`
	Triggers     []TriggerInfo  `json:"triggers"`
	Access       string         `json:"access" enum:"approved,review,blocked" doc:"What IT's catalogue allows in the workspace: blocked connectors can be asked for (POST /api/v1/connector-requests)"`
}

// ActionInfo is one action of a connector.
type ActionInfo struct {
	ID          string         `json:"id" doc:"The name a flow step uses: action: postgres.upsert"`
	Name        string         `json:"name"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Output      string         `json:"output" doc:"Which records the action passes on"`
	SideEffects bool           `json:"side_effects" doc:"Changes something outside Bistro (writes, sends)"`
	Idempotent  bool           `json:"idempotent" doc:"Accepts an idempotency key, so a retried attempt does not repeat its effect"`
	Batch       bool           `json:"batch" doc:"Takes many records at once"`
	Step        bool           `json:"step" doc:"Whether a flow step can name it with 'action:'; false for built-in connectors, which have their own step kind"`
	InputSchema map[string]any `json:"input_schema" doc:"JSON Schema of the step's settings (its 'with')"`
}

// TriggerInfo is one way a connector starts runs.
type TriggerInfo struct {
	ID          string         `json:"id" doc:"The name an event trigger uses: source: redis.stream"`
	Name        string         `json:"name"`
	Kind        string         `json:"kind" enum:"poll,push"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Output      string         `json:"output" doc:"What each record of a run holds"`
	InputSchema map[string]any `json:"input_schema" doc:"JSON Schema of the trigger's settings (its 'with')"`
}

// ConnectorList is every connector the server knows.
type ConnectorList struct {
	Connectors []ConnectorInfo `json:"connectors"`
}

// ValidateFlowRequest is a flow document to check.
type ValidateFlowRequest struct {
	Document string `json:"document" maxLength:"1048576" doc:"The flow document, YAML or JSON, as written"`
	File     string `json:"file,omitempty" maxLength:"500" doc:"The file the document came from; its extension tells JSON from YAML"`
}

// FlowProblem is one problem found in a flow document, in plain words.
type FlowProblem struct {
	Line     int    `json:"line" doc:"1-based line; 0 when unknown"`
	Column   int    `json:"column" doc:"1-based column; 0 when unknown"`
	Path     string `json:"path" doc:"Where in the document, e.g. steps[2].set.email; empty for the whole document"`
	Severity string `json:"severity" enum:"error,warning" doc:"Errors stop the flow from being saved; warnings do not"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty" doc:"What to do about it"`
}

// ValidateFlowResult is every problem of a document; none means it can be
// saved as it is.
type ValidateFlowResult struct {
	Problems []FlowProblem `json:"problems"`
}

type connectorName struct {
	Name string `path:"name" minLength:"1" maxLength:"100" doc:"The connector's id, e.g. postgres"`
}

func (s *server) registerEditor(api huma.API) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "list-connectors", Method: http.MethodGet, Path: "/api/v1/connectors", Tags: []string{"Connectors"},
		Summary:     "List the connectors with their actions and the JSON Schemas of their settings",
		Description: "Every connector the server knows, with the JSON Schema of a connection's settings and of each action's and trigger's settings: what forms are built from.",
	}), s.listConnectors)
	huma.Register(api, secured(huma.Operation{
		OperationID: "get-connector", Method: http.MethodGet, Path: "/api/v1/connectors/{name}", Tags: []string{"Connectors"},
		Summary: "Get one connector's spec with its JSON Schemas", Errors: []int{http.StatusNotFound},
	}), s.getConnector)
	huma.Register(api, secured(huma.Operation{
		OperationID: "validate-flow", Method: http.MethodPost, Path: "/api/v1/flows/validate", Tags: []string{"Flows"},
		Summary:     "Check a flow document without saving it",
		Description: "Checks the document as saving it would (the connectors, the connections and the flows it calls) and lists every problem with its location. Environment variables are checked only when the flow is saved: here, reading one is a warning.",
	}), s.validateFlow)
}

func (s *server) listConnectors(ctx context.Context, _ *struct{}) (*struct{ Body ConnectorList }, error) {
	out := ConnectorList{Connectors: []ConnectorInfo{}}
	access := s.accessOf(ctx, caller(ctx).Workspace)
	for _, spec := range connectors.All() {
		c := connectorOut(spec)
		c.Access = access(spec.Name)
		out.Connectors = append(out.Connectors, c)
	}
	return &struct{ Body ConnectorList }{out}, nil
}

func (s *server) getConnector(ctx context.Context, in *connectorName) (*struct{ Body ConnectorInfo }, error) {
	spec, ok := connectors.Lookup(in.Name)
	if !ok {
		return nil, newProblem(http.StatusNotFound, "", fmt.Sprintf("there is no connector called '%s'", in.Name))
	}
	c := connectorOut(spec)
	c.Access = s.accessOf(ctx, caller(ctx).Workspace)(spec.Name)
	return &struct{ Body ConnectorInfo }{c}, nil
}

func connectorOut(spec connector.Spec) ConnectorInfo {
	c := ConnectorInfo{
		Name: spec.Name, Title: spec.Title, Version: spec.Version, Category: spec.Category,
		Description: spec.Description, BuiltIn: spec.BuiltIn, ConfigSchema: spec.ConfigSchema(),
		Actions: []ActionInfo{}, Triggers: []TriggerInfo{},
	}
	for _, a := range spec.Actions {
		c.Actions = append(c.Actions, ActionInfo{
			ID: spec.ID(a), Name: a.Name, Title: a.Title, Description: a.Description, Output: a.Output,
			SideEffects: a.SideEffects, Idempotent: a.Idempotent, Batch: a.Batch,
			Step: connectors.HasAction(spec.ID(a)), InputSchema: a.InputSchema(),
		})
	}
	for _, t := range spec.Triggers {
		// The kit derives schemas for actions only; a trigger's settings
		// are fields just like an action's input.
		schema := connector.Action{Title: t.Title, Description: t.Description, Input: t.Input}.InputSchema()
		c.Triggers = append(c.Triggers, TriggerInfo{
			ID: spec.Name + "." + t.Name, Name: t.Name, Kind: string(t.Kind), Title: t.Title,
			Description: t.Description, Output: t.Output, InputSchema: schema,
		})
	}
	return c
}

func (s *server) validateFlow(ctx context.Context, in *struct {
	Body ValidateFlowRequest
}) (*struct{ Body ValidateFlowResult }, error) {
	file := in.Body.File
	if file == "" {
		file = "flow.yaml"
	}
	doc, diags := flow.Load(file, []byte(in.Body.Document), s.flowOptions(ctx, caller(ctx).Workspace))
	if s.guard != nil && !diags.HasErrors() {
		// The data policy warns while editing; saving refuses.
		pd, err := s.guard.CheckPolicy(ctx, caller(ctx).Workspace, doc, flow.SeverityWarning, connectors.Lookup)
		if err != nil {
			return nil, s.fail(ctx, err, "")
		}
		diags = append(diags, pd...)
	}
	out := ValidateFlowResult{Problems: []FlowProblem{}}
	for _, d := range diags {
		out.Problems = append(out.Problems, problemOut(d))
	}
	return &struct{ Body ValidateFlowResult }{out}, nil
}

// envHint starts the hint of a diagnostic about an environment variable
// the validation was not told is allowed.
const envHint = "an admin can allow it with --allow-env"

// problemOut is a diagnostic for the editor. The server's allowed
// environment variables are known to the runner only, so reading one is a
// warning here: saving checks it for real.
func problemOut(d flow.Diagnostic) FlowProblem {
	p := FlowProblem{
		Line: d.Line, Column: d.Column, Path: d.Path, Severity: d.Severity.String(),
		Message: d.Message, Hint: d.Hint,
	}
	if strings.HasPrefix(d.Hint, envHint) && d.Severity == flow.SeverityError {
		p.Severity = flow.SeverityWarning.String()
		p.Hint = "saving checks that the server allows it; " + d.Hint
	}
	return p
}

// flowOptions are the checks the server's apply makes, from what the API
// can see: the built-in connectors, and the workspace's flows and
// connections through the Backend.
func (s *server) flowOptions(ctx context.Context, workspace string) flow.Options {
	return flow.Options{
		ResolveFlow: func(_ *flow.Document, name string) error {
			_, err := s.backend.GetFlow(ctx, workspace, name)
			return s.lookupError(ctx, err, fmt.Sprintf("there is no flow called '%s' on the server; apply it first", name), "flow", name)
		},
		Connector: func(id string) error {
			if s.guard == nil {
				return nil
			}
			return s.guard.Allowed(ctx, workspace, id)
		},
		Connection: func(name, connectorName string) error {
			c, err := s.backend.GetConnection(ctx, workspace, name)
			if err == nil && c.Connector != connectorName {
				return fmt.Errorf("'%s' is a %s connection, not a %s one", name, c.Connector, connectorName)
			}
			return s.lookupError(ctx, err, fmt.Sprintf("there is no connection called '%s'; create it first, e.g. with 'bistro connection create %s --connector %s'", name, name, connectorName), "connection", name)
		},
	}.WithConnectors(connectors.Find)
}

// lookupError words a failed look-up of something a flow refers to.
func (s *server) lookupError(ctx context.Context, err error, notFound, what, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return errors.New(notFound)
	}
	s.log.WarnContext(ctx, "checking a flow's reference", slog.String(what, name), slog.Any("error", err))
	return fmt.Errorf("the %s '%s' could not be checked: the database did not answer; try again", what, name)
}

// checkBase refuses to save a document over a flow that changed since the
// editor loaded version base (0: the editor creates a new flow). The check
// reads the flow before the save, so two saves at the same instant can
// still both pass it: it catches people, not races.
func (s *server) checkBase(ctx context.Context, workspace, file, doc string, base *int) error {
	if base == nil {
		return nil
	}
	d, _ := flow.Parse(file, []byte(doc))
	if d == nil || d.Flow == nil || d.Flow.Name == "" {
		return nil // saving reports what is wrong with the document
	}
	name := d.Flow.Name
	f, err := s.backend.GetFlow(ctx, workspace, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if *base == 0 {
			return nil
		}
		return newProblem(http.StatusConflict, "flow_changed", fmt.Sprintf(
			"the flow '%s' was deleted since you opened it; save again to create it anew", name))
	case err != nil:
		return s.fail(ctx, err, "")
	case f.Version == *base:
		return nil
	case *base == 0:
		return newProblem(http.StatusConflict, "flow_exists", fmt.Sprintf(
			"there is already a flow called '%s' (version %d, changed %s); give this one another name, or open that one to change it",
			name, f.Version, clockTime(f.UpdatedAt)))
	}
	return newProblem(http.StatusConflict, "flow_changed", fmt.Sprintf(
		"the flow '%s' was changed by someone else %s (it is now version %d; you started from version %d): reload it, or compare your changes with it",
		name, clockTime(f.UpdatedAt), f.Version, *base))
}

// clockTime says when, to the minute, in UTC: the web app shows the
// reader's local time from the flow itself.
func clockTime(t time.Time) string {
	return "at " + t.UTC().Format("15:04 on 2 Jan 2006") + " UTC"
}
