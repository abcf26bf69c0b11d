package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/connpool"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
)

// TestTimeout is how long testing a connection may take.
const TestTimeout = 20 * time.Second

// wireConnections gives action steps the connections kept in the store,
// a pool per workspace, unless the configuration brings its own.
func (r *Runner) wireConnections() {
	if r.cfg.ConnEnv.Logger == nil {
		r.cfg.ConnEnv.Logger = r.log
	}
	r.ownPools = r.cfg.Engine.Connections == nil
	r.pools = map[string]*connpool.Pool{}
}

// connections are the connections flows of the workspace use: the
// workspace's pool, so a flow never reaches another workspace's.
func (r *Runner) connections(workspace string) engine.Connections {
	if !r.ownPools {
		return r.cfg.Engine.Connections
	}
	r.poolMu.Lock()
	defer r.poolMu.Unlock()
	p, ok := r.pools[workspace]
	if !ok {
		p = r.newPool(workspace)
		r.pools[workspace] = p
	}
	return p
}

func (r *Runner) newPool(workspace string) *connpool.Pool {
	return &connpool.Pool{Find: r.cfg.Connectors, Source: r.connectionSource(workspace), Env: r.cfg.ConnEnv}
}

// forgetConnection closes the workspace's open connection of the name so
// that the next step opens it with its current settings.
func (r *Runner) forgetConnection(workspace, name string) {
	if p, ok := r.connections(workspace).(*connpool.Pool); ok {
		p.Forget(name)
	}
}

func (r *Runner) closeConnections() {
	if !r.ownPools {
		if c, ok := r.cfg.Engine.Connections.(io.Closer); ok {
			_ = c.Close()
		}
		return
	}
	r.poolMu.Lock()
	defer r.poolMu.Unlock()
	for ws, p := range r.pools {
		_ = p.Close()
		delete(r.pools, ws)
	}
}

// connectionSource reads a connection's settings, its secrets opened, for
// the pool. Every secret opened is added to the redact filter first.
func (r *Runner) connectionSource(workspace string) func(ctx context.Context, name string) (connpool.Settings, error) {
	return func(ctx context.Context, name string) (connpool.Settings, error) {
		c, err := r.store.GetConnection(ctx, workspace, name)
		if errors.Is(err, store.ErrNotFound) {
			return connpool.Settings{}, fmt.Errorf("%w: '%s'", connpool.ErrNoConnection, name)
		}
		if err != nil {
			return connpool.Settings{}, err
		}
		config, err := r.openSecrets(c)
		if err != nil {
			return connpool.Settings{}, connector.Permanent(err)
		}
		return connpool.Settings{Connector: c.Connector, Config: config}, nil
	}
}

// connectionCheck is flow.Options.Connection on the server: a step's
// connection must exist and be one of the action's connector.
func (r *Runner) connectionCheck(ctx context.Context, workspace string) func(name, connectorName string) error {
	return func(name, connectorName string) error {
		c, err := r.store.GetConnection(ctx, workspace, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("there is no connection called '%s'; create it first, e.g. with 'bistro connection create %s --connector %s'", name, name, connectorName)
		case err != nil:
			r.log.WarnContext(ctx, "checking a flow's connection", "connection", name, "error", err)
			return fmt.Errorf("the connection '%s' could not be checked: the database did not answer; try again", name)
		case c.Connector != connectorName:
			return fmt.Errorf("'%s' is a %s connection, not a %s one", name, c.Connector, connectorName)
		}
		return nil
	}
}

// ListConnections lists the workspace's connections.
func (r *Runner) ListConnections(ctx context.Context, workspace string) ([]api.Connection, error) {
	cs, err := r.store.ListConnections(ctx, workspace)
	if err != nil {
		return nil, err
	}
	out := make([]api.Connection, 0, len(cs))
	for _, c := range cs {
		out = append(out, r.connectionView(c))
	}
	return out, nil
}

// GetConnection returns a connection by name.
func (r *Runner) GetConnection(ctx context.Context, workspace, name string) (api.Connection, error) {
	c, err := r.store.GetConnection(ctx, workspace, name)
	if err != nil {
		return api.Connection{}, err
	}
	return r.connectionView(c), nil
}

