// Package connpool keeps the open connections that action steps use: a
// connection is opened on first use, shared by the runs that use it, and
// opened again when it is lost, changed or deleted. A Pool is what the
// engine's Options.Connections expects.
package connpool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bistro-dev/bistro/connector"
)

// Settings are a connection's connector and its settings, secrets
// decrypted.
type Settings struct {
	Connector string
	Config    map[string]any
}

// ErrNoConnection is returned, wrapped, by a Source that has no connection
// of the name.
var ErrNoConnection = errors.New("there is no connection of that name")

// Pool opens and keeps connections.
type Pool struct {
	// Find returns the connector of a name (internal/connectors.Find).
	Find func(name string) (connector.Connector, bool)
	// Source returns the settings of the connection called name.
	Source func(ctx context.Context, name string) (Settings, error)
	// Env is lent to every connection.
	Env connector.Env

	mu   sync.Mutex
	open map[string]*entry // by connection name; "" + connector for unnamed
}

type entry struct {
	once sync.Once
	conn connector.Conn
	err  error
}

// Action returns the spec of an action named "connector.action" (see
// connector.Finder.Action).
func (p *Pool) Action(id string) (connector.Action, bool) {
	return connector.Finder(p.Find).Action(id)
}

func key(connectorName, name string) string {
	if name == "" {
		return "\x00" + connectorName
	}
	return name
}

// Conn returns the open connection called name, opening it on first use.
// Callers that ask at the same time share one opening.
func (p *Pool) Conn(ctx context.Context, connectorName, name string) (connector.Conn, error) {
	p.mu.Lock()
	if p.open == nil {
		p.open = map[string]*entry{}
	}
	k := key(connectorName, name)
	e, ok := p.open[k]
	if !ok {
		e = &entry{}
		p.open[k] = e
	}
	p.mu.Unlock()
	e.once.Do(func() { e.conn, e.err = p.dial(ctx, connectorName, name) })
	if e.err != nil {
		// A failed opening is not kept: the next attempt tries again.
		p.drop(k, e)
		return nil, e.err
	}
	return e.conn, nil
}

func (p *Pool) dial(ctx context.Context, connectorName, name string) (connector.Conn, error) {
	c, ok := p.Find(connectorName)
	if !ok {
		return nil, connector.Permanent(fmt.Errorf("there is no connector '%s'", connectorName))
	}
	spec := c.Spec()
	var config map[string]any
	if name == "" {
		if hasRequired(spec.Config) {
			return nil, connector.Permanent(fmt.Errorf("%s needs a connection: add 'connection: NAME' to the step (run 'bistro connection list' to see them)", spec.Title))
		}
	} else {
		if p.Source == nil {
			return nil, connector.Permanent(fmt.Errorf("the connection '%s' cannot be found: no connections are set up here", name))
		}
		s, err := p.Source(ctx, name)
		if err != nil {
			if errors.Is(err, ErrNoConnection) {
				return nil, connector.Permanent(fmt.Errorf("there is no connection '%s'; run 'bistro connection list' to see the connections there are", name))
			}
			return nil, fmt.Errorf("the connection '%s' could not be read: %w", name, err)
		}
		if s.Connector != connectorName {
			return nil, connector.Permanent(fmt.Errorf("the connection '%s' is a %s connection, not %s", name, s.Connector, connectorName))
		}
		config = s.Config
	}
	if errs := spec.ValidateConfig(config); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Message
		}
		return nil, connector.Permanent(fmt.Errorf("the connection's settings are not valid: %s", strings.Join(msgs, "; ")))
	}
	return c.Open(ctx, spec.WithDefaults(config), p.Env)
}

func hasRequired(fields []connector.Field) bool {
	for _, f := range fields {
		if f.Required {
			return true
		}
	}
	return false
}

func (p *Pool) drop(k string, e *entry) {
	p.mu.Lock()
	if p.open[k] == e {
		delete(p.open, k)
	}
	p.mu.Unlock()
}

// Broken closes conn, which was lost; the next Conn opens the connection
// again.
func (p *Pool) Broken(connectorName, name string, conn connector.Conn) {
	k := key(connectorName, name)
	p.mu.Lock()
	e, ok := p.open[k]
	if ok && e.conn == conn {
		delete(p.open, k)
	} else {
		ok = false
	}
	p.mu.Unlock()
	if ok {
		_ = conn.Close()
	}
}

// Forget closes the connection called name, if open, so that the next use
// opens it with its current settings (after a change or a delete).
func (p *Pool) Forget(name string) {
	p.mu.Lock()
	e, ok := p.open[name]
	delete(p.open, name)
	p.mu.Unlock()
	if ok && e.conn != nil {
		_ = e.conn.Close()
	}
}

// Close closes every open connection.
func (p *Pool) Close() error {
	p.mu.Lock()
	open := p.open
	p.open = nil
	p.mu.Unlock()
	var errs []error
	for _, e := range open {
		if e.conn != nil {
			errs = append(errs, e.conn.Close())
		}
	}
	return errors.Join(errs...)
}
