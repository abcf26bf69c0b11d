package api

import (
	"context"
	"maps"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/bistro-dev/bistro/internal/store"
)

// Catalogue is IT's connector catalogue.
type Catalogue struct {
	Default    string                       `json:"default" enum:"approved,review,blocked" doc:"The status of connectors listed nowhere"`
	Connectors map[string]string            `json:"connectors" doc:"Platform-wide statuses by connector id"`
	Workspaces map[string]map[string]string `json:"workspaces" doc:"Per-workspace statuses, by workspace then connector id; they win over the platform's"`
}

// CatalogueChange sets one connector's status.
type CatalogueChange struct {
	Status    string `json:"status" enum:"approved,review,blocked,inherit" doc:"inherit removes the entry, so the platform's status (or the default) applies"`
	Workspace string `json:"workspace,omitempty" maxLength:"40" doc:"The workspace it applies to; platform-wide when empty"`
}

// PausedFlow is a flow a guardrail paused.
type PausedFlow struct {
	Workspace string `json:"workspace"`
	Flow      string `json:"flow"`
	Reason    string `json:"reason"`
}

// CatalogueChanged is the catalogue after a change, and the flows it
// paused.
type CatalogueChanged struct {
	Catalogue Catalogue    `json:"catalogue"`
	Paused    []PausedFlow `json:"paused" doc:"Enabled flows that used the connector where it is now blocked: paused, their owners told"`
}

// NewConnectorRequest asks IT for a connector.
type NewConnectorRequest struct {
	Connector string `json:"connector" minLength:"1" maxLength:"100" example:"chat"`
	Reason    string `json:"reason" minLength:"1" maxLength:"2000" doc:"What it is needed for, so IT can decide" example:"Post won deals to the sales channel"`
}

// ConnectorRequest is a request for a connector and its answer.
type ConnectorRequest struct {
	ID          string     `json:"id"`
	Workspace   string     `json:"workspace"`
	Connector   string     `json:"connector"`
	Reason      string     `json:"reason"`
	RequestedBy string     `json:"requested_by" doc:"The id of the person who asked"`
	Status      string     `json:"status" enum:"pending,approved,declined"`
	Answer      string     `json:"answer,omitempty"`
	AnsweredBy  string     `json:"answered_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// ConnectorRequestList is a list of requests, newest first.
type ConnectorRequestList struct {
	Requests []ConnectorRequest `json:"requests"`
}

// RequestAnswer approves or declines a request.
type RequestAnswer struct {
	Approve bool   `json:"approve" doc:"True allows the connector in the request's workspace"`
	Answer  string `json:"answer,omitempty" maxLength:"2000" doc:"A word for the person who asked"`
}

// Notification tells a person of something that concerns them.
type Notification struct {
	ID        string     `json:"id"`
	Workspace string     `json:"workspace,omitempty"`
	Kind      string     `json:"kind" doc:"e.g. connector_request, flow_suspended"`
	Message   string     `json:"message"`
	Link      string     `json:"link,omitempty" doc:"Where in the web app it is about"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// NotificationList is a person's notifications, newest first.
type NotificationList struct {
	Notifications []Notification `json:"notifications"`
	Unread        int            `json:"unread"`
}

func (s *server) registerGuard(api huma.API) {
	tags := []string{"Guardrails"}
	huma.Register(api, secured(huma.Operation{OperationID: "get-catalogue", Method: http.MethodGet, Path: "/api/v1/catalogue", Tags: tags,
		Summary: "Get the connector catalogue: which connectors are approved, need review or are blocked"}), s.getCatalogue)
	huma.Register(api, secured(huma.Operation{OperationID: "set-connector-status", Method: http.MethodPut, Path: "/api/v1/catalogue/{name}", Tags: tags,
		Summary:     "Approve, block or ask review for a connector, platform-wide or in one workspace",
		Description: "Blocking pauses the enabled flows that use the connector where it is now blocked and tells their owners.",
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity}}), s.setConnectorStatus)
	huma.Register(api, secured(huma.Operation{OperationID: "list-connector-requests", Method: http.MethodGet, Path: "/api/v1/connector-requests", Tags: tags,
		Summary: "List requests for connectors: the workspace's, or every one for platform admins"}), s.listConnectorRequests)
	huma.Register(api, secured(huma.Operation{OperationID: "create-connector-request", Method: http.MethodPost, Path: "/api/v1/connector-requests", Tags: tags,
		Summary: "Ask IT for a blocked connector, with a reason; the platform admins are told", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}), s.createConnectorRequest)
	huma.Register(api, secured(huma.Operation{OperationID: "answer-connector-request", Method: http.MethodPost, Path: "/api/v1/connector-requests/{id}/answer", Tags: tags,
		Summary: "Approve or decline a request for a connector; the person who asked is told",
		Errors:  []int{http.StatusNotFound, http.StatusConflict}}), s.answerConnectorRequest)
	huma.Register(api, secured(huma.Operation{OperationID: "list-notifications", Method: http.MethodGet, Path: "/api/v1/notifications", Tags: tags,
		Summary: "List your notifications, newest first"}), s.listNotifications)
	huma.Register(api, secured(huma.Operation{OperationID: "read-notification", Method: http.MethodPost, Path: "/api/v1/notifications/{id}/read", Tags: tags,
		Summary: "Mark one of your notifications read", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}), s.readNotification)
}

