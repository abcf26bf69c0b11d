package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/danielgtaylor/huma/v2"
)

// MaxWait is the longest a start-run request may wait for the run to end.
const MaxWait = 300

// StartRunRequest is the input of a manual run.
type StartRunRequest struct {
	Input json.RawMessage `json:"input,omitempty" doc:"The input: one record (an object) or a list of records; by default one empty record"`
	Wait  float64         `json:"wait,omitempty" minimum:"0" maximum:"300" doc:"Seconds to wait for the run to end before answering; the run goes on if it has not"`
}

// RerunRequest says where a re-run starts.
type RerunRequest struct {
	FromFailed bool `json:"from_failed,omitempty" doc:"Start at the step that failed, with the records it had, instead of from the beginning"`
}

// RunList is a page of runs, newest first.
type RunList struct {
	Runs []Run `json:"runs"`
	// Next is set when there may be more: pass it as 'before'.
	Next string `json:"next,omitempty" doc:"Pass as 'before' to get the next page; absent on the last page"`
}

type runID struct {
	ID string `path:"id" minLength:"1" maxLength:"100" doc:"The run's id"`
}

type listRunsInput struct {
	Flow   string    `query:"flow" doc:"Only runs of the flow with this name"`
	Status string    `query:"status" enum:"queued,running,waiting,succeeded,failed,cancelled" doc:"Only runs in this state"`
	Since  time.Time `query:"since" doc:"Only runs created at or after this time (RFC 3339)"`
	Until  time.Time `query:"until" doc:"Only runs created before this time (RFC 3339)"`
	Limit  int       `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"At most this many runs"`
	Before string    `query:"before" doc:"Runs created before this run id (the 'next' of the previous page)"`
}

type runOutput struct {
	Status int
	Body   Run
}

func noRun(id string) string { return fmt.Sprintf("there is no run with id '%s'", id) }

func (s *server) registerRuns(api huma.API) {
	tags := []string{"Runs"}
	huma.Register(api, secured(huma.Operation{
		OperationID: "start-run", Method: http.MethodPost, Path: "/api/v1/flows/{name}/runs", Tags: tags,
		Summary:       "Start a run of a flow",
		Description:   "Queues a run with the input (201). With wait, answers when the run has ended (200) or when wait has passed (201, the run goes on).",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusNotFound, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}), s.startRun)
	huma.Register(api, secured(huma.Operation{
		OperationID: "list-runs", Method: http.MethodGet, Path: "/api/v1/runs", Tags: tags,
		Summary: "List runs, newest first", Errors: []int{http.StatusNotFound},
	}), s.listRuns)
	huma.Register(api, secured(huma.Operation{
		OperationID: "get-run", Method: http.MethodGet, Path: "/api/v1/runs/{id}", Tags: tags,
		Summary: "Get a run with its steps", Errors: []int{http.StatusNotFound},
	}), s.getRun)
	huma.Register(api, secured(huma.Operation{
		OperationID: "cancel-run", Method: http.MethodPost, Path: "/api/v1/runs/{id}/cancel", Tags: tags,
		Summary: "Cancel a run that has not ended", Errors: []int{http.StatusNotFound, http.StatusConflict},
	}), s.cancelRun)
	huma.Register(api, secured(huma.Operation{
		OperationID: "rerun-run", Method: http.MethodPost, Path: "/api/v1/runs/{id}/rerun", Tags: tags,
		Summary:       "Run a run's flow version again with the same input",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}), s.rerunRun)
}

func (s *server) startRun(ctx context.Context, in *struct {
	Name string `path:"name" minLength:"1" maxLength:"200" doc:"The flow's name"`
	Body *StartRunRequest
}) (*runOutput, error) {
	req := StartRunRequest{}
	if in.Body != nil {
		req = *in.Body
	}
	input := req.Input
	if len(input) == 0 || string(input) == "null" {
		input = json.RawMessage(`{}`)
	}
	wait := time.Duration(req.Wait * float64(time.Second))
	r, err := s.backend.StartRun(ctx, caller(ctx).Workspace, in.Name, input, wait)
	if err != nil {
		return nil, s.fail(ctx, err, noFlow(in.Name))
	}
	status := http.StatusCreated
	if wait > 0 && r.Status.Final() {
		status = http.StatusOK
	}
	return &runOutput{Status: status, Body: runOut(r)}, nil
}

func (s *server) listRuns(ctx context.Context, in *listRunsInput) (*struct{ Body RunList }, error) {
	ws := caller(ctx).Workspace
	f := store.RunFilter{
		Workspace: ws, Status: store.Status(in.Status),
		Since: in.Since, Until: in.Until, Limit: in.Limit, Before: in.Before,
	}
	if in.Flow != "" {
		fl, err := s.backend.GetFlow(ctx, ws, in.Flow)
		if err != nil {
			return nil, s.fail(ctx, err, noFlow(in.Flow))
		}
		f.FlowID = fl.ID
	}
	runs, err := s.backend.ListRuns(ctx, f)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	out := RunList{Runs: make([]Run, 0, len(runs))}
	for _, r := range runs {
		out.Runs = append(out.Runs, runOut(r))
	}
	if len(runs) > 0 && len(runs) >= in.Limit {
		out.Next = runs[len(runs)-1].ID
	}
	return &struct{ Body RunList }{out}, nil
}

// run fetches a run of the caller's workspace: another workspace's run is
// "not found", not "forbidden", so ids cannot be probed.
func (s *server) run(ctx context.Context, id string) (store.Run, []store.Step, error) {
	r, steps, err := s.backend.GetRun(ctx, id)
	if err == nil && r.Workspace != "" && r.Workspace != caller(ctx).Workspace {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Run{}, nil, s.fail(ctx, err, noRun(id))
	}
	return r, steps, nil
}

func (s *server) getRun(ctx context.Context, in *runID) (*struct{ Body RunDetail }, error) {
	r, steps, err := s.run(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := RunDetail{Run: runOut(r), Steps: make([]Step, 0, len(steps))}
	for _, st := range steps {
		out.Steps = append(out.Steps, stepOut(st))
	}
	return &struct{ Body RunDetail }{out}, nil
}

func (s *server) cancelRun(ctx context.Context, in *runID) (*runOutput, error) {
	if _, _, err := s.run(ctx, in.ID); err != nil {
		return nil, err
	}
	if err := s.backend.CancelRun(ctx, in.ID); err != nil {
		return nil, s.fail(ctx, err, noRun(in.ID))
	}
	r, _, err := s.run(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &runOutput{Status: http.StatusOK, Body: runOut(r)}, nil
}

func (s *server) rerunRun(ctx context.Context, in *struct {
	ID   string `path:"id" minLength:"1" maxLength:"100" doc:"The run's id"`
	Body *RerunRequest
}) (*runOutput, error) {
	if _, _, err := s.run(ctx, in.ID); err != nil {
		return nil, err
	}
	fromFailed := in.Body != nil && in.Body.FromFailed
	r, err := s.backend.RerunRun(ctx, in.ID, fromFailed)
	if err != nil {
		return nil, s.fail(ctx, err, noRun(in.ID))
	}
	return &runOutput{Status: http.StatusCreated, Body: runOut(r)}, nil
}
