package api

import (
	"cmp"
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// ApplyFlowRequest is a flow document to save.
type ApplyFlowRequest struct {
	Document string `json:"document" minLength:"1" doc:"The flow document, YAML or JSON, as written"`
	Format   string `json:"format,omitempty" enum:"yaml,json" doc:"How the document is written; by default from the file name, else YAML"`
	File     string `json:"file,omitempty" maxLength:"500" doc:"The file the document came from, used in error messages"`
	// BaseVersion guards against saving over someone else's change.
	BaseVersion *int `json:"base_version,omitempty" minimum:"0" doc:"The version the change started from (0 for a new flow): when the flow has another version now, nothing is saved and the answer is 409"`
}

// ApplyFlowResult is the saved flow and whether a version was added, or
// the review the change waits for.
type ApplyFlowResult struct {
	Flow    Flow `json:"flow"`
	Changed bool `json:"changed" doc:"True when a new version was saved; false when the document equals the latest version"`
	// Review is set (with status 202) when the change waits for a
	// platform admin's review: nothing was saved yet, and flow is the
	// flow as it is (empty for a new flow).
	Review *Review `json:"review,omitempty" doc:"Set when the change waits for review (202): nothing was saved yet"`
}

// FlowList is the flows of a workspace.
type FlowList struct {
	Flows []Flow `json:"flows"`
}

type flowName struct {
	Name string `path:"name" minLength:"1" maxLength:"200" doc:"The flow's name"`
}

type flowOutput struct{ Body Flow }

func noFlow(name string) string { return fmt.Sprintf("there is no flow called '%s'", name) }

func (s *server) registerFlows(api huma.API) {
	tags := []string{"Flows"}
	huma.Register(api, secured(huma.Operation{
		OperationID: "apply-flow", Method: http.MethodPut, Path: "/api/v1/flows", Tags: tags,
		Summary: "Create or update a flow from its document",
		Description: "Validates the document and saves it as a new version when it differs from the latest one. An invalid document is not saved: the answer (422) lists every problem with its location. " +
			"A builder's change whose risk reaches IT's threshold, or that uses a connector IT reviews, is not saved either: it waits for review, and the answer is 202 with the review.",
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}), s.applyFlow)
	huma.Register(api, secured(huma.Operation{
		OperationID: "list-flows", Method: http.MethodGet, Path: "/api/v1/flows", Tags: tags,
		Summary: "List the flows",
	}), s.listFlows)
	huma.Register(api, secured(huma.Operation{
		OperationID: "get-flow", Method: http.MethodGet, Path: "/api/v1/flows/{name}", Tags: tags,
		Summary: "Get a flow with its document", Errors: []int{http.StatusNotFound},
	}), s.getFlow)
	for _, on := range []bool{true, false} {
		word := map[bool]string{true: "enable", false: "disable"}[on]
		huma.Register(api, secured(huma.Operation{
			OperationID: word + "-flow", Method: http.MethodPost, Path: "/api/v1/flows/{name}/" + word, Tags: tags,
			Summary: map[bool]string{true: "Enable a flow: its trigger starts runs", false: "Disable a flow: its trigger no longer starts runs"}[on],
			Errors:  []int{http.StatusNotFound},
		}), s.setEnabled(on))
	}
	huma.Register(api, secured(huma.Operation{
		OperationID: "delete-flow", Method: http.MethodDelete, Path: "/api/v1/flows/{name}", Tags: tags,
		Summary: "Delete a flow", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}), s.deleteFlow)
}

type applyOutput struct {
	Status int
	Body   ApplyFlowResult
}

func (s *server) applyFlow(ctx context.Context, in *struct {
	Body ApplyFlowRequest
}) (*applyOutput, error) {
	c := caller(ctx)
	file := in.Body.File
	if file == "" {
		// The backend tells YAML from JSON by the extension.
		file = "flow." + map[bool]string{true: "json", false: "yaml"}[in.Body.Format == "json"]
	}
	if err := s.checkBase(ctx, c.Workspace, file, in.Body.Document, in.Body.BaseVersion); err != nil {
		return nil, err
	}
	if out, err := s.submitForReview(ctx, file, in.Body.Document); out != nil || err != nil {
		return out, err
	}
	// The version is by the token, or by the person for a browser session.
	f, changed, err := s.backend.ApplyFlow(ctx, c.Workspace, file, []byte(in.Body.Document), cmp.Or(c.TokenID, c.UserID))
	if err != nil {
		return nil, s.fail(ctx, err, "the flow was not found after saving it")
	}
	return &applyOutput{Status: http.StatusOK, Body: ApplyFlowResult{Flow: flowOut(f, false), Changed: changed}}, nil
}

func (s *server) listFlows(ctx context.Context, _ *struct{}) (*struct{ Body FlowList }, error) {
	fs, err := s.backend.ListFlows(ctx, caller(ctx).Workspace)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := FlowList{Flows: make([]Flow, 0, len(fs))}
	for _, f := range fs {
		out.Flows = append(out.Flows, flowOut(f, false))
	}
	return &struct{ Body FlowList }{out}, nil
}

func (s *server) getFlow(ctx context.Context, in *flowName) (*flowOutput, error) {
	f, err := s.backend.GetFlow(ctx, caller(ctx).Workspace, in.Name)
	if err != nil {
		return nil, s.fail(ctx, err, noFlow(in.Name))
	}
	return &flowOutput{flowOut(f, true)}, nil
}

func (s *server) setEnabled(on bool) func(context.Context, *flowName) (*flowOutput, error) {
	return func(ctx context.Context, in *flowName) (*flowOutput, error) {
		ws := caller(ctx).Workspace
		if err := s.backend.SetFlowEnabled(ctx, ws, in.Name, on); err != nil {
			return nil, s.fail(ctx, err, noFlow(in.Name))
		}
		f, err := s.backend.GetFlow(ctx, ws, in.Name)
		if err != nil {
			return nil, s.fail(ctx, err, noFlow(in.Name))
		}
		return &flowOutput{flowOut(f, false)}, nil
	}
}

func (s *server) deleteFlow(ctx context.Context, in *flowName) (*struct{}, error) {
	if err := s.backend.DeleteFlow(ctx, caller(ctx).Workspace, in.Name); err != nil {
		return nil, s.fail(ctx, err, noFlow(in.Name))
	}
	return nil, nil
}
