package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/connpool"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

const envAllowFolders = "BISTRO_ALLOW_FOLDERS"

// localConnection is one entry of a --connections file:
//
//	crm-db:
//	  connector: postgres
//	  config: {host: db.internal, password: "{{ env.PG_PASSWORD }}"}
type localConnection struct {
	Connector string         `yaml:"connector"`
	Config    map[string]any `yaml:"config"`
}

// localConnections are the connections of a local run, by name.
type localConnections struct {
	file  string
	conns map[string]localConnection
}

// readConnections reads a --connections file. Its values are not yet
// evaluated: see resolve.
func readConnections(file string) (*localConnections, error) {
	l := &localConnections{file: file, conns: map[string]localConnection{}}
	if file == "" {
		return l, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, readError(file, err)
	}
	if err := yaml.UnmarshalWithOptions(data, &l.conns, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s is not a connections file: %s\nwrite one entry per connection:\n  crm-db:\n    connector: postgres\n    config: {host: db.internal, password: \"{{ env.PG_PASSWORD }}\"}", file, yaml.FormatError(err, false, true))
	}
	for _, name := range sortedKeys(l.conns) {
		c := l.conns[name]
		if _, ok := connectors.Find(c.Connector); !ok {
			return nil, fmt.Errorf("%s: the connection '%s' has no known connector ('%s'); 'bistro connectors list' shows them", file, name, c.Connector)
		}
	}
	return l, nil
}

// check is flow.Options.Connection for local runs.
func (l *localConnections) check(name, connectorName string) error {
	c, ok := l.conns[name]
	switch {
	case !ok && l.file == "":
		return fmt.Errorf("there is no connection called '%s': a local run reads its connections from --connections FILE", name)
	case !ok:
		return fmt.Errorf("there is no connection called '%s' in %s", name, l.file)
	case c.Connector != connectorName:
		return fmt.Errorf("'%s' is a %s connection, not a %s one", name, c.Connector, connectorName)
	}
	return nil
}

// resolve evaluates the templates of every connection's settings over the
// allowed environment variables and checks the settings against the
// connector's spec.
func (l *localConnections) resolve(allowed []string, env map[string]string) (map[string]connpool.Settings, error) {
	vars := expr.Vars{expr.VarEnv: toAny(env)}
	out := map[string]connpool.Settings{}
	for _, name := range sortedKeys(l.conns) {
		c := l.conns[name]
		at := fmt.Sprintf("%s: the connection '%s'", l.file, name)
		v, err := evalSettings(c.Config, "", allowed, vars)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", at, err)
		}
		// One JSON round trip, so that numbers arrive as they do on a
		// server.
		config := map[string]any{}
		b, _ := json.Marshal(v)
		_ = json.Unmarshal(b, &config)
		conn, _ := connectors.Find(c.Connector)
		if errs := conn.Spec().ValidateConfig(config); len(errs) > 0 {
			msgs := make([]string, len(errs))
			for i, e := range errs {
				msgs[i] = e.Message
			}
			return nil, fmt.Errorf("%s: %s", at, strings.Join(msgs, "; "))
		}
		out[name] = connpool.Settings{Connector: c.Connector, Config: config}
	}
	return out, nil
}

func toAny(env map[string]string) map[string]any {
	m := make(map[string]any, len(env))
	for k, v := range env {
		m[k] = v
	}
	return m
}

// evalSettings evaluates every text holding a template.
func evalSettings(v any, path string, allowed []string, vars expr.Vars) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			var err error
			if out[k], err = evalSettings(item, p, allowed, vars); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			var err error
			if out[i], err = evalSettings(item, fmt.Sprintf("%s[%d]", path, i), allowed, vars); err != nil {
				return nil, err
			}
		}
		return out, nil
	case string:
		if !strings.Contains(x, "{{") {
			return x, nil
		}
		return evalSetting(x, path, allowed, vars)
	}
	return v, nil
}

func evalSetting(src, path string, allowed []string, vars expr.Vars) (any, error) {
	t, err := expr.ParseTemplate(src, flow.Scope{EnvOnly: true}.Vars())
	if err != nil {
		return nil, fmt.Errorf("setting '%s': %v", path, err)
	}
	env, _ := vars[expr.VarEnv].(map[string]any)
	for _, r := range t.Refs() {
		if r.Var != expr.VarEnv || len(r.Path) == 0 {
			continue
		}
		switch name := r.Path[0]; {
		case !slices.Contains(allowed, name):
			return nil, fmt.Errorf("setting '%s' reads env.%s, which is not allowed; allow it with --allow-env %s", path, name, name)
		case env[name] == nil:
			return nil, fmt.Errorf("setting '%s' reads env.%s, which is not set", path, name)
		}
	}
	v, err := t.Eval(vars)
	if err != nil {
		return nil, fmt.Errorf("setting '%s': %v", path, err)
	}
	return v, nil
}

// pool opens the connections of a local run, through the same guarded
// network access as its http steps.
func (l *localConnections) pool(s env, f runFlags, allowed []string, opts engine.Options) (*connpool.Pool, error) {
	settings, err := l.resolve(allowed, opts.Env)
	if err != nil {
		return nil, err
	}
	cenv, err := connEnv(append(s.list(envAllowNet), f.allowNet...), append(s.list(envAllowFolders), f.allowFolder...))
	if err != nil {
		return nil, err
	}
	cenv.Logger = opts.Logger
	return &connpool.Pool{Find: connectors.Find, Env: cenv,
		Source: func(_ context.Context, name string) (connpool.Settings, error) {
			c, ok := settings[name]
			if !ok {
				return connpool.Settings{}, fmt.Errorf("%w: '%s'", connpool.ErrNoConnection, name)
			}
			return c, nil
		}}, nil
}

// connEnv is what connections are lent: Bistro's guarded dialer (loopback,
// private and metadata addresses refused unless allowed), an HTTP client
// over it, and the allowed folders.
func connEnv(allowNet, folders []string) (connector.Env, error) {
	nets, err := egress.ParseAllow(allowNet)
	if err != nil {
		return connector.Env{}, err
	}
	dirs, err := allowedFolders(folders)
	if err != nil {
		return connector.Env{}, err
	}
	p := egress.Policy{Allow: nets}
	return connector.Env{Dial: p.Dialer().DialContext, HTTP: &http.Client{Transport: p.Transport()}, Folders: dirs}, nil
}

// allowedFolders makes the allowed folders absolute and checks they exist.
func allowedFolders(folders []string) ([]string, error) {
	out := make([]string, 0, len(folders))
	for _, f := range folders {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("--allow-folder %s: %v", f, err)
		}
		st, err := os.Stat(abs)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--allow-folder %s: there is no folder %s", f, abs)
		}
		out = append(out, filepath.Clean(abs))
	}
	return out, nil
}
