package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/webhook"
)

var errShortCreate = errors.New("the store created fewer runs than asked")

// compiled is one flow version, parsed and compiled.
type compiled struct {
	flow store.Flow // the flow as it was when compiled (id, name, workspace)
	doc  *flow.Document
	plan *engine.Plan
	// connectors are the ones the flow uses, asked of IT's catalogue
	// before every run.
	connectors []string

	checkOnce sync.Once // the webhook check, built on first use
	check     webhook.Check
	checkErr  error
}

type planKey struct {
	flowID  string
	version int
}

// planCache keeps compiled flow versions, so a run does not parse and
// compile its flow again. Versions are immutable, so entries never go
// stale; the oldest is dropped beyond the bound.
type planCache struct {
	mu    sync.Mutex
	max   int
	m     map[planKey]*compiled
	order []planKey
}

func newPlanCache(max int) *planCache {
	return &planCache{max: max, m: map[planKey]*compiled{}}
}

func (c *planCache) get(k planKey) *compiled {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *planCache) put(k planKey, v *compiled) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = v
	c.order = append(c.order, k)
}

// compiledVersion returns a flow version's compiled plan.
func (r *Runner) compiledVersion(ctx context.Context, f store.Flow, version int) (*compiled, error) {
	k := planKey{f.ID, version}
	if c := r.plans.get(k); c != nil {
		if err := r.runAllowed(ctx, c); err != nil {
			return nil, err
		}
		return c, nil
	}
	v, err := r.store.FlowVersion(ctx, f.ID, version)
	if err != nil {
		return nil, err
	}
	doc, diags := flow.Load(f.Name, v.Document, r.specOptions(flow.Options{AllowedEnv: r.cfg.AllowedEnv}))
	if diags.HasErrors() {
		return nil, &planError{fmt.Errorf("the flow is not valid any more: %s", diags.Error())}
	}
	opts := r.cfg.Engine
	opts.Flows = &flowLoader{r: r, workspace: f.Workspace}
	opts.Connections = r.connections(f.Workspace)
	plan, err := engine.Compile(doc, opts)
	if err != nil {
		return nil, &planError{err}
	}
	c := &compiled{flow: f, doc: doc, plan: plan, connectors: doc.Flow.Connectors()}
	r.plans.put(k, c)
	if err := r.runAllowed(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// runAllowed refuses to run a flow version that uses a connector IT has
// blocked since it was saved; the run fails with the reason.
func (r *Runner) runAllowed(ctx context.Context, c *compiled) error {
	if err := r.allowedAll(ctx, c.flow.Workspace, c.connectors); err != nil {
		return &planError{fmt.Errorf("the run was stopped: %w", err)}
	}
	return nil
}

// planError is a flow version that cannot run: retrying will not help.
type planError struct{ err error }

func (e *planError) Error() string { return e.err.Error() }
func (e *planError) Unwrap() error { return e.err }

// flowLoader resolves call steps: on the server a call names a flow of the
// same workspace, and runs its latest version.
type flowLoader struct {
	r         *Runner
	workspace string
}

// Load returns the latest version of the flow called name.
func (l *flowLoader) Load(ctx context.Context, _ *flow.Document, name string) (*flow.Document, error) {
	f, err := l.r.store.GetFlow(ctx, l.workspace, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("there is no flow called '%s'", name)
	}
	if err != nil {
		return nil, err
	}
	c, err := l.r.compiledVersion(ctx, f, f.Version)
	if err != nil {
		return nil, err
	}
	return c.doc, nil
}
