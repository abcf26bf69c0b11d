package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connpool"
	"github.com/bistro-dev/bistro/internal/store"
)

// inbox is a connector whose connection is a queue in memory (a push
// source that counts acknowledgements) and a table (a poll source).
type inbox struct {
	mu       sync.Mutex
	messages chan connector.Message
	acked    map[string]int
	nacked   map[string]int
	rows     []map[string]any // the table; the cursor is the number of rows read
}

func newInbox() *inbox {
	return &inbox{messages: make(chan connector.Message, 16), acked: map[string]int{}, nacked: map[string]int{}}
}

func (in *inbox) Spec() connector.Spec {
	return connector.Spec{
		Name: "inbox", Title: "Inbox", Version: "1.0.0", Category: "test", Description: "A queue and a table in memory.",
		Triggers: []connector.Trigger{
			{Name: "queue", Kind: connector.Push, Title: "Queue", Description: "Messages.", Output: "The message."},
			{Name: "table", Kind: connector.Poll, Title: "Table", Description: "New rows.", Output: "A row."},
		},
	}
}

func (in *inbox) Open(context.Context, map[string]any, connector.Env) (connector.Conn, error) {
	return in, nil
}

func (in *inbox) Do(context.Context, connector.Request, func(map[string]any) error) error {
	return connector.Permanent(fmt.Errorf("no actions"))
}

func (in *inbox) Close() error { return nil }

// Listen delivers messages; one whose run could not be stored goes back
// to the queue, as a broker redelivers an unacknowledged message.
func (in *inbox) Listen(ctx context.Context, _ string, _ map[string]any, deliver connector.Deliver) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-in.messages:
			err := deliver(ctx, m)
			in.mu.Lock()
			if err != nil {
				in.nacked[m.ID]++
			} else {
				in.acked[m.ID]++
			}
			in.mu.Unlock()
			if err != nil {
				in.messages <- m
			}
		}
	}
}

func (in *inbox) Poll(_ context.Context, _ string, _ map[string]any, cursor string, limit int) ([]map[string]any, string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	from, _ := strconv.Atoi(cursor)
	to := min(len(in.rows), from+limit)
	return in.rows[from:to], strconv.Itoa(to), nil
}

func (in *inbox) ackCount(id string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.acked[id]
}

// eventSetup is a runner whose only connector is the inbox.
func eventSetup(t *testing.T, s store.Store, in *inbox) *fixture {
	find := func(name string) (connector.Connector, bool) { return in, name == "inbox" }
	f := setup(t, s, func(c *Config) {
		c.Connectors = find
		c.Engine.Connections = &connpool.Pool{Find: find}
		c.EventRetryPause = time.Millisecond
		c.Logger = slog.New(slog.NewTextHandler(tWriter{t}, nil))
	})
	return f
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func eventRuns(t *testing.T, f *fixture, flowID string) []store.Run {
	runs, err := f.store.ListRuns(context.Background(), store.RunFilter{FlowID: flowID, Trigger: "event", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestEventTriggerPush(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			in := newInbox()
			f := eventSetup(t, b.open(t), in)
			fl := f.apply(`bistro: 1
name: orders
trigger:
  event: { source: inbox.queue }
steps:
  - id: total
    set: { total: "{{ record.qty * 2 }}", from: "{{ trigger.source }}" }
`)
			f.start()
			in.messages <- connector.Message{ID: "m1", Record: map[string]any{"qty": 2}}
			in.messages <- connector.Message{ID: "m2", Record: map[string]any{"qty": 5}}
			// A source that delivers m1 again (its ack was lost) starts no second run.
			f.eventually("both messages acknowledged", func() bool { return in.ackCount("m1") == 1 && in.ackCount("m2") == 1 })
			in.messages <- connector.Message{ID: "m1", Record: map[string]any{"qty": 2}}
			f.eventually("m1 acknowledged again", func() bool { return in.ackCount("m1") == 2 })
			var runs []store.Run
			f.eventually("two runs to succeed", func() bool {
				runs = eventRuns(t, f, fl.ID)
				done := 0
				for _, r := range runs {
					if r.Status == store.StatusSucceeded {
						done++
					}
				}
				return done == 2
			})
			if len(runs) != 2 {
				t.Fatalf("%d runs, want 2 (one per message id)", len(runs))
			}
			totals := map[string]bool{}
			for _, r := range runs {
				var out []map[string]any
				if err := json.Unmarshal(r.Output, &out); err != nil || len(out) != 1 {
					t.Fatalf("output %s: %v", r.Output, err)
				}
				totals[fmt.Sprint(out[0]["total"])] = true
				if out[0]["from"] != "inbox.queue" {
					t.Errorf("trigger.source = %v", out[0]["from"])
				}
			}
			if !totals["4"] || !totals["10"] {
				t.Errorf("totals %v, want 4 and 10", totals)
			}
		})
	}
}

func TestEventTriggerDeadLetter(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			in := newInbox()
			f := eventSetup(t, b.open(t), in)
			fl := f.apply(`bistro: 1
name: picky
trigger:
  event: { source: inbox.queue, attempts: 2 }
steps:
  - id: check
    when: "record.ok != true"
    fail: "order {{ record.id }} is not ok"
`)
			f.start()
			in.messages <- connector.Message{ID: "bad-1", Record: map[string]any{"id": 7, "ok": false}}
			var letters []store.DeadLetter
			f.eventually("the message to reach the dead-letter list", func() bool {
				var err error
				letters, err = f.ListDeadLetters(context.Background(), store.DefaultWorkspace, "picky", 0)
				return err == nil && len(letters) == 1
			})
			d := letters[0]
			if d.MessageID != "bad-1" || d.Attempts != 2 || d.FlowName != "picky" || d.Source != "inbox.queue" ||
				!sameJSON(d.Record, `{"id": 7, "ok": false}`) || d.Error == "" {
				t.Errorf("dead letter %+v", d)
			}
			if runs := eventRuns(t, f, fl.ID); len(runs) != 2 {
				t.Errorf("%d runs, want 2 attempts", len(runs))
			}
			// Fixed flow, replayed message: it runs and leaves the list.
			f.apply(`bistro: 1
name: picky
trigger:
  event: { source: inbox.queue, attempts: 2 }
steps:
  - id: check
    log: "order {{ record.id }}"
`)
			run, err := f.ReplayDeadLetter(context.Background(), store.DefaultWorkspace, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.waitFinal(run.ID); got.Status != store.StatusSucceeded {
				t.Errorf("replayed run %s: %s", got.Status, got.Error)
			}
			if left, _ := f.ListDeadLetters(context.Background(), store.DefaultWorkspace, "", 0); len(left) != 0 {
				t.Errorf("%d dead letters left after the replay", len(left))
			}
		})
	}
}