// CreateConnection saves a new connection; a name in use is
// store.ErrConflict.
func (r *Runner) CreateConnection(ctx context.Context, workspace, name string, in api.ConnectionSettings, by string) (api.Connection, error) {
	c, _, err := r.saveConnection(ctx, workspace, name, in, by, true)
	return c, err
}

// PutConnection creates a connection or replaces its settings, keeping
// the secrets it is not given.
func (r *Runner) PutConnection(ctx context.Context, workspace, name string, in api.ConnectionSettings, by string) (api.Connection, bool, error) {
	return r.saveConnection(ctx, workspace, name, in, by, false)
}

func (r *Runner) saveConnection(ctx context.Context, workspace, name string, in api.ConnectionSettings, by string, mustBeNew bool) (api.Connection, bool, error) {
	old, err := r.store.GetConnection(ctx, workspace, name)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return api.Connection{}, false, err
	case exists && mustBeNew:
		return api.Connection{}, false, store.ErrConflict
	}
	spec, errs := r.connectorOf(name, in.Connector, old, exists)
	if len(errs) > 0 {
		return api.Connection{}, false, &api.InvalidError{Errors: errs}
	}
	put, errs, err := r.prepare(spec, in, old)
	if err != nil || len(errs) > 0 {
		if err == nil {
			err = &api.InvalidError{Errors: errs}
		}
		return api.Connection{}, false, err
	}
	put.Workspace, put.Name, put.By = workspace, name, by
	c, err := r.store.PutConnection(ctx, put)
	if err != nil {
		return api.Connection{}, false, err
	}
	r.auditConnectionSaved(ctx, old, put, c)
	if exists {
		r.forgetConnection(workspace, name)
	}
	return r.connectionView(c), !exists, nil
}

var connectionNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// connectorOf checks the name and the connector of a connection to save.
func (r *Runner) connectorOf(name, connectorName string, old store.Connection, exists bool) (connector.Spec, []connector.FieldError) {
	var errs []connector.FieldError
	if !connectionNamePattern.MatchString(name) {
		errs = append(errs, connector.FieldError{Field: "name", Code: connector.CodeType,
			Message: fmt.Sprintf("'%s' cannot be a connection's name: use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 100 of them", name)})
	}
	c, ok := r.cfg.Connectors(connectorName)
	switch {
	case !ok:
		errs = append(errs, connector.FieldError{Field: "connector", Code: connector.CodeEnum,
			Message: fmt.Sprintf("there is no connector '%s'; 'bistro connectors list' shows the connectors there are", connectorName)})
	case exists && old.Connector != connectorName:
		errs = append(errs, connector.FieldError{Field: "connector", Code: connector.CodeType,
			Message: fmt.Sprintf("the connection '%s' is a %s connection and cannot become a %s one: delete it and create it again", name, old.Connector, connectorName)})
	}
	if len(errs) > 0 {
		return connector.Spec{}, errs
	}
	return c.Spec(), nil
}

// prepare checks a connection's settings against its connector's spec
// and seals the secrets given. Secrets stored before and not named are
// kept (and count as given for required settings).
func (r *Runner) prepare(spec connector.Spec, in api.ConnectionSettings, old store.Connection) (store.PutConnection, []connector.FieldError, error) {
	secrets := secretFields(spec.Config)
	plain, set, clearing := splitSecrets(secrets, in.Config)
	check := cloneMap(plain)
	for _, sf := range secrets {
		if v, ok := set[sf.path]; ok {
			setPath(check, sf.path, v)
		} else if old.Secrets[sf.path] != nil && !slices.Contains(clearing, sf.path) {
			setPath(check, sf.path, placeholder(sf.field))
		}
	}
	if errs := spec.ValidateConfig(check); len(errs) > 0 {
		for i := range errs {
			errs[i].Field = "config." + errs[i].Field
		}
		return store.PutConnection{}, errs, nil
	}
	config, err := json.Marshal(plain)
	if err != nil {
		return store.PutConnection{}, nil, fmt.Errorf("the connection's settings cannot be stored: %w", err)
	}
	put := store.PutConnection{ID: old.ID, Connector: spec.Name, Config: config, Clear: clearing, Labels: cleanLabels(in.Labels)}
	if put.ID == "" {
		put.ID = uuid.Must(uuid.NewV7()).String()
	}
	if put.Secrets, err = r.sealSecrets(put.ID, set); err != nil {
		return store.PutConnection{}, nil, err
	}
	return put, nil, nil
}