// guardOff answers when the server runs without guardrails.
func (s *server) guardOff() error {
	return newProblem(http.StatusNotFound, "", "guardrails are not set up on this server")
}

func catalogueOut(c guard.Catalogue) Catalogue {
	out := Catalogue{Default: c.Default, Connectors: maps.Clone(c.Connectors), Workspaces: maps.Clone(c.Workspaces)}
	if out.Default == "" {
		out.Default = guard.Approved
	}
	if out.Connectors == nil {
		out.Connectors = map[string]string{}
	}
	if out.Workspaces == nil {
		out.Workspaces = map[string]map[string]string{}
	}
	return out
}

func (s *server) getCatalogue(ctx context.Context, _ *struct{}) (*struct{ Body Catalogue }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	c, err := s.guard.Catalogue(ctx)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body Catalogue }{catalogueOut(c)}, nil
}

func (s *server) setConnectorStatus(ctx context.Context, in *struct {
	Name string `path:"name" minLength:"1" maxLength:"100" doc:"The connector's id, e.g. chat"`
	Body CatalogueChange
}) (*struct{ Body CatalogueChanged }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	status := in.Body.Status
	if status == "inherit" {
		status = ""
	}
	paused, err := s.guard.SetStatus(ctx, in.Body.Workspace, in.Name, status)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	c, err := s.guard.Catalogue(ctx)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := CatalogueChanged{Catalogue: catalogueOut(c), Paused: []PausedFlow{}}
	for _, p := range paused {
		out.Paused = append(out.Paused, PausedFlow{Workspace: p.Workspace, Flow: p.Flow, Reason: p.Reason})
	}
	return &struct{ Body CatalogueChanged }{out}, nil
}

func requestOut(r store.ConnectorRequest) ConnectorRequest {
	out := ConnectorRequest{ID: r.ID, Workspace: r.Workspace, Connector: r.Connector, Reason: r.Reason,
		RequestedBy: r.RequestedBy, Status: r.Status, Answer: r.Answer, AnsweredBy: r.AnsweredBy, CreatedAt: r.CreatedAt}
	if !r.AnsweredAt.IsZero() {
		at := r.AnsweredAt
		out.AnsweredAt = &at
	}
	return out
}

func (s *server) listConnectorRequests(ctx context.Context, _ *struct{}) (*struct{ Body ConnectorRequestList }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	c := caller(ctx)
	ws := c.Workspace
	if c.Principal.Admin() && !c.Chosen {
		ws = "" // every workspace's, unless the admin named one
	}
	rs, err := s.guard.Requests(ctx, ws)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := ConnectorRequestList{Requests: []ConnectorRequest{}}
	for _, r := range rs {
		out.Requests = append(out.Requests, requestOut(r))
	}
	return &struct{ Body ConnectorRequestList }{out}, nil
}

func (s *server) createConnectorRequest(ctx context.Context, in *struct{ Body NewConnectorRequest }) (*struct{ Body ConnectorRequest }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	c := caller(ctx)
	r, err := s.guard.Request(ctx, c.Workspace, in.Body.Connector, in.Body.Reason, c.Principal.User)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body ConnectorRequest }{requestOut(r)}, nil
}

func (s *server) answerConnectorRequest(ctx context.Context, in *struct {
	ID   string `path:"id" maxLength:"100"`
	Body RequestAnswer
}) (*struct{ Body ConnectorRequest }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	r, err := s.guard.Answer(ctx, in.ID, in.Body.Approve, in.Body.Answer, caller(ctx).Principal.User)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body ConnectorRequest }{requestOut(r)}, nil
}

func (s *server) listNotifications(ctx context.Context, in *struct {
	Limit int `query:"limit" minimum:"1" maximum:"200" default:"50"`
}) (*struct{ Body NotificationList }, error) {
	out := NotificationList{Notifications: []Notification{}}
	c := caller(ctx)
	if s.guard == nil || c.UserID == "" {
		return &struct{ Body NotificationList }{out}, nil // an installation token is nobody to tell
	}
	ns, err := s.guard.Notifications(ctx, c.UserID, in.Limit)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	for _, n := range ns {
		o := Notification{ID: n.ID, Workspace: n.Workspace, Kind: n.Kind, Message: n.Message, Link: n.Link, CreatedAt: n.CreatedAt}
		if !n.ReadAt.IsZero() {
			at := n.ReadAt
			o.ReadAt = &at
		} else {
			out.Unread++
		}
		out.Notifications = append(out.Notifications, o)
	}
	return &struct{ Body NotificationList }{out}, nil
}

