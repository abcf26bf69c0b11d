package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/store"
)

// Event triggers: every enabled flow whose trigger is an event has one
// listener on this node, which hands each message (push sources) or each
// poll's new rows (poll sources) to the queue as a run. A message is
// acknowledged to its source only once its run is stored, so a crash
// makes the source deliver it again; the message's id as the run's dedupe
// key keeps that from starting a second run.

const (
	defaultEventAttempts = 3
	defaultPollEvery     = time.Minute
	pollLimit            = 1000 // rows per poll; a poll that fills it is followed at once by the next
	listenBackoffMax     = time.Minute
)

// events holds the listeners running on this node.
type events struct {
	mu      sync.Mutex
	ctx     context.Context // the runner's, set by runEvents; nil before
	running map[string]*listener
	wg      sync.WaitGroup
}

type listener struct {
	version int
	cancel  context.CancelFunc
}

// eventFlow brings the listeners up to date with a flow just applied,
// enabled, disabled or deleted (deleted: pass it with Enabled false).
func (r *Runner) eventFlow(f store.Flow) {
	e := &r.events
	e.mu.Lock()
	defer e.mu.Unlock()
	want := f.Trigger == "event" && f.Enabled
	cur := e.running[f.ID]
	if cur != nil && (!want || cur.version != f.Version) {
		cur.cancel()
		delete(e.running, f.ID)
		cur = nil
	}
	if !want || cur != nil || e.ctx == nil {
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	if e.running == nil {
		e.running = map[string]*listener{}
	}
	e.running[f.ID] = &listener{version: f.Version, cancel: cancel}
	e.wg.Go(func() { r.listen(ctx, f) })
}

// runEvents starts the listeners of the enabled event flows and keeps
// them until ctx is done.
func (r *Runner) runEvents(ctx context.Context) error {
	r.events.mu.Lock()
	r.events.ctx = ctx
	r.events.mu.Unlock()
	defer r.stopEvents()
	flows, err := r.allFlows(ctx)
	if err != nil {
		return err
	}
	for _, f := range flows {
		r.eventFlow(f)
	}
	<-ctx.Done()
	return nil
}

// stopEvents stops every listener and forgets them, so that a runner
// started again starts them anew.
func (r *Runner) stopEvents() {
	e := &r.events
	e.mu.Lock()
	for id, l := range e.running {
		l.cancel()
		delete(e.running, id)
	}
	e.ctx = nil
	e.mu.Unlock()
	e.wg.Wait()
}

// eventSource is a flow's event trigger, resolved.
type eventSource struct {
	trigger   *flow.EventTrigger
	connector string
	name      string // the trigger's name within its connector
	kind      connector.TriggerKind
	input     map[string]any
}

func (r *Runner) eventSource(ctx context.Context, f store.Flow) (eventSource, error) {
	c, err := r.compiledVersion(ctx, f, f.Version)
	if err != nil {
		return eventSource{}, err
	}
	ev := c.doc.Flow.Trigger.Event
	if ev == nil {
		return eventSource{}, errors.New("the flow has no event trigger")
	}
	spec, ok := r.finder().Trigger(ev.Source)
	if !ok {
		return eventSource{}, fmt.Errorf("unknown event source '%s'", ev.Source)
	}
	name, trigger, _ := strings.Cut(ev.Source, ".")
	return eventSource{trigger: ev, connector: name, name: trigger, kind: spec.Kind, input: spec.WithDefaults(ev.With)}, nil
}

// listen runs one flow's event trigger until ctx is done, opening the
// connection again after a failure with a growing pause.
func (r *Runner) listen(ctx context.Context, f store.Flow) {
	backoff := time.Second
	for ctx.Err() == nil {
		started := r.clock.Now()
		err := r.listenOnce(ctx, f)
		if ctx.Err() != nil {
			return
		}
		if r.clock.Now().Sub(started) > listenBackoffMax {
			backoff = time.Second // it worked for a while: start over
		}
		if err == nil {
			err = errors.New("the source stopped delivering")
		}
		r.log.Warn("the event trigger stopped; it starts again after a pause", "flow", f.Name, "error", err, "pause", backoff)
		if r.clock.Sleep(ctx, backoff) != nil {
			return
		}
		backoff = min(backoff*2, listenBackoffMax)
	}
}

func (r *Runner) listenOnce(ctx context.Context, f store.Flow) error {
	src, err := r.eventSource(ctx, f)
	if err != nil {
		return err
	}
	pool := r.connections(f.Workspace)
	if pool == nil {
		return errors.New("no connections are set up on this server")
	}
	conn, err := pool.Conn(ctx, src.connector, src.trigger.Connection)
	if err != nil {
		return err
	}
	l, listens := conn.(connector.Listener)
	p, polls := conn.(connector.Poller)
	switch {
	case src.kind == connector.Push && listens:
		err = l.Listen(ctx, src.name, src.input, r.deliverer(f, src))
	case src.kind == connector.Poll && polls:
		err = r.poll(ctx, f, src, p)
	default:
		return fmt.Errorf("the connection cannot start runs from '%s'", src.trigger.Source)
	}
	if errors.Is(err, connector.ErrNotConnected) {
		pool.Broken(src.connector, src.trigger.Connection, conn)
	}
	return err
}

// eventData is the trigger variable of an event run.
type eventData struct {
	Source    string `json:"source"`
	MessageID string `json:"message_id,omitempty"`
	Attempt   int    `json:"attempt"`
	Cursor    string `json:"cursor,omitempty"` // polls: where the rows start after
	Replay    string `json:"replayed_from,omitempty"`
	// NotBefore holds a retried message's run until its pause is over.
	NotBefore string `json:"not_before,omitempty"`
}

// retryPause is how long a message's run waits after its attempt-th
// failure: Config.EventRetryPause, four times longer with each try, at
// most ten minutes.
func (r *Runner) retryPause(attempt int) time.Duration {
	d := r.cfg.EventRetryPause
	for i := 1; i < attempt && d < 10*time.Minute; i++ {
		d *= 4
	}
	return min(d, 10*time.Minute)
}

// eventWait is how long an event run must still wait before it runs (a
// retried message's pause); 0 when it may run now.
func (r *Runner) eventWait(run store.Run) time.Duration {
	if run.Trigger != "event" {
		return 0
	}
	var d eventData
	if json.Unmarshal(run.TriggerData, &d) != nil || d.NotBefore == "" {
		return 0
	}
	at, err := time.Parse(time.RFC3339Nano, d.NotBefore)
	if err != nil {
		return 0
	}
	return max(at.Sub(r.clock.Now()), 0)
}

// deliverer queues a run for every message and returns once it is stored.
func (r *Runner) deliverer(f store.Flow, src eventSource) connector.Deliver {
	return func(ctx context.Context, m connector.Message) error {
		in, err := json.Marshal([]any{m.Record})
		if err != nil {
			return fmt.Errorf("the message cannot be stored: %w", err)
		}
		key := ""
		if m.ID != "" {
			key = "event:" + src.trigger.Source + ":" + src.trigger.Connection + ":" + m.ID
		}
		return r.queueEvent(ctx, f, eventData{Source: src.trigger.Source, MessageID: m.ID, Attempt: 1}, in, key, "")
	}
}

// queueEvent queues an event run. A new message waits while the queue is
// full (a source holds its messages better than memory does); the next
// attempt of a message already taken (parent set) does not: it is work
// accepted before, and a worker waiting for room that only workers make
// could wait forever.
func (r *Runner) queueEvent(ctx context.Context, f store.Flow, d eventData, input json.RawMessage, key, parent string) error {
	for parent == "" {
		err := r.busy(ctx)
		if err == nil {
			break
		}
		var busy *api.BusyError
		if !errors.As(err, &busy) {
			return err
		}
		if err := r.clock.Sleep(ctx, busyRetryAfter); err != nil {
			return err
		}
	}
	// A workspace over its daily quota leaves new messages in their
	// source until the quota allows them.
	for parent == "" {
		err := r.admit(ctx, f.Workspace)
		var q *api.QuotaError
		if !errors.As(err, &q) {
			if err != nil {
				return err
			}
			break
		}
		if err := r.clock.Sleep(ctx, min(q.RetryAfter, 5*time.Minute)); err != nil {
			return err
		}
	}
	data, _ := json.Marshal(d)
	_, err := r.queue(ctx, store.NewRun{
		ID: newID(), Workspace: f.Workspace, FlowID: f.ID, FlowVersion: f.Version,
		Trigger: "event", TriggerData: data, Input: input, DedupeKey: key, ParentID: parent,
	})
	return err
}

// poll asks a poll source for what is new every so often. Each poll's
// rows become one run; the cursor is saved after the run is stored, so a
// crash in between polls the same rows again (the run's dedupe key, made
// of both cursors, keeps an identical poll from running twice).
func (r *Runner) poll(ctx context.Context, f store.Flow, src eventSource, p connector.Poller) error {
	every := defaultPollEvery
	if src.trigger.Every != "" {
		if d, err := time.ParseDuration(src.trigger.Every); err == nil {
			every = d
		}
	}
	for {
		cursor, err := r.store.EventCursor(ctx, f.ID)
		if err != nil {
			return err
		}
		for {
			rows, next, err := p.Poll(ctx, src.name, src.input, cursor, pollLimit)
			if err != nil {
				return err
			}
			if len(rows) > 0 {
				in, err := json.Marshal(rows)
				if err != nil {
					return fmt.Errorf("the rows cannot be stored: %w", err)
				}
				d := eventData{Source: src.trigger.Source, Attempt: 1, Cursor: cursor}
				if err := r.queueEvent(ctx, f, d, in, pollKey(cursor, next), ""); err != nil {
					return err
				}
			}
			if next != cursor {
				if err := r.store.SetEventCursor(ctx, f.ID, next); err != nil {
					return err
				}
				cursor = next
			}
			if len(rows) < pollLimit {
				break
			}
		}
		if err := r.clock.Sleep(ctx, every); err != nil {
			return err
		}
	}
}

// pollKey is the dedupe key of the run of the rows between two cursors.
func pollKey(from, to string) string {
	sum := sha256.Sum256([]byte(from + "\n" + to))
	return "poll:" + hex.EncodeToString(sum[:16])
}

// eventFailed runs a failed event run's message again, or, when it had
// its attempts, puts it on the dead-letter list. Both are keyed by the
// failed run, so a handler that runs twice does it once.
func (r *Runner) eventFailed(ctx context.Context, run store.Run, c *compiled, message string) error {
	ev := c.doc.Flow.Trigger.Event
	if run.Trigger != "event" || ev == nil {
		return nil
	}
	var d eventData
	_ = json.Unmarshal(run.TriggerData, &d)
	attempts := ev.Attempts
	if attempts <= 0 {
		attempts = defaultEventAttempts
	}
	if d.Attempt < attempts {
		// A message that failed because the system behind it was down for
		// a moment is tried again after a pause that grows with each try.
		d.NotBefore = r.clock.Now().Add(r.retryPause(d.Attempt)).UTC().Format(time.RFC3339Nano)
		d.Attempt++
		f := c.flow
		f.Version = run.FlowVersion
		return r.queueEvent(ctx, f, d, run.Input, "retry:"+run.ID, run.ID)
	}
	rec := run.Input
	if v, err := decode(run.Input); err == nil {
		if list, ok := v.([]any); ok && len(list) == 1 {
			rec, _ = json.Marshal(list[0])
		}
	}
	err := r.store.AddDeadLetter(ctx, store.DeadLetter{
		ID: run.ID, Workspace: run.Workspace, FlowID: run.FlowID, RunID: run.ID, Source: d.Source,
		MessageID: d.MessageID, Record: rec, Error: message, Attempts: d.Attempt, CreatedAt: r.clock.Now(),
	})
	if err == nil {
		r.log.Warn("a message went to the dead-letter list after failing every attempt", "flow", c.flow.Name, "run", run.ID, "attempts", d.Attempt)
	}
	return err
}

// ListDeadLetters lists the dead letters of a workspace, of one flow when
// flowName is set.
func (r *Runner) ListDeadLetters(ctx context.Context, workspace, flowName string, limit int) ([]store.DeadLetter, error) {
	filter := store.DeadLetterFilter{Workspace: workspace, Limit: limit}
	if flowName != "" {
		f, err := r.store.GetFlow(ctx, workspace, flowName)
		if err != nil {
			return nil, err
		}
		filter.FlowID = f.ID
	}
	return r.store.ListDeadLetters(ctx, filter)
}

// GetDeadLetter returns one dead letter of the workspace.
func (r *Runner) GetDeadLetter(ctx context.Context, workspace, id string) (store.DeadLetter, error) {
	d, err := r.store.GetDeadLetter(ctx, id)
	if err == nil && d.Workspace != workspace {
		return store.DeadLetter{}, fmt.Errorf("dead letter %s: %w", id, store.ErrNotFound)
	}
	return d, err
}

// ReplayDeadLetter runs a dead letter's message again, with the flow as
// it is now, and takes it off the list.
func (r *Runner) ReplayDeadLetter(ctx context.Context, workspace, id string) (store.Run, error) {
	d, err := r.GetDeadLetter(ctx, workspace, id)
	if err != nil {
		return store.Run{}, err
	}
	f, err := r.store.GetFlowByID(ctx, d.FlowID)
	if err != nil {
		return store.Run{}, fmt.Errorf("the flow of the dead letter: %w", err)
	}
	input := d.Record
	if v, err := decode(d.Record); err == nil {
		if _, isList := v.([]any); !isList {
			input, _ = json.Marshal([]any{v})
		}
	}
	data, _ := json.Marshal(eventData{Source: d.Source, MessageID: d.MessageID, Attempt: 1, Replay: d.ID})
	runID, err := r.queue(ctx, store.NewRun{
		ID: newID(), Workspace: f.Workspace, FlowID: f.ID, FlowVersion: f.Version, Trigger: "event",
		TriggerData: data, Input: input, ParentID: d.RunID, DedupeKey: "replay:" + d.ID,
	})
	if err != nil {
		return store.Run{}, err
	}
	if err := r.store.DeleteDeadLetter(ctx, d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Run{}, err
	}
	return r.store.GetRun(ctx, runID)
}

// DeleteDeadLetter takes a dead letter off the list without running it.
func (r *Runner) DeleteDeadLetter(ctx context.Context, workspace, id string) error {
	if _, err := r.GetDeadLetter(ctx, workspace, id); err != nil {
		return err
	}
	return r.store.DeleteDeadLetter(ctx, id)
}