func cleanLabels(labels []string) []string {
	var out []string
	for _, l := range labels {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// connectionView is what the API shows of a connection: the settings
// that are not secret, and of each secret only whether it is set.
func (r *Runner) connectionView(c store.Connection) api.Connection {
	v := api.Connection{
		Name: c.Name, Connector: c.Connector, Config: map[string]any{}, Secrets: map[string]api.SecretState{},
		Labels: c.Labels, CreatedAt: c.CreatedAt.UTC(), CreatedBy: c.CreatedBy, UpdatedAt: c.UpdatedAt.UTC(), UpdatedBy: c.UpdatedBy,
	}
	_ = json.Unmarshal(c.Config, &v.Config)
	if conn, ok := r.cfg.Connectors(c.Connector); ok {
		for _, sf := range secretFields(conn.Spec().Config) {
			v.Secrets[sf.path] = api.SecretState{Set: c.Secrets[sf.path] != nil}
		}
	}
	for path := range c.Secrets {
		v.Secrets[path] = api.SecretState{Set: true}
	}
	return v
}

// DeleteConnection deletes a connection that no flow of the workspace
// uses.
func (r *Runner) DeleteConnection(ctx context.Context, workspace, name string) error {
	old, err := r.store.GetConnection(ctx, workspace, name)
	if err != nil {
		return err
	}
	users, err := r.flowsUsing(ctx, workspace, name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return &api.InUseError{Connection: name, Flows: users}
	}
	if err := r.store.DeleteConnection(ctx, workspace, name); err != nil {
		return err
	}
	r.auditConnectionDeleted(ctx, old)
	r.forgetConnection(workspace, name)
	return nil
}

// flowsUsing lists the flows whose steps or event trigger name the
// connection, by name.
func (r *Runner) flowsUsing(ctx context.Context, workspace, name string) ([]string, error) {
	flows, err := r.store.ListFlows(ctx, workspace)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range flows {
		doc, _ := flow.Parse(f.Name+"."+f.Format, f.Document)
		if doc != nil && usesConnection(doc.Raw, name) {
			out = append(out, f.Name)
		}
	}
	return out, nil
}

// usesConnection looks through a flow document for an action step or an
// event trigger with "connection: name", at any depth (branches, loops).
func usesConnection(v any, name string) bool {
	switch x := v.(type) {
	case map[string]any:
		// A connection is named next to an action, an event source, or
		// inside an http step (whose settings are this very map).
		_, action := x["action"]
		_, source := x["source"]
		_, url := x["url"]
		if c, ok := x["connection"].(string); ok && c == name && (action || source || url) {
			return true
		}
		for _, child := range x {
			if usesConnection(child, name) {
				return true
			}
		}
	case []any:
		for _, child := range x {
			if usesConnection(child, name) {
				return true
			}
		}
	}
	return false
}

// TestConnection opens the connection afresh (not the one runs share) and
// pings it when its connector can. The message never holds a secret.
func (r *Runner) TestConnection(ctx context.Context, workspace, name string) (api.ConnectionTest, error) {
	c, err := r.store.GetConnection(ctx, workspace, name)
	if err != nil {
		return api.ConnectionTest{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, TestTimeout)
	defer cancel()
	p := r.newPool(workspace)
	defer p.Close()
	conn, err := p.Conn(ctx, c.Connector, name)
	checked := false
	if err == nil {
		if pinger, ok := conn.(connector.Pinger); ok {
			err, checked = pinger.Ping(ctx), true
		}
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return api.ConnectionTest{Message: fmt.Sprintf("the connection '%s' did not answer within %s", name, TestTimeout)}, nil
	case err != nil:
		return api.ConnectionTest{Message: r.cfg.Redact.String(err.Error())}, nil
	case checked:
		return api.ConnectionTest{OK: true, Message: fmt.Sprintf("the connection '%s' works", name)}, nil
	}
	return api.ConnectionTest{OK: true, Message: fmt.Sprintf("the connection '%s' opened; its connector cannot check more than that", name)}, nil
}
