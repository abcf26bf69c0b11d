// Package connectortest is the conformance suite every connector's tests
// call: CheckSpec checks that the spec is well formed, CheckOpen that a
// live connection opens and closes.
package connectortest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
)

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

var knownTypes = []connector.Type{
	connector.String, connector.Text, connector.Int, connector.Number, connector.Bool,
	connector.Duration, connector.Enum, connector.List, connector.Object, connector.Any,
}

// CheckSpec fails t for every problem Problems finds in the spec.
func CheckSpec(t testing.TB, s connector.Spec) {
	t.Helper()
	for _, p := range Problems(s) {
		t.Errorf("connector %q: %s", s.Name, p)
	}
}

// Problems lists what is wrong with a spec: names, duplicates, secrets
// with a default or an example, enums without values, undocumented parts
// and endpoints that name no setting. None means the spec is well formed.
func Problems(s connector.Spec) []string {
	var p problems
	p.name("connector", s.Name)
	p.require(s.Title != "", "has no title")
	p.require(s.Version != "", "has no version")
	p.require(s.Category != "", "has no category")
	p.require(s.Description != "", "has no description")
	// A built-in connector may have connection settings: the http step
	// runs as its own step kind, yet can take an API's address and
	// credentials from a stored connection, so BuiltIn says how flows use
	// the connector, not whether it has connections.
	p.require(len(s.Actions)+len(s.Triggers) > 0, "has neither actions nor triggers")
	p.fields("setting", s.Config)
	p.actions(s.Actions)
	p.triggers(s.Triggers)
	p.endpoints(s)
	p.require(s.Markdown() != "", "generates no docs")
	return p.list
}

type problems struct{ list []string }

func (p *problems) add(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) require(ok bool, problem string) {
	if !ok {
		p.add("%s", problem)
	}
}

func (p *problems) name(what, name string) {
	if !namePattern.MatchString(name) {
		p.add("%s name %q must be lower case letters, digits and underscores, starting with a letter", what, name)
	}
}

func (p *problems) actions(actions []connector.Action) {
	seen := map[string]bool{}
	for _, a := range actions {
		p.name("action", a.Name)
		p.unique(seen, "action", a.Name)
		if a.Title == "" || a.Description == "" || a.Output == "" {
			p.add("action %q needs a title, a description and an output", a.Name)
		}
		p.fields("input of action "+a.Name+":", a.Input)
	}
}

func (p *problems) triggers(triggers []connector.Trigger) {
	seen := map[string]bool{}
	for _, tr := range triggers {
		p.name("trigger", tr.Name)
		p.unique(seen, "trigger", tr.Name)
		if tr.Kind != connector.Poll && tr.Kind != connector.Push {
			p.add("trigger %q must be of kind poll or push, not %q", tr.Name, tr.Kind)
		}
		if tr.Title == "" || tr.Description == "" || tr.Output == "" {
			p.add("trigger %q needs a title, a description and an output", tr.Name)
		}
		p.fields("input of trigger "+tr.Name+":", tr.Input)
	}
}

func (p *problems) unique(seen map[string]bool, what, name string) {
	if seen[name] {
		p.add("%s %q is declared twice", what, name)
	}
	seen[name] = true
}

func (p *problems) fields(where string, fields []connector.Field) {
	seen := map[string]bool{}
	for _, f := range fields {
		p.name(where+" field", f.Name)
		p.unique(seen, where+" field", f.Name)
		p.field(where, f)
	}
}

func (p *problems) field(where string, f connector.Field) {
	if !slices.Contains(knownTypes, f.Type) {
		p.add("%s field %q has unknown type %q", where, f.Name, f.Type)
	}
	if f.Help == "" {
		p.add("%s field %q has no help text", where, f.Name)
	}
	if f.Secret && (f.Default != nil || f.Example != nil) {
		p.add("%s field %q is secret, so it must have neither a default nor an example", where, f.Name)
	}
	if (f.Type == connector.Enum) != (len(f.Enum) > 0) {
		p.add("%s field %q: enum values go with, and only with, the enum type", where, f.Name)
	}
	if f.Type == connector.List && f.Items == nil {
		p.add("%s field %q is a list but does not say what its items are", where, f.Name)
	}
	p.defaultMatches(where, f)
	p.fields(where+" "+f.Name+":", f.Fields)
}

