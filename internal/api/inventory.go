package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// InventoryItem is one flow as IT's inventory shows it.
type InventoryItem struct {
	Workspace    string     `json:"workspace"`
	Flow         string     `json:"flow"`
	Enabled      bool       `json:"enabled"`
	Trigger      string     `json:"trigger"`
	Version      int        `json:"version"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Owner        string     `json:"owner" doc:"The owner's user id; '' when nobody owns it"`
	OwnerEmail   string     `json:"owner_email,omitempty"`
	Orphaned     bool       `json:"orphaned" doc:"The owner left (deactivated) or there is none: reassign it"`
	Connectors   []string   `json:"connectors"`
	Connections  []string   `json:"connections"`
	Destinations []string   `json:"destinations" doc:"Where it sends data: web hosts, messaging connectors, 'computed at run time'"`
	LastRunAt    *time.Time `json:"last_run_at,omitempty"`
	RunsPerDay   float64    `json:"runs_per_day" doc:"Over the last 7 days"`
	FailureRate  float64    `json:"failure_rate" doc:"Share of the last 7 days' runs that failed, 0 to 1"`
	Risk         int        `json:"risk" minimum:"0" maximum:"100"`
	RiskLevel    string     `json:"risk_level" enum:"low,medium,high"`
	RiskReasons  []string   `json:"risk_reasons"`
}

// Inventory is every flow of every workspace.
type Inventory struct {
	Flows    []InventoryItem `json:"flows"`
	Orphaned int             `json:"orphaned"`
}

// OwnerChange hands a flow to another person.
type OwnerChange struct {
	Owner string `json:"owner" minLength:"1" maxLength:"100" doc:"The new owner's user id: a builder or owner of the workspace, or a platform admin"`
}

func (s *server) registerInventory(api huma.API) {
	tags := []string{"Guardrails"}
	huma.Register(api, secured(huma.Operation{OperationID: "get-inventory", Method: http.MethodGet, Path: "/api/v1/inventory", Tags: tags,
		Summary: "List every flow of every workspace with its owner, connectors, destinations, runs and risk"}), s.getInventory)
	huma.Register(api, secured(huma.Operation{OperationID: "export-inventory", Method: http.MethodGet, Path: "/api/v1/inventory/export", Tags: tags,
		Summary: "The inventory as CSV, for a spreadsheet",
		Responses: map[string]*huma.Response{"200": {Description: "One flow a row, with a header row",
			Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}}), s.exportInventory)
	huma.Register(api, secured(huma.Operation{OperationID: "set-flow-owner", Method: http.MethodPut, Path: "/api/v1/flows/{name}/owner", Tags: tags,
		Summary: "Hand a flow to another person, e.g. an orphaned one", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}), s.setFlowOwner)
}

func (s *server) inventory(ctx context.Context) (Inventory, error) {
	if s.guard == nil {
		return Inventory{}, s.guardOff()
	}
	items, err := s.guard.Inventory(ctx)
	if err != nil {
		return Inventory{}, s.fail(ctx, err, "")
	}
	out := Inventory{Flows: []InventoryItem{}}
	for _, it := range items {
		o := InventoryItem{Workspace: it.Workspace, Flow: it.Flow, Enabled: it.Enabled, Trigger: it.Trigger, Version: it.Version,
			UpdatedAt: it.UpdatedAt, Owner: it.OwnerID, OwnerEmail: it.OwnerEmail, Orphaned: it.Orphaned,
			Connectors: nonNil(it.Connectors), Connections: nonNil(it.Connections), Destinations: nonNil(it.Destinations),
			RunsPerDay: it.RunsPerDay, FailureRate: it.FailureRate,
			Risk: it.Risk.Score, RiskLevel: it.Risk.Level, RiskReasons: nonNil(it.Risk.Reasons)}
		if o.RiskLevel == "" {
			o.RiskLevel = "low"
		}
		if !it.LastRunAt.IsZero() {
			at := it.LastRunAt
			o.LastRunAt = &at
		}
		if it.Orphaned {
			out.Orphaned++
		}
		out.Flows = append(out.Flows, o)
	}
	return out, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func (s *server) getInventory(ctx context.Context, _ *struct{}) (*struct{ Body Inventory }, error) {
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	return &struct{ Body Inventory }{inv}, nil
}

// inventoryColumns are the CSV export's header.
var inventoryColumns = []string{"workspace", "flow", "enabled", "trigger", "version", "owner_email", "orphaned",
	"connectors", "connections", "destinations", "last_run_at", "runs_per_day", "failure_rate", "risk", "risk_level", "risk_reasons", "updated_at"}

func (s *server) exportInventory(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", "text/csv; charset=utf-8")
		hc.SetHeader("Content-Disposition", `attachment; filename="bistro-inventory.csv"`)
		w := csv.NewWriter(hc.BodyWriter())
		_ = w.Write(inventoryColumns)
		for _, f := range inv.Flows {
			last := ""
			if f.LastRunAt != nil {
				last = f.LastRunAt.UTC().Format(time.RFC3339)
			}
			_ = w.Write([]string{f.Workspace, f.Flow, strconv.FormatBool(f.Enabled), f.Trigger, strconv.Itoa(f.Version),
				f.OwnerEmail, strconv.FormatBool(f.Orphaned), strings.Join(f.Connectors, " "), strings.Join(f.Connections, " "),
				strings.Join(f.Destinations, " "), last, fmt.Sprintf("%.1f", f.RunsPerDay), fmt.Sprintf("%.3f", f.FailureRate),
				strconv.Itoa(f.Risk), f.RiskLevel, strings.Join(f.RiskReasons, "; "), f.UpdatedAt.UTC().Format(time.RFC3339)})
		}
		w.Flush()
	}}, nil
}

func (s *server) setFlowOwner(ctx context.Context, in *struct {
	Name string `path:"name" maxLength:"200"`
	Body OwnerChange
}) (*flowOutput, error) {
	if s.guard == nil {
		return nil, s.guardOff()
	}
	f, err := s.guard.Reassign(ctx, caller(ctx).Workspace, in.Name, in.Body.Owner)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	return &flowOutput{flowOut(f, false)}, nil
}
