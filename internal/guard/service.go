package guard

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
)

// catalogueSetting is the installation setting that holds the catalogue.
const catalogueSetting = "guardrails.catalogue"

// refresh is how old the catalogue a node holds may get before it reads
// it again, so a change on one node reaches the others.
const refresh = 2 * time.Second

// Config is what the guardrails need.
type Config struct {
	Store store.Store
	Audit audit.Log
	// Known reports whether a connector id exists; nil accepts any.
	Known func(id string) bool
	// Pause disables a flow the way the runtime does (its webhook,
	// schedule and event trigger stop); nil only disables it in the store.
	Pause  func(ctx context.Context, workspace, name string) error
	Clock  clock.Clock  // nil: clock.Real{}
	Logger *slog.Logger // nil: discard
}

// Service applies the guardrails.
type Service struct {
	cfg    Config
	mu     sync.Mutex
	cat    Catalogue
	loaded time.Time

	quotas   map[string]Quota
	quotasAt time.Time
	told     map[string]string // workspace and message → the day its owners were told
}

// New returns the guardrails service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}
}

// Error is a refusal to show the person as it is (4xx).
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

// Kind is what sort of refusal an Error is.
type Kind int

// The kinds of Error.
const (
	Invalid   Kind = iota + 1 // the request is wrong (422)
	NotFound                  // 404
	Conflict                  // 409
	Forbidden                 // a guardrail forbids it (403)
)

func refuse(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Catalogue returns the connector catalogue.
func (s *Service) Catalogue(ctx context.Context) (Catalogue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded.IsZero() && s.cfg.Clock.Now().Sub(s.loaded) < refresh {
		return s.cat, nil
	}
	data, err := s.cfg.Store.Setting(ctx, catalogueSetting)
	var c Catalogue
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return Catalogue{}, fmt.Errorf("the connector catalogue: %w", err)
	default:
		if err := json.Unmarshal(data, &c); err != nil {
			return Catalogue{}, fmt.Errorf("the connector catalogue is damaged: %w", err)
		}
	}
	s.cat, s.loaded = c, s.cfg.Clock.Now()
	return c, nil
}

// Allowed says whether flows in the workspace may use the connector: an
// error in plain words when it is blocked.
func (s *Service) Allowed(ctx context.Context, workspace, connector string) error {
	c, err := s.Catalogue(ctx)
	if err != nil {
		return err
	}
	if c.Status(workspace, connector) == Blocked {
		return refuse(Forbidden, "IT has blocked the connector '%s' in workspace '%s'", connector, workspace)
	}
	return nil
}

// Paused is a flow a guardrail paused, and why.
type Paused struct {
	Workspace, Flow, Reason string
}

// SetStatus sets a connector's status in a workspace ("" for
// platform-wide; an empty status removes the entry). Flows that may no
// longer run are paused and their owners told; they are returned.
func (s *Service) SetStatus(ctx context.Context, workspace, connector, status string) ([]Paused, error) {
	if status != "" && !ValidStatus(status) {
		return nil, refuse(Invalid, "the status '%s' is not one of approved, review, blocked", status)
	}
	if s.cfg.Known != nil && !s.cfg.Known(connector) {
		return nil, refuse(NotFound, "there is no connector '%s'; run 'bistro connectors list' to see them", connector)
	}
	if workspace != "" {
		if _, err := s.cfg.Store.GetWorkspace(ctx, workspace); errors.Is(err, store.ErrNotFound) {
			return nil, refuse(NotFound, "there is no workspace '%s'", workspace)
		} else if err != nil {
			return nil, err
		}
	}
	before, err := s.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	after := before.With(workspace, connector, status)
	if err := s.save(ctx, after); err != nil {
		return nil, err
	}
	where := "platform"
	if workspace != "" {
		where = workspace
	}
	if _, err := s.cfg.Audit.Record(ctx, audit.Change{Workspace: workspace, Action: "connector.status",
		Target: store.AuditTarget{Kind: "connector", ID: connector, Name: connector},
		Before: map[string]string{"status": before.Status(workspace, connector), "scope": where},
		After:  map[string]string{"status": after.Status(workspace, connector), "scope": where}}); err != nil {
		return nil, err
	}
	return s.enforce(ctx, after, connector, workspace)
}

