package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/danielgtaylor/huma/v2"
)

// ConnectionBackend is the part of Backend that keeps connections.
// Secrets go in and never come out: every answer says of a secret setting
// only whether it is set. Errors: store.ErrNotFound → 404, store.ErrConflict
// → 409 (the name is taken), *InvalidError → 422 with one error per
// setting, *InUseError → 409 with the flows that use the connection.
type ConnectionBackend interface {
	ListConnections(ctx context.Context, workspace string) ([]Connection, error)
	GetConnection(ctx context.Context, workspace, name string) (Connection, error)
	// CreateConnection saves a new connection.
	CreateConnection(ctx context.Context, workspace, name string, in ConnectionSettings, by string) (Connection, error)
	// PutConnection creates the connection or replaces its settings. A
	// secret setting left out keeps its stored value; one given as null
	// is cleared.
	PutConnection(ctx context.Context, workspace, name string, in ConnectionSettings, by string) (c Connection, created bool, err error)
	// DeleteConnection deletes a connection no flow uses.
	DeleteConnection(ctx context.Context, workspace, name string) error
	// TestConnection opens the connection afresh and checks that it works.
	TestConnection(ctx context.Context, workspace, name string) (ConnectionTest, error)
}

// ConnectionSettings are what a connection is made of.
type ConnectionSettings struct {
	Connector string `json:"connector" minLength:"1" maxLength:"100" doc:"The connector, e.g. postgres ('bistro connectors list' shows them)"`
	// Config holds secrets too: they are stored encrypted, and never
	// returned.
	Config map[string]any `json:"config,omitempty" doc:"The connector's settings, secret ones included (they are stored encrypted and never returned). On update, a secret setting left out keeps its value and one set to null is cleared"`
	Labels []string       `json:"labels,omitempty" maxItems:"50" doc:"Free labels, e.g. the classes of data the connection reaches (pii, finance)"`
}

// CreateConnectionRequest is a new connection.
type CreateConnectionRequest struct {
	Name string `json:"name" minLength:"1" maxLength:"100" doc:"The connection's name, unique in the workspace; flows name it in 'connection:'"`
	ConnectionSettings
}

// Connection is a connection as the API shows it: never a secret's value.
type Connection struct {
	Name      string                 `json:"name"`
	Connector string                 `json:"connector"`
	Config    map[string]any         `json:"config" doc:"The settings that are not secret"`
	Secrets   map[string]SecretState `json:"secrets" doc:"Every secret setting, by its path (nested settings joined with dots), and whether it is set; values are never returned"`
	Labels    []string               `json:"labels,omitempty"`
	CreatedAt time.Time              `json:"created_at"`
	CreatedBy string                 `json:"created_by,omitempty"`
	UpdatedAt time.Time              `json:"updated_at"`
	UpdatedBy string                 `json:"updated_by,omitempty"`
}

// SecretState says whether a secret setting holds a value.
type SecretState struct {
	Set bool `json:"set"`
}

// ConnectionList is the connections of a workspace.
type ConnectionList struct {
	Connections []Connection `json:"connections"`
}

// ConnectionTest is the outcome of testing a connection.
type ConnectionTest struct {
	OK      bool   `json:"ok" doc:"Whether the connection could be opened and, where the connector can check more, answered"`
	Message string `json:"message" doc:"What happened, in plain words, e.g. could not reach db.internal:5432: connection refused"`
}

// InvalidError is a connection whose settings are not valid: every
// problem, each at its place in the request body ("connector",
// "config.host"). Nothing is saved.
type InvalidError struct {
	Errors []connector.FieldError
}

func (e *InvalidError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Message
	}
	return "the connection's settings are not valid: " + strings.Join(msgs, "; ")
}

// InUseError is a connection that cannot be deleted because flows use it.
type InUseError struct {
	Connection string
	Flows      []string
}

func (e *InUseError) Error() string {
	quoted := make([]string, len(e.Flows))
	for i, f := range e.Flows {
		quoted[i] = "'" + f + "'"
	}
	what := "the flow " + quoted[0]
	if len(quoted) > 1 {
		what = "the flows " + strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
	}
	return fmt.Sprintf("the connection '%s' is used by %s; change or delete them first", e.Connection, what)
}

type connectionName struct {
	Name string `path:"name" minLength:"1" maxLength:"100" doc:"The connection's name"`
}

type connectionOutput struct {
	Status int
	Body   Connection
}

func noConnection(name string) string {
	return fmt.Sprintf("there is no connection called '%s'; 'bistro connection list' shows them", name)
}

