package connectortest

import (
	"context"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connpool"
	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/httpstep"
	"github.com/bistro-dev/bistro/internal/record"
)

// RunFlow runs a flow document (YAML) through Bistro's engine with the
// connector c and one connection of it called "test" with the given
// settings, starting from records. It checks the flow as `bistro validate`
// does, fails t on any problem, and returns the run's result and the
// records the flow ended with. A failed run is returned, not a test failure.
// http steps run too, reaching loopback addresses only (the connection
// "test" serves an http step when c is the http connector).
func RunFlow(t testing.TB, c connector.Connector, config map[string]any, src string, records []map[string]any) (*engine.Result, []map[string]any) {
	t.Helper()
	spec := c.Spec()
	find := connector.Finder(func(name string) (connector.Connector, bool) { return c, name == spec.Name })
	pool := &connpool.Pool{
		Find: find,
		Source: func(_ context.Context, name string) (connpool.Settings, error) {
			if name != "test" {
				return connpool.Settings{}, connpool.ErrNoConnection
			}
			return connpool.Settings{Connector: spec.Name, Config: config}, nil
		},
		Env: Env(t),
	}
	t.Cleanup(func() { _ = pool.Close() })
	opts := flow.Options{}.WithConnectors(find)
	doc, diags := flow.Load("test.yaml", []byte(src), opts)
	if diags.HasErrors() {
		t.Fatalf("the test flow is not valid:\n%s", diags)
	}
	web := httpstep.NewClient(httpstep.ClientOptions{Egress: loopback(t)})
	plan, err := engine.Compile(doc, engine.Options{Connections: pool, HTTP: web})
	if err != nil {
		t.Fatalf("compile the test flow: %v", err)
	}
	in := engine.Input{Trigger: map[string]any{"input": nil}}
	if records != nil {
		list := make([]any, len(records))
		for i, r := range records {
			list[i] = r
		}
		in.Records = record.Seq(list)
	}
	var out []map[string]any
	res, err := plan.Run(context.Background(), in, func(r engine.Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil && (res == nil || res.Status != engine.StatusFailed) {
		t.Fatalf("run the test flow: %v", err)
	}
	return res, out
}
