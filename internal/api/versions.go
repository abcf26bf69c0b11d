package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/bistro-dev/bistro/internal/store"
)

// VersionBackend is what the version history operations need from the
// backend. A flow of another workspace is not found.
type VersionBackend interface {
	// ListFlowVersions lists a flow's versions, newest first, without
	// their documents.
	ListFlowVersions(ctx context.Context, workspace, name string) ([]StoredVersion, error)
	// GetFlowVersion returns one version of a flow with its document; a
	// version the flow does not have is a *NoVersionError.
	GetFlowVersion(ctx context.Context, workspace, name string, version int) (StoredVersion, error)
}

// StoredVersion is a version of a flow as the backend gives it: the stored
// version, the trigger its document declares, the name of who saved it
// when the audit log knows it, and whether it is the flow's latest.
type StoredVersion struct {
	store.Version
	Trigger string
	ByName  string
	Current bool
}

// NoVersionError is a flow that exists but has no such version. It
// matches store.ErrNotFound.
type NoVersionError struct {
	Flow    string
	Version int
	Latest  int // the flow's latest version
}

func (e *NoVersionError) Error() string {
	if e.Latest == 1 {
		return fmt.Sprintf("the flow '%s' has no version %d: it has only version 1", e.Flow, e.Version)
	}
	return fmt.Sprintf("the flow '%s' has no version %d: its versions are 1 to %d", e.Flow, e.Version, e.Latest)
}

// Is makes errors.Is(err, store.ErrNotFound) true.
func (e *NoVersionError) Is(target error) bool { return target == store.ErrNotFound }

// FlowVersion is one saved version of a flow. Versions never change: a
// save that changes the document adds a version.
type FlowVersion struct {
	Version        int       `json:"version" doc:"The version number, from 1"`
	Current        bool      `json:"current" doc:"Whether this is the flow's latest version: the one its trigger runs"`
	Trigger        string    `json:"trigger" doc:"What starts the flow in this version: manual, webhook, schedule or event; empty when the document can no longer be read"`
	Format         string    `json:"format" enum:"yaml,json" doc:"How the document is written"`
	CreatedAt      time.Time `json:"created_at" doc:"When the version was saved"`
	CreatedBy      string    `json:"created_by" doc:"Who saved it: the id of the API token, or of the person for a browser session"`
	CreatedByName  string    `json:"created_by_name,omitempty" doc:"The name of the token that saved it, from the audit log; absent when the log does not say"`
	DocumentSHA256 string    `json:"document_sha256" doc:"The SHA-256 of the document (hex), as the audit log's flow.apply events give it"`
	Document       string    `json:"document,omitempty" doc:"The document as written (only when one version is asked for)"`
}

// FlowVersionList is a flow's versions, newest first.
type FlowVersionList struct {
	Flow     string        `json:"flow" doc:"The flow's name"`
	Versions []FlowVersion `json:"versions" doc:"Newest first"`
}

func versionOut(v StoredVersion, withDocument bool) FlowVersion {
	out := FlowVersion{
		Version: v.Version.Version, Current: v.Current, Trigger: v.Trigger, Format: v.Format,
		CreatedAt: v.CreatedAt.UTC(), CreatedBy: v.By, CreatedByName: v.ByName, DocumentSHA256: v.Hash,
	}
	if withDocument {
		out.Document = string(v.Document)
	}
	return out
}

func (s *server) registerVersions(api huma.API) {
	tags := []string{"Flows"}
	huma.Register(api, secured(huma.Operation{
		OperationID: "list-flow-versions", Method: http.MethodGet, Path: "/api/v1/flows/{name}/versions", Tags: tags,
		Summary:     "List a flow's versions, newest first",
		Description: "Every saved version with when, by whom and its trigger; the documents are fetched one at a time.",
		Errors:      []int{http.StatusNotFound},
	}), s.listVersions)
	huma.Register(api, secured(huma.Operation{
		OperationID: "get-flow-version", Method: http.MethodGet, Path: "/api/v1/flows/{name}/versions/{version}", Tags: tags,
		Summary:     "Get one version of a flow with its document",
		Description: "The document as it was written when the version was saved. Saving it again (PUT /api/v1/flows) restores it as a new version.",
		Errors:      []int{http.StatusNotFound},
	}), s.getVersion)
}

func (s *server) listVersions(ctx context.Context, in *flowName) (*struct{ Body FlowVersionList }, error) {
	vs, err := s.backend.ListFlowVersions(ctx, caller(ctx).Workspace, in.Name)
	if err != nil {
		return nil, s.fail(ctx, err, noFlow(in.Name))
	}
	out := FlowVersionList{Flow: in.Name, Versions: make([]FlowVersion, 0, len(vs))}
	for _, v := range vs {
		out.Versions = append(out.Versions, versionOut(v, false))
	}
	return &struct{ Body FlowVersionList }{out}, nil
}

func (s *server) getVersion(ctx context.Context, in *struct {
	Name    string `path:"name" minLength:"1" maxLength:"200" doc:"The flow's name"`
	Version int    `path:"version" minimum:"1" doc:"The version number, from 1"`
}) (*struct{ Body FlowVersion }, error) {
	v, err := s.backend.GetFlowVersion(ctx, caller(ctx).Workspace, in.Name, in.Version)
	var nv *NoVersionError
	if errors.As(err, &nv) {
		return nil, newProblem(http.StatusNotFound, "", nv.Error())
	}
	if err != nil {
		return nil, s.fail(ctx, err, noFlow(in.Name))
	}
	return &struct{ Body FlowVersion }{versionOut(v, true)}, nil
}
