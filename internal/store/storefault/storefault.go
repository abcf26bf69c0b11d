// Package storefault wraps a store.Store so that tests can make chosen
// calls fail or wait, and so check what the code above the store does
// when the database goes away, answers late, or commits and then loses
// the answer. Every call not chosen goes through to the wrapped store
// unchanged.
//
// A call is named by its method in store.Store or in the optional
// interfaces (e.g. "CreateRuns", "UpdateRun", "SaveSteps"), or "RunHandler"
// for each time the wrapped store's workers hand a run to the handler given
// to Work. Faults are chosen while the code runs, from any goroutine:
//
//	s, faults := storefault.Wrap(inner)
//	faults.FailOn("CreateRuns", 1, errDown)       // the next commit fails, nothing written
//	faults.FailAfter("UpdateRun", 2, errDown)     // the second update is written, its answer lost
//	faults.Before("GetRun", func(ctx context.Context, c storefault.Call) error {
//		<-release // hold the call until the test lets it go
//		return nil
//	})
package storefault

import (
	"context"
	"fmt"
	"sync"

	"github.com/bistro-dev/bistro/internal/store"
)

// Handler is the name of the calls into the run handler given to Work.
const Handler = "RunHandler"

// methods are the names a fault can be set on; a misspelt name would
// otherwise never fire and the test would pass for the wrong reason.
var methods = map[string]bool{
	"PutFlow": true, "GetFlow": true, "GetFlowByID": true, "ListFlows": true,
	"FlowVersion": true, "ListVersions": true, "SetFlowEnabled": true, "DeleteFlow": true,
	"CreateRuns": true, "GetRun": true, "ListRuns": true, "UpdateRun": true,
	"SaveStep": true, "ListSteps": true, "CountRuns": true, "PruneRuns": true,
	"CreateToken": true, "TokenByHash": true, "CountTokens": true,
	"PutConnection": true, "GetConnection": true, "ListConnections": true, "DeleteConnection": true,
	"ListSealed": true, "Reseal": true,
	"Work": true, "Close": true,
	"FlowByWebhookID": true, "SaveSteps": true, "Ping": true,
	Handler: true,
}

// Call is one call to the wrapped store, as hooks see it.
type Call struct {
	Method string // e.g. "CreateRuns", or Handler
	// N is which call of Method this is, from 1, counted since Wrap.
	N int
	// Args are the call's arguments after the context, e.g. one
	// []store.NewRun for CreateRuns, one store.RunUpdate for UpdateRun, the
	// run id for Handler.
	Args []any
}

// Hook runs before a call reaches the wrapped store. It may block (on a
// channel, or until ctx ends); an error fails the call without reaching
// the store.
type Hook func(ctx context.Context, c Call) error

// AfterHook runs once the wrapped store has answered err. What it returns
// becomes the call's error: a non-nil error over a nil one is an answer
// lost after the store did the work (a commit whose reply never came).
type AfterHook func(ctx context.Context, c Call, err error) error

// Faults chooses which calls of a wrapped store fail or wait. Its methods
// are safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	calls  map[string]int
	before map[string][]Hook
	after  map[string][]AfterHook
}

// Wrap returns a store that passes every call to inner except those its
// Faults choose to fail or hold. The returned store implements
// store.WebhookFinder, store.StepBatcher and store.Pinger exactly when
// inner does, so that callers which look for them behave as they would on
// inner itself.
func Wrap(inner store.Store) (store.Store, *Faults) {
	f := &Faults{calls: map[string]int{}, before: map[string][]Hook{}, after: map[string][]AfterHook{}}
	return compose(&wrapped{inner: inner, f: f}), f
}

// FailOn makes the n-th call of method from now fail with err before it
// reaches the store (nothing is done), once; n 0 fails every call until
// Reset.
func (f *Faults) FailOn(method string, n int, err error) {
	f.Before(method, f.nth(method, n, func(context.Context, Call) error { return err }))
}

// FailAfter makes the n-th call of method from now reach the store and
// then fail with err, once; n 0 does so to every call until Reset. The
// store has done the work — committed the runs, written the update — but
// the caller hears that it failed, as when the connection drops before
// the reply.
func (f *Faults) FailAfter(method string, n int, err error) {
	at := f.target(method, n)
	f.After(method, func(_ context.Context, c Call, _ error) error {
		if at == 0 || c.N == at {
			return err
		}
		return nil
	})
}

// Before adds a hook run before every call of method, until Reset. Hooks
// run in the order they were added; the first error stops the call.
func (f *Faults) Before(method string, h Hook) {
	check(method)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before[method] = append(f.before[method], h)
}

// After adds a hook run after every call of method, until Reset. Hooks
// run in the order they were added, each seeing the error the previous one
// returned.
func (f *Faults) After(method string, h AfterHook) {
	check(method)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.after[method] = append(f.after[method], h)
}

// Calls reports how many calls of method were made since Wrap, failed
// ones included.
func (f *Faults) Calls(method string) int {
	check(method)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// Reset removes every hook and fault: the store is healthy again. The
// call counts go on.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.before)
	clear(f.after)
}

// nth turns h into a hook that acts on the n-th call of method from now
// only (every call when n is 0).
func (f *Faults) nth(method string, n int, h Hook) Hook {
	at := f.target(method, n)
	return func(ctx context.Context, c Call) error {
		if at == 0 || c.N == at {
			return h(ctx, c)
		}
		return nil
	}
}

// target is the absolute number of the n-th call of method from now, or
// 0 for every call.
func (f *Faults) target(method string, n int) int {
	check(method)
	if n < 0 {
		panic(fmt.Sprintf("storefault: call number %d of %s: count calls from 1, or 0 for every call", n, method))
	}
	if n == 0 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method] + n
}

// enter counts a call and runs its before hooks.
func (f *Faults) enter(ctx context.Context, method string, args ...any) (Call, error) {
	f.mu.Lock()
	f.calls[method]++
	c := Call{Method: method, N: f.calls[method], Args: args}
	hooks := f.before[method]
	f.mu.Unlock()
	// Hooks run unlocked: they may block until the test lets them go.
	for _, h := range hooks {
		if err := h(ctx, c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// leave runs a call's after hooks over the store's answer.
func (f *Faults) leave(ctx context.Context, c Call, err error) error {
	f.mu.Lock()
	hooks := f.after[c.Method]
	f.mu.Unlock()
	for _, h := range hooks {
		err = h(ctx, c, err)
	}
	return err
}

func check(method string) {
	if !methods[method] {
		panic(fmt.Sprintf("storefault: %q is not a store method", method))
	}
}