func (s *server) readNotification(ctx context.Context, in *struct {
	ID string `path:"id" maxLength:"100"`
}) (*struct{}, error) {
	c := caller(ctx)
	if s.guard == nil || c.UserID == "" {
		return nil, newProblem(http.StatusNotFound, "", "there is no such notification")
	}
	if err := s.guard.MarkRead(ctx, c.UserID, in.ID); err != nil {
		return nil, s.fail(ctx, err, "there is no such notification")
	}
	return nil, nil
}

// accessOf is what the catalogue allows of a connector in the workspace,
// for the connector list; "" without guardrails.
func (s *server) accessOf(ctx context.Context, workspace string) func(id string) string {
	if s.guard == nil {
		return func(string) string { return guard.Approved }
	}
	c, err := s.guard.Catalogue(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "the connector catalogue could not be read", "error", err)
	}
	return func(id string) string { return c.Status(workspace, id) }
}

// Quota is what a workspace may use; 0 is no limit.
type Quota struct {
	RunsPerDay     int `json:"runs_per_day,omitempty" minimum:"0" doc:"Runs started per UTC day; more are refused (429) until midnight UTC"`
	ConcurrentRuns int `json:"concurrent_runs,omitempty" minimum:"0" doc:"Runs executing at once, per server; more wait in the queue"`
}

// QuotaList is every workspace's quota.
type QuotaList struct {
	Quotas map[string]Quota `json:"quotas" doc:"By workspace; a workspace not listed has no limits"`
}

func (s *server) registerQuotas(api huma.API) {
	tags := []string{"Guardrails"}
	huma.Register(api, secured(huma.Operation{OperationID: "list-quotas", Method: http.MethodGet, Path: "/api/v1/quotas", Tags: tags,
		Summary: "List the workspaces' quotas"}), s.listQuotas)
	huma.Register(api, secured(huma.Operation{OperationID: "set-quota", Method: http.MethodPut, Path: "/api/v1/workspaces/{workspace}/quota", Tags: tags,
		Summary: "Set a workspace's quota: runs a day and runs at once (0 for no limit)", Errors: []int{http.StatusNotFound}}), s.setQuota)
}

func (s *server) listQuotas(ctx context.Context, _ *struct{}) (*struct{ Body QuotaList }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	qs, err := s.guard.Quotas(ctx)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := QuotaList{Quotas: map[string]Quota{}}
	for ws, q := range qs {
		out.Quotas[ws] = Quota{RunsPerDay: q.RunsPerDay, ConcurrentRuns: q.ConcurrentRuns}
	}
	return &struct{ Body QuotaList }{out}, nil
}

func (s *server) setQuota(ctx context.Context, in *struct {
	Workspace string `path:"workspace" maxLength:"40"`
	Body      Quota
}) (*struct{ Body Quota }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	if err := s.guard.SetQuota(ctx, in.Workspace, guard.Quota{RunsPerDay: in.Body.RunsPerDay, ConcurrentRuns: in.Body.ConcurrentRuns}); err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body Quota }{in.Body}, nil
}

// DataPolicy is IT's data policy as written (see docs/guardrails.md).
type DataPolicy struct {
	Document string `json:"document" maxLength:"1048576" doc:"The policy, YAML or JSON; empty when none was saved (then no data policy applies on the server)"`
	File     string `json:"file,omitempty" maxLength:"500" doc:"The file it came from, used in error messages"`
}

// PolicyChanged is the saved policy and the flows it paused.
type PolicyChanged struct {
	Paused []PausedFlow `json:"paused" doc:"Enabled flows that break the new policy: paused, their owners told"`
}

func (s *server) registerPolicy(api huma.API) {
	tags := []string{"Guardrails"}
	huma.Register(api, secured(huma.Operation{OperationID: "get-policy", Method: http.MethodGet, Path: "/api/v1/policy", Tags: tags,
		Summary: "Get the data policy"}), s.getPolicy)
	huma.Register(api, secured(huma.Operation{OperationID: "put-policy", Method: http.MethodPut, Path: "/api/v1/policy", Tags: tags,
		Summary:     "Save the data policy; enabled flows that break it are paused",
		Description: "The policy is checked first: a policy with mistakes is refused (422) with each at its line and column, and nothing changes.",
		Errors:      []int{http.StatusUnprocessableEntity}}), s.putPolicy)
}

func (s *server) getPolicy(ctx context.Context, _ *struct{}) (*struct{ Body DataPolicy }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	file, doc, err := s.guard.PolicyDocument(ctx)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body DataPolicy }{DataPolicy{Document: doc, File: file}}, nil
}

func (s *server) putPolicy(ctx context.Context, in *struct{ Body DataPolicy }) (*struct{ Body PolicyChanged }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	paused, err := s.guard.SetPolicy(ctx, in.Body.File, in.Body.Document, connectors.Lookup)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := PolicyChanged{Paused: []PausedFlow{}}
	for _, p := range paused {
		out.Paused = append(out.Paused, PausedFlow{Workspace: p.Workspace, Flow: p.Flow, Reason: p.Reason})
	}
	return &struct{ Body PolicyChanged }{out}, nil
}
