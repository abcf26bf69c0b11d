package api

import (
	"encoding/json"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// Flow is a flow as the API shows it.
type Flow struct {
	ID          string    `json:"id" doc:"Stable id of the flow"`
	Name        string    `json:"name" doc:"The flow's name, unique in its workspace"`
	Enabled     bool      `json:"enabled" doc:"Whether triggers start runs"`
	Version     int       `json:"version" doc:"Latest version number, from 1"`
	Trigger     string    `json:"trigger" enum:"manual,webhook,schedule" doc:"What starts the flow"`
	Format      string    `json:"format" enum:"yaml,json" doc:"How the document is written"`
	WebhookPath string    `json:"webhook_path,omitempty" doc:"For webhook flows: the path to call, relative to the server's address"`
	Document    string    `json:"document,omitempty" doc:"The latest version's document, as written (only when one flow is asked for)"`
	Owner       string    `json:"owner,omitempty" doc:"The id of the person who owns the flow; empty for flows applied with an installation token"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Run is a run as the API shows it. The trigger data is left out: it can
// hold the caller's headers.
type Run struct {
	ID          string          `json:"id"`
	FlowID      string          `json:"flow_id"`
	FlowName    string          `json:"flow_name"`
	FlowVersion int             `json:"flow_version"`
	Trigger     string          `json:"trigger" doc:"What started the run: manual, webhook, schedule, call or rerun"`
	Status      string          `json:"status" enum:"queued,running,waiting,succeeded,failed,cancelled"`
	Input       json.RawMessage `json:"input,omitempty" doc:"The input records"`
	Output      json.RawMessage `json:"output,omitempty" doc:"The output records (cut short when large)"`
	Response    json.RawMessage `json:"response,omitempty" doc:"The reply a webhook flow sent"`
	Error       json.RawMessage `json:"error,omitempty" doc:"Why the run failed: step, record index and message"`
	Attempt     int             `json:"attempt"`
	ParentID    string          `json:"parent_id,omitempty" doc:"The run this one re-runs, or the run that called it"`
	FromStep    string          `json:"from_step,omitempty" doc:"A re-run started at this step"`
	CreatedAt   time.Time       `json:"created_at"`
	StartedAt   *time.Time      `json:"started_at,omitempty"`
	EndedAt     *time.Time      `json:"ended_at,omitempty"`
}

// Step is one step's checkpoint in a run.
type Step struct {
	ID        string          `json:"id" doc:"The step's id in the flow"`
	Position  int             `json:"position" doc:"Order in the flow, from 0"`
	Status    string          `json:"status"`
	In        int             `json:"records_in"`
	Out       int             `json:"records_out"`
	Input     json.RawMessage `json:"input,omitempty" doc:"The first records that reached the step, as a list (cut short when large; absent when the run keeps no data)"`
	Output    json.RawMessage `json:"output,omitempty" doc:"The first records the step passed on, as a list (cut short when large; absent when the run keeps no data)"`
	Error     string          `json:"error,omitempty"`
	Attempts  int             `json:"attempts"`
	StartedAt *time.Time      `json:"started_at,omitempty"`
	EndedAt   *time.Time      `json:"ended_at,omitempty"`
}

// RunDetail is a run with its steps.
type RunDetail struct {
	Run
	Steps []Step `json:"steps"`
}

// Webhook paths start with this prefix.
const hooksPrefix = "/hooks/"

func flowOut(f store.Flow, withDocument bool) Flow {
	out := Flow{
		ID: f.ID, Name: f.Name, Enabled: f.Enabled, Version: f.Version,
		Trigger: f.Trigger, Format: f.Format, Owner: f.Owner,
		CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(),
	}
	if f.Trigger == "webhook" && f.WebhookID != "" {
		out.WebhookPath = hooksPrefix + f.WebhookID
	}
	if withDocument {
		out.Document = string(f.Document)
	}
	return out
}

func runOut(r store.Run) Run {
	return Run{
		ID: r.ID, FlowID: r.FlowID, FlowName: r.FlowName, FlowVersion: r.FlowVersion,
		Trigger: r.Trigger, Status: string(r.Status),
		Input: jsonOrNil(r.Input), Output: jsonOrNil(r.Output),
		Response: jsonOrNil(r.Response), Error: jsonOrNil(r.Error),
		Attempt: r.Attempt, ParentID: r.ParentID, FromStep: r.FromStep,
		CreatedAt: r.CreatedAt.UTC(), StartedAt: timeOrNil(r.StartedAt), EndedAt: timeOrNil(r.EndedAt),
	}
}

func stepOut(s store.Step) Step {
	return Step{
		ID: s.StepID, Position: s.Position, Status: string(s.Status), In: s.In, Out: s.Out,
		Input: jsonOrNil(s.Input), Output: jsonOrNil(s.Output), Error: s.Error, Attempts: s.Attempts,
		StartedAt: timeOrNil(s.Started), EndedAt: timeOrNil(s.Ended),
	}
}

// jsonOrNil drops empty or invalid JSON so that a bad stored value never
// breaks the whole response.
func jsonOrNil(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