func (s *Service) save(ctx context.Context, c Catalogue) error {
	if err := c.check(s.cfg.Known); err != nil {
		return refuse(Invalid, "%v", err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.PutSetting(ctx, catalogueSetting, data); err != nil {
		return err
	}
	s.mu.Lock()
	s.cat, s.loaded = c, s.cfg.Clock.Now()
	s.mu.Unlock()
	return nil
}

// enforce pauses the enabled flows that use the connector where it is now
// blocked (in one workspace, or in all when workspace is "").
func (s *Service) enforce(ctx context.Context, c Catalogue, connector, workspace string) ([]Paused, error) {
	workspaces := []string{workspace}
	if workspace == "" {
		all, err := s.cfg.Store.ListWorkspaces(ctx)
		if err != nil {
			return nil, err
		}
		workspaces = workspaces[:0]
		for _, w := range all {
			workspaces = append(workspaces, w.ID)
		}
	}
	var paused []Paused
	for _, ws := range workspaces {
		if c.Status(ws, connector) != Blocked {
			continue
		}
		flows, err := s.cfg.Store.ListFlows(ctx, ws)
		if err != nil {
			return paused, err
		}
		for _, f := range flows {
			if !f.Enabled || !slices.Contains(Uses(f), connector) {
				continue
			}
			if err := s.pause(ctx, f); err != nil {
				return paused, err
			}
			p := Paused{Workspace: ws, Flow: f.Name, Reason: fmt.Sprintf("IT blocked the connector '%s' it uses", connector)}
			paused = append(paused, p)
			msg := fmt.Sprintf("Your flow '%s' in workspace '%s' was paused: %s. Ask for access on the Connectors page, or change the flow so it does without it.", f.Name, ws, p.Reason)
			if err := s.notifyOwners(ctx, f, "flow_suspended", msg, "/flows/"+f.Name); err != nil {
				return paused, err
			}
		}
	}
	return paused, nil
}

func (s *Service) pause(ctx context.Context, f store.Flow) error {
	if s.cfg.Pause != nil {
		return s.cfg.Pause(ctx, f.Workspace, f.Name)
	}
	return s.cfg.Store.SetFlowEnabled(ctx, f.ID, false)
}

// Uses lists the connectors the flow's latest version uses; a document
// that no longer parses uses none that can be told.
func Uses(f store.Flow) []string {
	doc, diags := flow.Parse(f.Name, f.Document)
	if diags.HasErrors() || doc == nil || doc.Flow == nil {
		return nil
	}
	return doc.Flow.Connectors()
}

// notifyOwners tells a flow's owner, or the workspace's owners when the
// flow has none.
func (s *Service) notifyOwners(ctx context.Context, f store.Flow, kind, msg, link string) error {
	to := []string{f.Owner}
	if f.Owner == "" {
		ms, err := s.cfg.Store.ListMembers(ctx, f.Workspace)
		if err != nil {
			return err
		}
		to = to[:0]
		for _, m := range ms {
			if m.Role == store.RoleOwner {
				to = append(to, m.UserID)
			}
		}
	}
	return s.notify(ctx, to, f.Workspace, kind, msg, link)
}

func (s *Service) notify(ctx context.Context, users []string, workspace, kind, msg, link string) error {
	now := s.cfg.Clock.Now()
	var ns []store.Notification
	for _, u := range users {
		if u == "" {
			continue
		}
		ns = append(ns, store.Notification{ID: uuid.Must(uuid.NewV7()).String(), UserID: u, Workspace: workspace,
			Kind: kind, Message: msg, Link: link, CreatedAt: now})
	}
	return s.cfg.Store.AddNotifications(ctx, ns)
}

// admins are the active platform admins' ids.
func (s *Service) admins(ctx context.Context) ([]string, error) {
	us, err := s.cfg.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range us {
		if u.Admin && u.Active {
			out = append(out, u.ID)
		}
	}
	return out, nil
}

// Request asks IT to allow a connector in the workspace, with a reason.
// The platform admins are told.
func (s *Service) Request(ctx context.Context, workspace, connector, reason string, by store.User) (store.ConnectorRequest, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case s.cfg.Known != nil && !s.cfg.Known(connector):
		return store.ConnectorRequest{}, refuse(NotFound, "there is no connector '%s'; run 'bistro connectors list' to see them", connector)
	case reason == "":
		return store.ConnectorRequest{}, refuse(Invalid, "say what you need the connector for, so IT can decide")
	}
	c, err := s.Catalogue(ctx)
	if err != nil {
		return store.ConnectorRequest{}, err
	}
	if c.Status(workspace, connector) != Blocked {
		return store.ConnectorRequest{}, refuse(Conflict, "the connector '%s' is already allowed in workspace '%s'", connector, workspace)
	}
	r := store.ConnectorRequest{ID: uuid.Must(uuid.NewV7()).String(), Workspace: workspace, Connector: connector,
		Reason: reason, RequestedBy: by.ID, Status: store.RequestPending, CreatedAt: s.cfg.Clock.Now()}
	if err := s.cfg.Store.CreateConnectorRequest(ctx, r); err != nil {
		return r, err
	}
	if _, err := s.cfg.Audit.Record(ctx, audit.Change{Workspace: workspace, Action: "connector.request",
		Target: store.AuditTarget{Kind: "connector_request", ID: r.ID, Name: connector},
		After:  map[string]string{"connector": connector, "reason": reason}}); err != nil {
		return r, err
	}
	admins, err := s.admins(ctx)
	if err != nil {
		return r, err
	}
	who := cmp.Or(by.Name, by.Email, "someone")
	return r, s.notify(ctx, admins, workspace, "connector_request",
		fmt.Sprintf("%s asks for the connector '%s' in workspace '%s': %s", who, connector, workspace, reason), "/admin/connectors")
}

// Answer approves or declines a pending request, with an answer for the
// person who asked. Approving allows the connector in their workspace.
func (s *Service) Answer(ctx context.Context, id string, approve bool, answer string, by store.User) (store.ConnectorRequest, error) {
	status := store.RequestDeclined
	if approve {
		status = store.RequestApproved
	}
	r, err := s.cfg.Store.AnswerConnectorRequest(ctx, id, status, strings.TrimSpace(answer), by.ID, s.cfg.Clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return r, refuse(NotFound, "there is no connector request '%s'", id)
	case errors.Is(err, store.ErrConflict):
		return r, refuse(Conflict, "this request was answered already (%s)", r.Status)
	case err != nil:
		return r, err
	}
	if approve {
		if _, err := s.SetStatus(ctx, r.Workspace, r.Connector, Approved); err != nil {
			return r, err
		}
	}
	if _, err := s.cfg.Audit.Record(ctx, audit.Change{Workspace: r.Workspace, Action: "connector.request." + status,
		Target: store.AuditTarget{Kind: "connector_request", ID: r.ID, Name: r.Connector},
		After:  map[string]string{"status": status, "answer": r.Answer}}); err != nil {
		return r, err
	}
	msg := fmt.Sprintf("IT %s your request for the connector '%s' in workspace '%s'", status, r.Connector, r.Workspace)
	if r.Answer != "" {
		msg += ": " + r.Answer
	}
	return r, s.notify(ctx, []string{r.RequestedBy}, r.Workspace, "connector_request", msg, "/connectors")
}

// Requests lists the workspace's requests for connectors ("" for every
// workspace), newest first.
func (s *Service) Requests(ctx context.Context, workspace string) ([]store.ConnectorRequest, error) {
	return s.cfg.Store.ListConnectorRequests(ctx, workspace)
}

// Notifications lists a person's notifications, newest first.
func (s *Service) Notifications(ctx context.Context, userID string, limit int) ([]store.Notification, error) {
	return s.cfg.Store.ListNotifications(ctx, userID, limit)
}

// MarkRead marks one of the person's notifications read.
func (s *Service) MarkRead(ctx context.Context, userID, id string) error {
	return s.cfg.Store.MarkNotificationRead(ctx, userID, id, s.cfg.Clock.Now())
}
