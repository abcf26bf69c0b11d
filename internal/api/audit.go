package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/bistro-dev/bistro/internal/store"
)

// AuditBackend is what the audit operations need from the backend.
type AuditBackend interface {
	// ListAudit lists audit events; the API sets f.Workspace to the
	// caller's.
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error)
}

// AuditEvent is one change in the audit log, as listed and exported: the
// fields a hash covers are all here, so an export can be checked again
// ('bistro audit verify --file').
type AuditEvent struct {
	Seq       int64           `json:"seq" doc:"Position in the log: 1, 2, 3... with no gaps"`
	ID        string          `json:"id"`
	Time      time.Time       `json:"time"`
	Workspace string          `json:"workspace" doc:"Empty for changes to the whole installation"`
	Actor     AuditRef        `json:"actor" doc:"Who made the change: an API token (kind 'token'), the command line ('cli') or Bistro itself ('system')"`
	Source    string          `json:"source" doc:"Where the change came from, e.g. the client's IP address"`
	Action    string          `json:"action" doc:"What was done, e.g. flow.apply, connection.secret_changed"`
	Target    AuditRef        `json:"target" doc:"What it was done to"`
	Before    json.RawMessage `json:"before,omitempty" doc:"The object before the change (secret values never appear: only whether they are set); absent when it did not exist"`
	After     json.RawMessage `json:"after,omitempty" doc:"The object after the change; absent when it was deleted"`
	KeyID     string          `json:"key_id,omitempty" doc:"The id of the key of a keyed hash (BISTRO_AUDIT_KEY); absent for plain SHA-256"`
	PrevHash  string          `json:"prev_hash" doc:"The hash of the event before; empty for the first"`
	Hash      string          `json:"hash" doc:"SHA-256 (or HMAC-SHA256 with the key) of the event's canonical encoding, prev_hash included"`
}

// AuditRef names who made a change or what it was made to.
type AuditRef struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// AuditList is a page of audit events, newest first.
type AuditList struct {
	Events []AuditEvent `json:"events"`
	Next   int64        `json:"next,omitempty" doc:"Pass as 'before' to get the next page; absent on the last page"`
}

// AuditEventOut is the API's view of a stored event.
func AuditEventOut(e store.AuditEvent) AuditEvent {
	return AuditEvent{Seq: e.Seq, ID: e.ID, Time: e.Time.UTC(), Workspace: e.Workspace,
		Actor:  AuditRef{Kind: e.Actor.Kind, ID: e.Actor.ID, Name: e.Actor.Name},
		Source: e.Source, Action: e.Action,
		Target: AuditRef{Kind: e.Target.Kind, ID: e.Target.ID, Name: e.Target.Name},
		Before: e.Before, After: e.After, KeyID: e.KeyID, PrevHash: e.PrevHash, Hash: e.Hash}
}

// Stored is the event as the store keeps it, e.g. to verify an export.
func (e AuditEvent) Stored() store.AuditEvent {
	return store.AuditEvent{Seq: e.Seq, ID: e.ID, Time: e.Time, Workspace: e.Workspace,
		Actor:  store.AuditActor{Kind: e.Actor.Kind, ID: e.Actor.ID, Name: e.Actor.Name},
		Source: e.Source, Action: e.Action,
		Target: store.AuditTarget{Kind: e.Target.Kind, ID: e.Target.ID, Name: e.Target.Name},
		Before: e.Before, After: e.After, KeyID: e.KeyID, PrevHash: e.PrevHash, Hash: e.Hash}
}

// AuditFilters are the query parameters both audit operations take.
type AuditFilters struct {
	Action string    `query:"action" maxLength:"100" doc:"Only this action (flow.delete), or every action of a kind (flow)"`
	Target string    `query:"target" maxLength:"200" doc:"Only changes to the object with this name or id"`
	Actor  string    `query:"actor" maxLength:"200" doc:"Only changes by the token or person with this name or id"`
	Since  time.Time `query:"since" doc:"Only events at or after this time (RFC 3339)"`
	Until  time.Time `query:"until" doc:"Only events before this time (RFC 3339)"`
}

