package store

import (
	"context"
	"time"
)

// Connector request states.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestDeclined = "declined"
)

// ConnectorRequest is a builder asking IT to allow a connector in their
// workspace.
type ConnectorRequest struct {
	ID          string
	Workspace   string
	Connector   string
	Reason      string
	RequestedBy string // user id
	Status      string // RequestPending, RequestApproved or RequestDeclined
	Answer      string
	AnsweredBy  string // user id
	CreatedAt   time.Time
	AnsweredAt  time.Time // zero while pending
}

// Notification tells one person of something that concerns them: a
// request answered, a flow paused by a guardrail.
type Notification struct {
	ID        string
	UserID    string
	Workspace string // "" when about the installation
	Kind      string // e.g. "connector_request", "flow_suspended"
	Message   string // in plain words
	Link      string // a path in the web app, e.g. /flows/name
	CreatedAt time.Time
	ReadAt    time.Time // zero while unread
}

// Review states.
const (
	ReviewSubmitted        = "submitted"
	ReviewApproved         = "approved"
	ReviewChangesRequested = "changes_requested"
)

// Review is a change to a flow waiting for a platform admin: the document
// as submitted, why it needs review, and the answer.
type Review struct {
	ID          string
	Workspace   string
	Flow        string // the flow's name, from the document
	File        string
	Document    []byte
	BaseVersion int    // the flow's version when it was submitted (0: new)
	Risk        int    // 0 to 100
	Reasons     string // why it needs review, "; " between reasons
	Status      string // ReviewSubmitted, ReviewApproved or ReviewChangesRequested
	SubmittedBy string // user id
	Comment     string // the reviewer's
	ReviewedBy  string
	Version     int // the version it became, once approved
	CreatedAt   time.Time
	ReviewedAt  time.Time
}

// GuardStore keeps what the guardrails need beyond settings: connector
// requests and the notifications they and other guardrails send.
type GuardStore interface {
	// PutSetting stores an installation setting, replacing its value.
	PutSetting(ctx context.Context, key string, value []byte) error

	// CreateConnectorRequest stores a new, pending request.
	CreateConnectorRequest(ctx context.Context, r ConnectorRequest) error
	// GetConnectorRequest finds a request by id.
	GetConnectorRequest(ctx context.Context, id string) (ConnectorRequest, error)
	// ListConnectorRequests lists the requests of a workspace ("" for
	// every workspace), newest first.
	ListConnectorRequests(ctx context.Context, workspace string) ([]ConnectorRequest, error)
	// AnswerConnectorRequest records the answer to a pending request and
	// returns the request as stored; ErrConflict when it was answered
	// already, ErrNotFound when there is none.
	AnswerConnectorRequest(ctx context.Context, id, status, answer, by string, at time.Time) (ConnectorRequest, error)

	// AddNotifications stores notifications.
	AddNotifications(ctx context.Context, ns []Notification) error
	// ListNotifications lists a person's notifications, newest first, at
	// most limit.
	ListNotifications(ctx context.Context, userID string, limit int) ([]Notification, error)
	// MarkNotificationRead marks one of the person's notifications read;
	// ErrNotFound when they have none with that id.
	MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error

	// FlowRunStats counts each flow's runs created at or after since, by
	// flow id, for the inventory. Flows without such runs are absent.
	FlowRunStats(ctx context.Context, since time.Time) (map[string]FlowRunStats, error)
	// CountRunsSince counts the workspace's runs created at or after since
	// (a daily quota's start).
	CountRunsSince(ctx context.Context, workspace string, since time.Time) (int, error)
	// SetFlowOwner hands a flow to another person (an orphaned flow's new
	// owner); ErrNotFound when there is no such flow.
	SetFlowOwner(ctx context.Context, flowID, owner string) error

	// CreateReview stores a submitted change.
	CreateReview(ctx context.Context, r Review) error
	// GetReview finds a review by id.
	GetReview(ctx context.Context, id string) (Review, error)
	// ListReviews lists a workspace's reviews ("" for every workspace),
	// newest first; status "" for every status.
	ListReviews(ctx context.Context, workspace, status string) ([]Review, error)
	// FinishReview records the answer to a submitted review (status,
	// comment, reviewer, the version it became) and returns it as stored;
	// ErrConflict when it was answered already.
	FinishReview(ctx context.Context, r Review) (Review, error)
}

// FlowRunStats are a flow's recent runs, counted.
type FlowRunStats struct {
	Runs      int
	Failed    int
	LastRunAt time.Time // when the newest of them was created
}
