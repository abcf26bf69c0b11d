package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/bistro-dev/bistro/internal/store"
)

// Review is a change to a flow waiting for (or given) a platform admin's
// review.
type Review struct {
	ID          string     `json:"id"`
	Workspace   string     `json:"workspace"`
	Flow        string     `json:"flow"`
	Document    string     `json:"document" doc:"The flow document as submitted"`
	BaseVersion int        `json:"base_version" doc:"The flow's version when it was submitted (0: a new flow)"`
	Risk        int        `json:"risk" minimum:"0" maximum:"100"`
	Reasons     []string   `json:"reasons" doc:"Why it needs review"`
	Status      string     `json:"status" enum:"submitted,approved,changes_requested"`
	SubmittedBy string     `json:"submitted_by"`
	Comment     string     `json:"comment,omitempty" doc:"The reviewer's"`
	ReviewedBy  string     `json:"reviewed_by,omitempty"`
	Version     int        `json:"version,omitempty" doc:"The version it became, once approved"`
	CreatedAt   time.Time  `json:"created_at"`
	ReviewedAt  *time.Time `json:"reviewed_at,omitempty"`
}

// ReviewList is a list of reviews, newest first.
type ReviewList struct {
	Reviews []Review `json:"reviews"`
}

// ReviewAnswer is a reviewer's comment.
type ReviewAnswer struct {
	Comment string `json:"comment,omitempty" maxLength:"5000"`
}

// ReviewSettings say which changes wait for review.
type ReviewSettings struct {
	Threshold int `json:"threshold" minimum:"0" maximum:"101" doc:"The risk score from which a builder's change waits for review: 0 reviews all, 101 none (except those using a connector IT reviews)"`
}

func (s *server) registerReviews(api huma.API) {
	tags := []string{"Guardrails"}
	huma.Register(api, secured(huma.Operation{OperationID: "list-reviews", Method: http.MethodGet, Path: "/api/v1/reviews", Tags: tags,
		Summary: "List changes submitted for review: the workspace's, or every one for platform admins"}), s.listReviews)
	huma.Register(api, secured(huma.Operation{OperationID: "approve-review", Method: http.MethodPost, Path: "/api/v1/reviews/{id}/approve", Tags: tags,
		Summary: "Publish a submitted change as the flow's next version; the builder is told",
		Errors:  []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}), s.approveReview)
	huma.Register(api, secured(huma.Operation{OperationID: "request-changes", Method: http.MethodPost, Path: "/api/v1/reviews/{id}/request-changes", Tags: tags,
		Summary: "Send a submitted change back with a comment; nothing is published",
		Errors:  []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}), s.requestChanges)
	huma.Register(api, secured(huma.Operation{OperationID: "get-review-settings", Method: http.MethodGet, Path: "/api/v1/review-settings", Tags: tags,
		Summary: "Get the risk threshold from which changes wait for review"}), s.getReviewSettings)
	huma.Register(api, secured(huma.Operation{OperationID: "put-review-settings", Method: http.MethodPut, Path: "/api/v1/review-settings", Tags: tags,
		Summary: "Set the risk threshold from which changes wait for review", Errors: []int{http.StatusUnprocessableEntity}}), s.putReviewSettings)
}

func reviewOut(r store.Review) Review {
	out := Review{ID: r.ID, Workspace: r.Workspace, Flow: r.Flow, Document: string(r.Document), BaseVersion: r.BaseVersion,
		Risk: r.Risk, Reasons: []string{}, Status: r.Status, SubmittedBy: r.SubmittedBy, Comment: r.Comment,
		ReviewedBy: r.ReviewedBy, Version: r.Version, CreatedAt: r.CreatedAt}
	if r.Reasons != "" {
		out.Reasons = strings.Split(r.Reasons, "; ")
	}
	if !r.ReviewedAt.IsZero() {
		at := r.ReviewedAt
		out.ReviewedAt = &at
	}
	return out
}

// submitForReview keeps a builder's change for review when the
// guardrails ask for one; nil, nil when the change is saved as usual.
// Platform admins and installation tokens publish at once: they are the
// reviewers.
func (s *server) submitForReview(ctx context.Context, file, document string) (*applyOutput, error) {
	c := caller(ctx)
	if s.guard == nil || c.Principal.Admin() || c.UserID == "" {
		return nil, nil
	}
	doc, diags := flow.Load(file, []byte(document), s.flowOptions(ctx, c.Workspace))
	if diags.HasErrors() || doc == nil || doc.Flow == nil {
		return nil, invalidFlow(diags)
	}
	a, err := s.guard.Assess(ctx, c.Workspace, doc.Flow)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	if !a.NeedsReview {
		return nil, nil
	}
	current, err := s.backend.GetFlow(ctx, c.Workspace, doc.Flow.Name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, s.fail(ctx, err, "")
	}
	if err == nil && string(current.Document) == document {
		return nil, nil // nothing changes: nothing to review
	}
	r, err := s.guard.Submit(ctx, c.Workspace, file, []byte(document), doc.Flow, current.Version, a, c.Principal.User)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := reviewOut(r)
	res := ApplyFlowResult{Review: &out}
	if current.ID != "" {
		res.Flow = flowOut(current, false)
	}
	return &applyOutput{Status: http.StatusAccepted, Body: res}, nil
}

func (s *server) listReviews(ctx context.Context, in *struct {
	Status string `query:"status" enum:"submitted,approved,changes_requested," doc:"Only reviews in this state"`
}) (*struct{ Body ReviewList }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	c := caller(ctx)
	ws := c.Workspace
	if c.Principal.Admin() && !c.Chosen {
		ws = ""
	}
	rs, err := s.guard.Reviews(ctx, ws, in.Status)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := ReviewList{Reviews: []Review{}}
	for _, r := range rs {
		out.Reviews = append(out.Reviews, reviewOut(r))
	}
	return &struct{ Body ReviewList }{out}, nil
}

type reviewInput struct {
	ID   string `path:"id" maxLength:"100"`
	Body ReviewAnswer
}

func (s *server) approveReview(ctx context.Context, in *reviewInput) (*struct{ Body Review }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	publish := func(ctx context.Context, ws, file string, doc []byte, by string) (store.Flow, error) {
		f, _, err := s.backend.ApplyFlow(ctx, ws, file, doc, by)
		return f, err
	}
	r, err := s.guard.Approve(ctx, in.ID, in.Body.Comment, caller(ctx).Principal.User, publish)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body Review }{reviewOut(r)}, nil
}

func (s *server) requestChanges(ctx context.Context, in *reviewInput) (*struct{ Body Review }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	r, err := s.guard.RequestChanges(ctx, in.ID, in.Body.Comment, caller(ctx).Principal.User)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body Review }{reviewOut(r)}, nil
}

func (s *server) getReviewSettings(ctx context.Context, _ *struct{}) (*struct{ Body ReviewSettings }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	rs, err := s.guard.ReviewSettings(ctx)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body ReviewSettings }{ReviewSettings{Threshold: rs.Threshold}}, nil
}

func (s *server) putReviewSettings(ctx context.Context, in *struct{ Body ReviewSettings }) (*struct{ Body ReviewSettings }, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	if err := s.guard.SetReviewSettings(ctx, guard.ReviewSettings{Threshold: in.Body.Threshold}); err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &struct{ Body ReviewSettings }{in.Body}, nil
}
