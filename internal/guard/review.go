package guard

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
)

// reviewSetting is the installation setting with the review threshold.
const reviewSetting = "guardrails.review"

// DefaultThreshold is the risk score from which a builder's change waits
// for review, until IT sets another.
const DefaultThreshold = 60

// ReviewSettings say which changes wait for review.
type ReviewSettings struct {
	// Threshold is the risk score (0 to 100) from which a change waits
	// for review; below it, publishing is immediate. 0 reviews every
	// change, 101 none (except those using a connector IT reviews).
	Threshold int `json:"threshold"`
}

// ReviewSettings returns the review settings.
func (s *Service) ReviewSettings(ctx context.Context) (ReviewSettings, error) {
	data, err := s.cfg.Store.Setting(ctx, reviewSetting)
	if errors.Is(err, store.ErrNotFound) {
		return ReviewSettings{Threshold: DefaultThreshold}, nil
	}
	if err != nil {
		return ReviewSettings{}, err
	}
	var rs ReviewSettings
	if err := json.Unmarshal(data, &rs); err != nil {
		return ReviewSettings{}, fmt.Errorf("the review settings are damaged: %w", err)
	}
	return rs, nil
}

// SetReviewSettings changes the review settings.
func (s *Service) SetReviewSettings(ctx context.Context, rs ReviewSettings) error {
	if rs.Threshold < 0 || rs.Threshold > 101 {
		return refuse(Invalid, "the threshold is a risk score from 0 (review every change) to 101 (review none)")
	}
	before, err := s.ReviewSettings(ctx)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(rs)
	if err := s.cfg.Store.PutSetting(ctx, reviewSetting, data); err != nil {
		return err
	}
	_, err = s.cfg.Audit.Record(ctx, audit.Change{Action: "settings.review", Target: store.AuditTarget{Kind: "settings", ID: reviewSetting, Name: "review"},
		Before: before, After: rs})
	return err
}

// Assessment is what the guardrails make of a change to a flow.
type Assessment struct {
	Risk        Risk
	NeedsReview bool
}

// Assess scores a flow document of the workspace and says whether a
// builder's change to it waits for review: when its risk reaches the
// threshold, or it uses a connector IT reviews.
func (s *Service) Assess(ctx context.Context, workspace string, f *flow.Flow) (Assessment, error) {
	cat, err := s.Catalogue(ctx)
	if err != nil {
		return Assessment{}, err
	}
	rs, err := s.ReviewSettings(ctx)
	if err != nil {
		return Assessment{}, err
	}
	it := Item{Workspace: workspace}
	it.describe(f, cat)
	review := slices.ContainsFunc(it.Connectors, func(c string) bool { return cat.Status(workspace, c) == Review })
	return Assessment{Risk: it.Risk, NeedsReview: review || it.Risk.Score >= rs.Threshold}, nil
}

// Submit keeps a change for review and tells the platform admins.
func (s *Service) Submit(ctx context.Context, workspace, file string, doc []byte, f *flow.Flow, base int, a Assessment, by store.User) (store.Review, error) {
	r := store.Review{ID: uuid.Must(uuid.NewV7()).String(), Workspace: workspace, Flow: f.Name, File: file, Document: doc,
		BaseVersion: base, Risk: a.Risk.Score, Reasons: strings.Join(a.Risk.Reasons, "; "), Status: store.ReviewSubmitted,
		SubmittedBy: by.ID, CreatedAt: s.cfg.Clock.Now()}
	if err := s.cfg.Store.CreateReview(ctx, r); err != nil {
		return r, err
	}
	if _, err := s.cfg.Audit.Record(ctx, audit.Change{Workspace: workspace, Action: "flow.submit",
		Target: store.AuditTarget{Kind: "flow", ID: r.ID, Name: f.Name},
		After:  map[string]any{"review": r.ID, "risk": r.Risk, "reasons": a.Risk.Reasons}}); err != nil {
		return r, err
	}
	admins, err := s.admins(ctx)
	if err != nil {
		return r, err
	}
	return r, s.notify(ctx, admins, workspace, "review",
		fmt.Sprintf("%s submitted the flow '%s' in workspace '%s' for review (risk %d: %s)", cmp.Or(by.Name, by.Email, "someone"),
			f.Name, workspace, r.Risk, cmp.Or(r.Reasons, "a connector IT reviews")), "/admin/reviews")
}

