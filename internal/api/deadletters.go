package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/bistro-dev/bistro/internal/store"
)

// DeadLetterBackend is what the dead-letter operations need from the
// backend: the messages whose runs failed every attempt.
type DeadLetterBackend interface {
	// ListDeadLetters lists a workspace's dead letters, newest first; of
	// one flow when flow is set.
	ListDeadLetters(ctx context.Context, workspace, flow string, limit int) ([]store.DeadLetter, error)
	GetDeadLetter(ctx context.Context, workspace, id string) (store.DeadLetter, error)
	// ReplayDeadLetter runs the message again with the flow as it is now
	// and takes it off the list.
	ReplayDeadLetter(ctx context.Context, workspace, id string) (store.Run, error)
	DeleteDeadLetter(ctx context.Context, workspace, id string) error
}

// DeadLetter is a message whose runs failed as many times as its flow
// allows.
type DeadLetter struct {
	ID        string          `json:"id"`
	Flow      string          `json:"flow" doc:"The flow's name; empty when the flow was deleted"`
	RunID     string          `json:"run_id" doc:"The last run that failed"`
	Source    string          `json:"source" doc:"The event source, e.g. redis.stream"`
	MessageID string          `json:"message_id,omitempty" doc:"The message's id at its source"`
	Record    json.RawMessage `json:"record" doc:"The message as the flow received it"`
	Error     string          `json:"error" doc:"Why the last run failed"`
	Attempts  int             `json:"attempts" doc:"How many runs the message had"`
	CreatedAt time.Time       `json:"created_at"`
}

// DeadLetterList is a page of dead letters, newest first.
type DeadLetterList struct {
	DeadLetters []DeadLetter `json:"dead_letters"`
}

type deadLetterID struct {
	ID string `path:"id" minLength:"1" maxLength:"100" doc:"The dead letter's id"`
}

func noDeadLetter(id string) string {
	return fmt.Sprintf("there is no dead letter with id '%s'", id)
}

func deadLetterOut(d store.DeadLetter) DeadLetter {
	rec := d.Record
	if len(rec) == 0 {
		rec = json.RawMessage("null")
	}
	return DeadLetter{ID: d.ID, Flow: d.FlowName, RunID: d.RunID, Source: d.Source, MessageID: d.MessageID,
		Record: rec, Error: d.Error, Attempts: d.Attempts, CreatedAt: d.CreatedAt}
}

func (s *server) registerDeadLetters(api huma.API) {
	tags := []string{"Dead letters"}
	huma.Register(api, secured(huma.Operation{
		OperationID: "list-dead-letters", Method: http.MethodGet, Path: "/api/v1/dead-letters", Tags: tags,
		Summary: "List messages whose runs failed every attempt, newest first",
		Errors:  []int{http.StatusNotFound},
	}), s.listDeadLetters)
	huma.Register(api, secured(huma.Operation{
		OperationID: "get-dead-letter", Method: http.MethodGet, Path: "/api/v1/dead-letters/{id}", Tags: tags,
		Summary: "Get a dead letter", Errors: []int{http.StatusNotFound},
	}), s.getDeadLetter)
	huma.Register(api, secured(huma.Operation{
		OperationID: "replay-dead-letter", Method: http.MethodPost, Path: "/api/v1/dead-letters/{id}/replay", Tags: tags,
		Summary:       "Run a dead letter's message again and take it off the list",
		Description:   "Queues a run of the message with the flow as it is now (201) and deletes the dead letter.",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusNotFound, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}), s.replayDeadLetter)
	huma.Register(api, secured(huma.Operation{
		OperationID: "delete-dead-letter", Method: http.MethodDelete, Path: "/api/v1/dead-letters/{id}", Tags: tags,
		Summary: "Delete a dead letter without running it", DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusNotFound},
	}), s.deleteDeadLetter)
}

func (s *server) listDeadLetters(ctx context.Context, in *struct {
	Flow  string `query:"flow" doc:"Only dead letters of the flow with this name"`
	Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"At most this many"`
}) (*struct{ Body DeadLetterList }, error) {
	list, err := s.backend.ListDeadLetters(ctx, caller(ctx).Workspace, in.Flow, in.Limit)
	if err != nil {
		return nil, s.fail(ctx, err, noFlow(in.Flow))
	}
	out := DeadLetterList{DeadLetters: make([]DeadLetter, 0, len(list))}
	for _, d := range list {
		out.DeadLetters = append(out.DeadLetters, deadLetterOut(d))
	}
	return &struct{ Body DeadLetterList }{out}, nil
}

func (s *server) getDeadLetter(ctx context.Context, in *deadLetterID) (*struct{ Body DeadLetter }, error) {
	d, err := s.backend.GetDeadLetter(ctx, caller(ctx).Workspace, in.ID)
	if err != nil {
		return nil, s.fail(ctx, err, noDeadLetter(in.ID))
	}
	return &struct{ Body DeadLetter }{deadLetterOut(d)}, nil
}

func (s *server) replayDeadLetter(ctx context.Context, in *deadLetterID) (*runOutput, error) {
	r, err := s.backend.ReplayDeadLetter(ctx, caller(ctx).Workspace, in.ID)
	if err != nil {
		return nil, s.fail(ctx, err, noDeadLetter(in.ID))
	}
	return &runOutput{Status: http.StatusCreated, Body: runOut(r)}, nil
}

func (s *server) deleteDeadLetter(ctx context.Context, in *deadLetterID) (*struct{}, error) {
	if err := s.backend.DeleteDeadLetter(ctx, caller(ctx).Workspace, in.ID); err != nil {
		return nil, s.fail(ctx, err, noDeadLetter(in.ID))
	}
	return nil, nil
}