func (s *server) registerConnections(api huma.API) {
	tags := []string{"Connections"}
	huma.Register(api, secured(huma.Operation{
		OperationID: "list-connections", Method: http.MethodGet, Path: "/api/v1/connections", Tags: tags,
		Summary: "List the connections",
	}), s.listConnections)
	huma.Register(api, secured(huma.Operation{
		OperationID: "create-connection", Method: http.MethodPost, Path: "/api/v1/connections", Tags: tags,
		Summary:       "Create a connection",
		Description:   "Checks the settings against the connector's spec and saves them, the secret ones encrypted. Invalid settings are not saved: the answer (422) has one error per setting.",
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}), s.createConnection)
	huma.Register(api, secured(huma.Operation{
		OperationID: "get-connection", Method: http.MethodGet, Path: "/api/v1/connections/{name}", Tags: tags,
		Summary: "Get a connection (secrets only as set or not)", Errors: []int{http.StatusNotFound},
	}), s.getConnection)
	huma.Register(api, secured(huma.Operation{
		OperationID: "put-connection", Method: http.MethodPut, Path: "/api/v1/connections/{name}", Tags: tags,
		Summary:     "Create or update a connection",
		Description: "Replaces the connection's settings (201 when it was created). A secret setting left out keeps its stored value; one set to null is cleared. The connector of an existing connection cannot change.",
		Errors:      []int{http.StatusUnprocessableEntity},
	}), s.putConnection)
	huma.Register(api, secured(huma.Operation{
		OperationID: "delete-connection", Method: http.MethodDelete, Path: "/api/v1/connections/{name}", Tags: tags,
		Summary: "Delete a connection no flow uses", DefaultStatus: http.StatusNoContent,
		Description: "A connection that flows use is not deleted: the answer (409) names those flows.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}), s.deleteConnection)
	huma.Register(api, secured(huma.Operation{
		OperationID: "test-connection", Method: http.MethodPost, Path: "/api/v1/connections/{name}/test", Tags: tags,
		Summary:     "Check that a connection works",
		Description: "Opens the connection afresh and, where the connector can, checks that the other side answers. The answer says in plain words what happened; it is 200 whether or not the connection works.",
		Errors:      []int{http.StatusNotFound},
	}), s.testConnection)
}

func (s *server) listConnections(ctx context.Context, _ *struct{}) (*struct{ Body ConnectionList }, error) {
	cs, err := s.backend.ListConnections(ctx, caller(ctx).Workspace)
	if err != nil {
		return nil, s.fail(ctx, err, "")
	}
	if cs == nil {
		cs = []Connection{}
	}
	return &struct{ Body ConnectionList }{ConnectionList{Connections: cs}}, nil
}

func (s *server) createConnection(ctx context.Context, in *struct {
	Body CreateConnectionRequest
}) (*connectionOutput, error) {
	c := caller(ctx)
	conn, err := s.backend.CreateConnection(ctx, c.Workspace, in.Body.Name, in.Body.ConnectionSettings, c.TokenID)
	if err != nil {
		return nil, s.connectionFail(ctx, err, in.Body.Name)
	}
	return &connectionOutput{Status: http.StatusCreated, Body: conn}, nil
}

func (s *server) getConnection(ctx context.Context, in *connectionName) (*connectionOutput, error) {
	conn, err := s.backend.GetConnection(ctx, caller(ctx).Workspace, in.Name)
	if err != nil {
		return nil, s.connectionFail(ctx, err, in.Name)
	}
	return &connectionOutput{Status: http.StatusOK, Body: conn}, nil
}

func (s *server) putConnection(ctx context.Context, in *struct {
	Name string `path:"name" minLength:"1" maxLength:"100" doc:"The connection's name"`
	Body ConnectionSettings
}) (*connectionOutput, error) {
	c := caller(ctx)
	conn, created, err := s.backend.PutConnection(ctx, c.Workspace, in.Name, in.Body, c.TokenID)
	if err != nil {
		return nil, s.connectionFail(ctx, err, in.Name)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return &connectionOutput{Status: status, Body: conn}, nil
}

func (s *server) deleteConnection(ctx context.Context, in *connectionName) (*struct{}, error) {
	if err := s.backend.DeleteConnection(ctx, caller(ctx).Workspace, in.Name); err != nil {
		return nil, s.connectionFail(ctx, err, in.Name)
	}
	return nil, nil
}

func (s *server) testConnection(ctx context.Context, in *connectionName) (*struct{ Body ConnectionTest }, error) {
	res, err := s.backend.TestConnection(ctx, caller(ctx).Workspace, in.Name)
	if err != nil {
		return nil, s.connectionFail(ctx, err, in.Name)
	}
	return &struct{ Body ConnectionTest }{res}, nil
}

// connectionFail turns the errors particular to connections into
// problems, and the rest as every handler does.
func (s *server) connectionFail(ctx context.Context, err error, name string) error {
	var invalid *InvalidError
	var inUse *InUseError
	switch {
	case errors.As(err, &invalid):
		return invalidConnection(invalid)
	case errors.As(err, &inUse):
		p := newProblem(http.StatusConflict, "in_use", inUse.Error())
		for _, f := range inUse.Flows {
			p.Errors = append(p.Errors, ProblemDetail{Location: "flows", Message: fmt.Sprintf("the flow '%s' uses the connection", f)})
		}
		return p
	case errors.Is(err, store.ErrConflict):
		return newProblem(http.StatusConflict, "exists", fmt.Sprintf("there is already a connection called '%s'; change it with PUT, or choose another name", name))
	}
	return s.fail(ctx, err, noConnection(name))
}

func invalidConnection(e *InvalidError) *Problem {
	detail := "the connection has 1 problem, so it was not saved"
	if len(e.Errors) != 1 {
		detail = fmt.Sprintf("the connection has %d problems, so it was not saved", len(e.Errors))
	}
	p := newProblem(http.StatusUnprocessableEntity, "invalid_connection", detail)
	for _, fe := range e.Errors {
		p.Errors = append(p.Errors, ProblemDetail{Location: "body." + fe.Field, Message: fe.Message, Severity: "error"})
	}
	return p
}