// Reviews lists a workspace's reviews ("" for all), newest first.
func (s *Service) Reviews(ctx context.Context, workspace, status string) ([]store.Review, error) {
	return s.cfg.Store.ListReviews(ctx, workspace, status)
}

// Publish saves a flow document as the flow's next version.
type Publish func(ctx context.Context, workspace, file string, doc []byte, by string) (store.Flow, error)

// Approve publishes a submitted change, as its submitter (who owns the
// flow when it is new), and tells them. A change that no longer passes
// the checks (the flow changed meanwhile, a connector was blocked) is
// refused and stays submitted.
func (s *Service) Approve(ctx context.Context, id, comment string, reviewer store.User, publish Publish) (store.Review, error) {
	r, err := s.submitted(ctx, id)
	if err != nil {
		return r, err
	}
	submitter, err := s.cfg.Store.GetUser(ctx, r.SubmittedBy)
	if err != nil {
		return r, fmt.Errorf("the submitter of review %s: %w", id, err)
	}
	current, err := s.cfg.Store.GetFlow(ctx, r.Workspace, r.Flow)
	switch {
	case errors.Is(err, store.ErrNotFound):
		current = store.Flow{}
	case err != nil:
		return r, err
	}
	if current.Version != r.BaseVersion {
		return r, refuse(Conflict, "the flow '%s' changed since it was submitted (version %d now, %d then): ask for changes, so it is submitted again from the latest version",
			r.Flow, current.Version, r.BaseVersion)
	}
	_, source := audit.ActorFrom(ctx)
	as := audit.WithActor(ctx, store.AuditActor{Kind: "user", ID: submitter.ID, Name: submitter.Email}, source)
	f, err := publish(as, r.Workspace, r.File, r.Document, submitter.ID)
	if err != nil {
		return r, err
	}
	return s.finish(ctx, r, store.ReviewApproved, comment, reviewer, f.Version)
}

// RequestChanges sends a submitted change back with the reviewer's
// comment; nothing is published.
func (s *Service) RequestChanges(ctx context.Context, id, comment string, reviewer store.User) (store.Review, error) {
	r, err := s.submitted(ctx, id)
	if err != nil {
		return r, err
	}
	if strings.TrimSpace(comment) == "" {
		return r, refuse(Invalid, "say what should change, so the builder knows")
	}
	return s.finish(ctx, r, store.ReviewChangesRequested, comment, reviewer, 0)
}

func (s *Service) submitted(ctx context.Context, id string) (store.Review, error) {
	r, err := s.cfg.Store.GetReview(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return r, refuse(NotFound, "there is no review '%s'", id)
	case err != nil:
		return r, err
	case r.Status != store.ReviewSubmitted:
		return r, refuse(Conflict, "this review was answered already (%s)", strings.ReplaceAll(r.Status, "_", " "))
	}
	return r, nil
}

func (s *Service) finish(ctx context.Context, r store.Review, status, comment string, reviewer store.User, version int) (store.Review, error) {
	r.Status, r.Comment, r.ReviewedBy, r.Version, r.ReviewedAt = status, strings.TrimSpace(comment), reviewer.ID, version, s.cfg.Clock.Now()
	done, err := s.cfg.Store.FinishReview(ctx, r)
	if errors.Is(err, store.ErrConflict) {
		return done, refuse(Conflict, "this review was answered already (%s)", strings.ReplaceAll(done.Status, "_", " "))
	}
	if err != nil {
		return done, err
	}
	if _, err := s.cfg.Audit.Record(ctx, audit.Change{Workspace: r.Workspace, Action: "flow.review." + status,
		Target: store.AuditTarget{Kind: "flow", ID: r.ID, Name: r.Flow},
		After:  map[string]any{"review": r.ID, "status": status, "comment": done.Comment, "version": version}}); err != nil {
		return done, err
	}
	msg := fmt.Sprintf("IT published your change to the flow '%s' (version %d)", r.Flow, version)
	if status == store.ReviewChangesRequested {
		msg = fmt.Sprintf("IT asks for changes to the flow '%s' before it is published", r.Flow)
	}
	if done.Comment != "" {
		msg += ": " + done.Comment
	}
	return done, s.notify(ctx, []string{r.SubmittedBy}, r.Workspace, "review", msg, "/flows/"+r.Flow)
}