// defaultMatches checks a default and an example against the field itself.
func (p *problems) defaultMatches(where string, f connector.Field) {
	probe := connector.Field{Name: "value", Type: f.Type, Enum: f.Enum, Items: f.Items, Fields: f.Fields, Help: f.Help}
	a := connector.Action{Input: []connector.Field{probe}}
	for i, v := range []any{f.Default, f.Example} {
		what := [...]string{"default", "example"}[i]
		if v == nil {
			continue
		}
		if errs := a.ValidateInput(map[string]any{"value": v}); len(errs) > 0 {
			p.add("%s field %q has a %s that is not valid: %s", where, f.Name, what, errs[0].Message)
		}
	}
}

func (p *problems) endpoints(s connector.Spec) {
	for _, e := range s.Endpoints {
		fields := s.Config
		if e.Action != "" {
			a, ok := s.Action(e.Action)
			if !ok {
				p.add("endpoint names the action %q, which does not exist", e.Action)
				continue
			}
			fields = a.Input
		}
		if !hasField(fields, e.Field) {
			p.add("endpoint names the setting %q, which does not exist", e.Field)
		}
		if e.Format != connector.URLEndpoint && e.Format != connector.HostEndpoint {
			p.add("endpoint %q must have format url or host", e.Field)
		}
	}
}

// hasField finds a setting by its dotted path, e.g. "server.url".
func hasField(fields []connector.Field, path string) bool {
	name, rest, nested := strings.Cut(path, ".")
	i := slices.IndexFunc(fields, func(f connector.Field) bool { return f.Name == name })
	if i < 0 {
		return false
	}
	return !nested || hasField(fields[i].Fields, rest)
}

// CheckOpen checks a live connector: the settings are valid for its spec,
// Open succeeds, Ping (when the connection has it) succeeds and Close
// releases the connection.
func CheckOpen(t testing.TB, c connector.Connector, config map[string]any) {
	t.Helper()
	spec := c.Spec()
	CheckSpec(t, spec)
	if errs := spec.ValidateConfig(config); len(errs) > 0 {
		t.Fatalf("connector %q: the test settings are not valid: %v", spec.Name, errs)
	}
	conn, err := c.Open(context.Background(), spec.WithDefaults(config), Env(t))
	if err != nil {
		t.Fatalf("connector %q: open: %v", spec.Name, err)
	}
	if conn == nil {
		t.Fatalf("connector %q: open returned no connection and no error", spec.Name)
	}
	if p, ok := conn.(connector.Pinger); ok {
		if err := p.Ping(context.Background()); err != nil {
			t.Errorf("connector %q: ping: %v", spec.Name, err)
		}
	}
	if err := conn.Close(); err != nil {
		t.Errorf("connector %q: close: %v", spec.Name, err)
	}
}

// Env is the environment a connection gets in tests: the guarded dialer
// with loopback allowed (the test services listen there, nothing else
// private is reachable), an HTTP client over it, one allowed folder (a
// temporary directory, removed with the test) and a logger writing to the
// test log.
func Env(t testing.TB) connector.Env {
	t.Helper()
	policy := loopback(t)
	return connector.Env{
		Dial:    policy.Dialer().DialContext,
		HTTP:    &http.Client{Transport: policy.Transport(), Timeout: time.Minute},
		Folders: []string{t.TempDir()},
		Logger:  slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	}
}

// loopback is the network policy of tests: loopback allowed, nothing else
// private.
func loopback(t testing.TB) egress.Policy {
	t.Helper()
	allow, err := egress.ParseAllow([]string{"127.0.0.0/8", "::1/128"})
	if err != nil {
		t.Fatal(err)
	}
	return egress.Policy{Allow: allow}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Service checks that a test service (a database, a broker) answers at
// address (host:port). When it does not, the test is skipped loudly, or
// fails under CI=true, where a missing service is a failure.
func Service(t testing.TB, name, address string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", address, 3*time.Second)
	if err == nil {
		conn.Close()
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not reachable at %s: %v", name, address, err)
	}
	t.Skipf("SKIPPING: %s is not reachable at %s (%v). Start it (e.g. `.ci/run`).", name, address, err)
}

// Do runs one request on conn and returns the records it emitted.
func Do(ctx context.Context, conn connector.Conn, req connector.Request) ([]map[string]any, error) {
	var out []map[string]any
	err := conn.Do(ctx, req, func(r map[string]any) error {
		out = append(out, r)
		return nil
	})
	return out, err
}