func (f AuditFilters) filter(ctx context.Context) store.AuditFilter {
	// Only platform admins read the log: the whole of it, unless the
	// request names a workspace.
	ws := ""
	if c := caller(ctx); c.Chosen {
		ws = c.Workspace
	}
	return store.AuditFilter{Workspace: ws, Action: f.Action, Target: f.Target,
		Actor: f.Actor, Since: f.Since, Until: f.Until}
}

// NDJSON is the media type of the audit export: one JSON event a line.
const NDJSON = "application/x-ndjson"

// exportPage is how many events the export reads at a time.
const exportPage = 500

func (s *server) registerAudit(api huma.API) {
	tags := []string{"Audit"}
	huma.Register(api, secured(huma.Operation{
		OperationID: "list-audit", Method: http.MethodGet, Path: "/api/v1/audit", Tags: tags,
		Summary:     "List the audit log, newest first",
		Description: "Every change to flows, connections and secrets, with who made it, when, from where, and the object before and after. Secret values never appear.",
	}), s.listAudit)
	event := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[AuditEvent](), true, "")
	huma.Register(api, secured(huma.Operation{
		OperationID: "export-audit", Method: http.MethodGet, Path: "/api/v1/audit/export", Tags: tags,
		Summary: "Export the audit log as JSON lines, oldest first",
		Description: "One event a line, for a SIEM. Each line has the event's hash and the previous event's, so the export " +
			"can be checked ('bistro audit verify --file') and a SIEM that keeps the newest hash notices a rewritten log. " +
			"Pass the last seq received as 'after' to export only what is new.",
		Responses: map[string]*huma.Response{"200": {Description: "The events, one JSON object a line",
			Content: map[string]*huma.MediaType{NDJSON: {Schema: event}}}},
	}), s.exportAudit)
}

func (s *server) listAudit(ctx context.Context, in *struct {
	AuditFilters
	Limit  int   `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"At most this many events"`
	Before int64 `query:"before" minimum:"0" doc:"Events before this seq (the 'next' of the previous page)"`
}) (*struct{ Body AuditList }, error) {
	f := in.filter(ctx)
	f.Limit, f.Before = in.Limit, in.Before
	events, err := s.backend.ListAudit(ctx, f)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := AuditList{Events: make([]AuditEvent, 0, len(events))}
	for _, e := range events {
		out.Events = append(out.Events, AuditEventOut(e))
	}
	if len(events) > 0 && len(events) >= store.AuditLimit(in.Limit) {
		out.Next = events[len(events)-1].Seq
	}
	return &struct{ Body AuditList }{out}, nil
}

func (s *server) exportAudit(ctx context.Context, in *struct {
	AuditFilters
	After int64 `query:"after" minimum:"0" doc:"Only events after this seq: the last one of the previous export"`
}) (*huma.StreamResponse, error) {
	f := in.filter(ctx)
	f.After, f.Oldest, f.Limit = in.After, true, exportPage
	// The first page is read before answering, so that a failure is a
	// problem with a status, not a cut-off body.
	page, err := s.backend.ListAudit(ctx, f)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", NDJSON)
		s.streamAudit(hc, f, page)
	}}, nil
}

// streamAudit writes the events page by page. A failure half-way aborts
// the response, so that the client sees a broken transfer, never a
// shorter log that looks complete.
func (s *server) streamAudit(hc huma.Context, f store.AuditFilter, page []store.AuditEvent) {
	ctx := hc.Context()
	enc := json.NewEncoder(hc.BodyWriter())
	for {
		for _, e := range page {
			if err := enc.Encode(AuditEventOut(e)); err != nil {
				panic(http.ErrAbortHandler) // the client went away
			}
		}
		if len(page) < f.Limit {
			return
		}
		f.After = page[len(page)-1].Seq
		var err error
		if page, err = s.backend.ListAudit(ctx, f); err != nil {
			s.log.ErrorContext(ctx, "the audit export stopped half-way", "error", err)
			panic(http.ErrAbortHandler)
		}
	}
}
