package apitest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

// SecretSettings are the settings the double treats as secret, for every
// connector: it knows no specs.
var SecretSettings = []string{"password", "token"}

// SeedPassword is the password of the seeded connection "crm-db": it
// must never appear in an answer.
const SeedPassword = "s3cret-crm-pw"

// Unreachable is a host the double's connection test cannot reach.
const Unreachable = "unreachable.invalid"

// conn is a connection the double keeps, its secrets in clear (it is a
// test double: only what it answers matters).
type conn struct {
	view    api.Connection
	secrets map[string]any
}

// connections returns the double's connections, made on first use.
func (b *Backend) connections() map[string]*conn {
	if b.conns == nil {
		b.conns = map[string]*conn{}
	}
	return b.conns
}

// seedConnections gives the double "crm-db", a postgres connection with a
// password. Called with b.mu held.
func (b *Backend) seedConnections() {
	b.connections()["crm-db"] = &conn{
		view: api.Connection{Name: "crm-db", Connector: "postgres", Config: map[string]any{"host": "db.internal", "user": "crm"},
			Labels: []string{"pii"}, CreatedAt: T0, CreatedBy: "tok-admin", UpdatedAt: T0, UpdatedBy: "tok-admin"},
		secrets: map[string]any{"password": SeedPassword},
	}
}

// Secret returns what the double holds for a secret setting, so tests can
// check what a client sent.
func (b *Backend) Secret(connection, setting string) (any, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connections()[connection]
	if !ok {
		return nil, false
	}
	v, ok := c.secrets[setting]
	return v, ok
}

func (c *conn) answer() api.Connection {
	v := c.view
	v.Config = maps.Clone(c.view.Config)
	v.Secrets = map[string]api.SecretState{}
	for _, s := range SecretSettings {
		v.Secrets[s] = api.SecretState{Set: c.secrets[s] != nil}
	}
	return v
}

// ListConnections lists the connections by name.
func (b *Backend) ListConnections(_ context.Context, _ string) ([]api.Connection, error) {
	if err := b.fail("ListConnections"); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []api.Connection
	for _, name := range slices.Sorted(maps.Keys(b.connections())) {
		out = append(out, b.connections()[name].answer())
	}
	return out, nil
}

// GetConnection finds a connection by name.
func (b *Backend) GetConnection(_ context.Context, _, name string) (api.Connection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connections()[name]
	if !ok {
		return api.Connection{}, store.ErrNotFound
	}
	return c.answer(), nil
}

// CreateConnection saves a new connection. The double's one rule: the
// connector "unknown" does not exist and every connection needs a host.
func (b *Backend) CreateConnection(ctx context.Context, ws, name string, in api.ConnectionSettings, by string) (api.Connection, error) {
	b.mu.Lock()
	_, exists := b.connections()[name]
	b.mu.Unlock()
	if exists {
		return api.Connection{}, store.ErrConflict
	}
	c, _, err := b.PutConnection(ctx, ws, name, in, by)
	return c, err
}

// PutConnection creates or updates a connection; secrets left out are
// kept, secrets given as null cleared.
func (b *Backend) PutConnection(_ context.Context, _, name string, in api.ConnectionSettings, by string) (api.Connection, bool, error) {
	if err := b.fail("PutConnection"); err != nil {
		return api.Connection{}, false, err
	}
	if errs := check(in); len(errs) > 0 {
		return api.Connection{}, false, &api.InvalidError{Errors: errs}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c, exists := b.connections()[name]
	if !exists {
		c = &conn{view: api.Connection{Name: name, CreatedAt: T0, CreatedBy: by}, secrets: map[string]any{}}
		b.connections()[name] = c
	}
	c.view.Connector, c.view.Labels, c.view.UpdatedAt, c.view.UpdatedBy = in.Connector, in.Labels, T0, by
	c.view.Config = map[string]any{}
	for k, v := range in.Config {
		switch {
		case !slices.Contains(SecretSettings, k):
			c.view.Config[k] = v
		case v == nil:
			delete(c.secrets, k)
		default:
			c.secrets[k] = v
		}
	}
	return c.answer(), !exists, nil
}

func check(in api.ConnectionSettings) []connector.FieldError {
	var errs []connector.FieldError
	if in.Connector == "unknown" {
		errs = append(errs, connector.FieldError{Field: "connector", Code: connector.CodeEnum, Message: "there is no connector 'unknown'"})
	}
	if _, ok := in.Config["host"]; !ok {
		errs = append(errs, connector.FieldError{Field: "config.host", Code: connector.CodeRequired, Message: "'host' is required: the database server's name"})
	}
	return errs
}

// DeleteConnection deletes a connection unless a flow's document has
// "connection: NAME".
func (b *Backend) DeleteConnection(_ context.Context, _, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.connections()[name]; !ok {
		return store.ErrNotFound
	}
	var users []string
	for _, f := range b.Flows {
		if strings.Contains(string(f.Document), "connection: "+name) {
			users = append(users, f.Name)
		}
	}
	if len(users) > 0 {
		slices.Sort(users)
		return &api.InUseError{Connection: name, Flows: users}
	}
	delete(b.connections(), name)
	return nil
}

// TestConnection fails for a connection whose host is Unreachable and
// works for the others.
func (b *Backend) TestConnection(_ context.Context, _, name string) (api.ConnectionTest, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connections()[name]
	if !ok {
		return api.ConnectionTest{}, store.ErrNotFound
	}
	if host, _ := c.view.Config["host"].(string); host == Unreachable {
		return api.ConnectionTest{Message: fmt.Sprintf("could not reach %s:5432: no such host", host)}, nil
	}
	return api.ConnectionTest{OK: true, Message: fmt.Sprintf("the connection '%s' works", name)}, nil
}