func TestEventTriggerPoll(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			in := newInbox()
			for i := range 3 {
				in.rows = append(in.rows, map[string]any{"n": i})
			}
			f := eventSetup(t, b.open(t), in)
			fl := f.apply(`bistro: 1
name: rows
trigger:
  event: { source: inbox.table, every: 1s }
steps:
  - id: seen
    log: "row {{ record.n }}"
`)
			f.start()
			f.eventually("the cursor to move past the rows", func() bool {
				c, err := f.store.EventCursor(context.Background(), fl.ID)
				return err == nil && c == "3"
			})
			runs := eventRuns(t, f, fl.ID)
			if len(runs) != 1 || !sameJSON(runs[0].Input, `[{"n":0},{"n":1},{"n":2}]`) {
				t.Fatalf("runs %d, input %s; want one run with the three rows", len(runs), runs[0].Input)
			}
		})
	}
}

// TestEventListenersAfterRestart: a runner started again listens again.
func TestEventListenersAfterRestart(t *testing.T) {
	t.Parallel()
	in := newInbox()
	f := eventSetup(t, openSQLite(t), in)
	f.apply("bistro: 1\nname: orders\ntrigger:\n  event: { source: inbox.queue }\nsteps:\n  - id: total\n    set: { total: \"{{ record.qty * 2 }}\" }\n")
	stop := startStoppable(f)
	in.messages <- connector.Message{ID: "m1", Record: map[string]any{"qty": 2}}
	f.eventually("m1 acknowledged", func() bool { return in.ackCount("m1") == 1 })
	stop()
	startStoppable(f)
	in.messages <- connector.Message{ID: "m2", Record: map[string]any{"qty": 3}}
	f.eventually("m2 acknowledged after a restart", func() bool { return in.ackCount("m2") == 1 })
}

func TestRetryPause(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), nil)
	var got []time.Duration
	for a := 1; a <= 6; a++ {
		got = append(got, f.retryPause(a))
	}
	want := []time.Duration{5 * time.Second, 20 * time.Second, 80 * time.Second, 320 * time.Second, 10 * time.Minute, 10 * time.Minute}
	if !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	run := store.Run{Trigger: "event", TriggerData: json.RawMessage(`{"source":"x.y","attempt":2,"not_before":"` + later + `"}`)}
	if w := f.eventWait(run); w < 59*time.Minute {
		t.Errorf("eventWait = %s, want about an hour", w)
	}
	run.TriggerData = json.RawMessage(`{"source":"x.y","attempt":1}`)
	if w := f.eventWait(run); w != 0 {
		t.Errorf("eventWait of a first attempt = %s", w)
	}
}

// TestRetryIsNotHeldByBackPressure: with the queue full, a new message
// waits, but the next attempt of a message already taken is queued at once
// (a worker waiting for room only workers make would wait forever).
func TestRetryIsNotHeldByBackPressure(t *testing.T) {
	t.Parallel()
	f := setup(t, openSQLite(t), func(c *Config) { c.MaxQueued = 1 })
	fl := f.apply("bistro: 1\nname: orders\ntrigger: {manual: {}}\nsteps:\n  - {id: a, log: hi}\n")
	ctx := context.Background()
	for range 2 {
		if _, err := f.StartRun(ctx, store.DefaultWorkspace, "orders", json.RawMessage(`{}`), 0); err != nil {
			t.Fatal(err)
		}
	}
	in := json.RawMessage(`[{"n":1}]`)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := f.queueEvent(short, fl, eventData{Source: "inbox.queue", Attempt: 1}, in, "", ""); err == nil {
		t.Fatal("a new message was queued although the queue is full")
	}
	if err := f.queueEvent(ctx, fl, eventData{Source: "inbox.queue", Attempt: 2}, in, "retry:x", "parent-run"); err != nil {
		t.Fatalf("the next attempt of a taken message waited or failed: %v", err)
	}
}
