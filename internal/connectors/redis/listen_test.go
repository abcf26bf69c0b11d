package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
)

// listening is a Listen call running in the background.
type listening struct {
	cancel context.CancelFunc
	done   chan error
}

func (f fixture) listen(t *testing.T, trigger string, in map[string]any, deliver connector.Deliver) *listening {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- f.conn.(connector.Listener).Listen(ctx, trigger, in, deliver) }()
	t.Cleanup(func() { l.stop(t) })
	return l
}

// stop ends the listening and returns what Listen returned.
func (l *listening) stop(t *testing.T) error {
	t.Helper()
	l.cancel()
	return l.wait(t)
}

// wait waits for Listen to return.
func (l *listening) wait(t *testing.T) error {
	t.Helper()
	select {
	case err, ok := <-l.done:
		if ok {
			close(l.done)
		}
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Listen did not return")
		return nil
	}
}

// receive waits for one message on ch.
func receive(t *testing.T, ch <-chan connector.Message) connector.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message was delivered")
		return connector.Message{}
	}
}

func (f fixture) pending(t *testing.T, stream, group string) int64 {
	t.Helper()
	p, err := f.raw.XPending(context.Background(), stream, group).Result()
	if err != nil {
		t.Fatalf("xpending: %v", err)
	}
	return p.Count
}

func TestStreamDeliversAndAcksAfterDeliver(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	stream := f.prefix + "s"
	id := f.raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: map[string]any{"order": `{"id":1}`}}).Val()
	got := make(chan connector.Message, 1)
	pendingDuringDeliver := make(chan int64, 1)
	f.listen(t, "stream", map[string]any{"stream": stream, "start": "all", "json": true}, func(_ context.Context, m connector.Message) error {
		p, _ := f.raw.XPending(context.Background(), stream, "bistro").Result()
		pendingDuringDeliver <- p.Count
		got <- m
		return nil
	})
	m := receive(t, got)
	if m.ID != id || m.Record["stream"] != stream || m.Record["id"] != id {
		t.Errorf("message = %+v, want entry %s", m, id)
	}
	fields, _ := m.Record["fields"].(map[string]any)
	if order, _ := fields["order"].(map[string]any); order["id"] != 1 {
		t.Errorf("fields = %v, want order decoded from JSON", fields)
	}
	if n := <-pendingDuringDeliver; n != 1 {
		t.Errorf("while deliver ran, %d entries were pending; want 1: not acknowledged yet", n)
	}
	eventually(t, "the entry is acknowledged", func() bool { return f.pending(t, stream, "bistro") == 0 })
}

func TestStreamRedeliversWhatWasNotAccepted(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	stream := f.prefix + "s"
	id := f.raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: map[string]any{"n": "1"}}).Val()
	in := map[string]any{"stream": stream, "start": "all", "group": "g", "consumer": "c1"}
	refused := errors.New("the store is down")
	l := f.listen(t, "stream", in, func(context.Context, connector.Message) error { return refused })
	err := l.wait(t)
	if !errors.Is(err, refused) || !strings.Contains(err.Error(), "entry "+id+" of stream") {
		t.Fatalf("Listen returned %v, want the failed delivery", err)
	}
	if n := f.pending(t, stream, "g"); n != 1 {
		t.Fatalf("%d entries pending after a failed delivery, want 1", n)
	}
	got := make(chan connector.Message, 1)
	f.listen(t, "stream", in, func(_ context.Context, m connector.Message) error {
		got <- m
		return nil
	})
	if m := receive(t, got); m.ID != id {
		t.Errorf("delivered %s again, want %s", m.ID, id)
	}
	eventually(t, "the redelivered entry is acknowledged", func() bool { return f.pending(t, stream, "g") == 0 })
}

func TestStreamClaimsWhatACrashedConsumerLeft(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	stream := f.prefix + "s"
	if err := f.raw.XGroupCreateMkStream(ctx, stream, "g", "$").Err(); err != nil {
		t.Fatal(err)
	}
	id := f.raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: map[string]any{"n": "1"}}).Val()
	// A consumer reads the entry and crashes before acknowledging it.
	read := f.raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "crashed", Streams: []string{stream, ">"}, Block: -1}).Val()
	if len(read) != 1 || len(read[0].Messages) != 1 {
		t.Fatalf("the crashed consumer read %v", read)
	}
	got := make(chan connector.Message, 1)
	f.listen(t, "stream", map[string]any{"stream": stream, "group": "g", "consumer": "survivor", "claim_after": "1ms"}, func(_ context.Context, m connector.Message) error {
		got <- m
		return nil
	})
	if m := receive(t, got); m.ID != id {
		t.Errorf("delivered %s, want the crashed consumer's %s", m.ID, id)
	}
	eventually(t, "the claimed entry is acknowledged", func() bool { return f.pending(t, stream, "g") == 0 })
}

func TestStreamStartsWithNewEntries(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	stream := f.prefix + "s"
	f.raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: map[string]any{"n": "old"}})
	got := make(chan connector.Message, 2)
	l := f.listen(t, "stream", map[string]any{"stream": stream}, func(_ context.Context, m connector.Message) error {
		got <- m
		return nil
	})
	eventually(t, "the group exists", func() bool {
		groups, _ := f.raw.XInfoGroups(ctx, stream).Result()
		return len(groups) == 1 && groups[0].Name == "bistro"
	})
	f.raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: map[string]any{"n": "new"}})
	m := receive(t, got)
	if fields := m.Record["fields"].(map[string]any); fields["n"] != "new" {
		t.Errorf("delivered %v first, want the new entry only", fields)
	}
	if err := l.stop(t); err != nil {
		t.Errorf("Listen returned %v when stopped, want nil", err)
	}
}

func TestChannel(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		name    string
		in      map[string]any
		publish string
	}{
		{"channel", map[string]any{"channel": f.prefix + "orders", "json": true}, f.prefix + "orders"},
		{"pattern", map[string]any{"channel": f.prefix + "orders.*", "pattern": true, "json": true}, f.prefix + "orders.eu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan connector.Message, 10)
			l := f.listen(t, "channel", tt.in, func(_ context.Context, m connector.Message) error {
				got <- m
				return nil
			})
			m := publishUntilReceived(t, f, tt.publish, `{"id":7}`, got)
			if m.Record["channel"] != tt.publish || m.Record["message"].(map[string]any)["id"] != 7 {
				t.Errorf("record = %v", m.Record)
			}
			if err := l.stop(t); err != nil {
				t.Errorf("Listen returned %v when stopped, want nil", err)
			}
		})
	}
}

// publishUntilReceived publishes until the listener, which subscribes in
// the background, has received a message.
func publishUntilReceived(t *testing.T, f fixture, channel, message string, got <-chan connector.Message) connector.Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		f.raw.Publish(context.Background(), channel, message)
		select {
		case m := <-got:
			return m
		case <-deadline:
			t.Fatal("no message was delivered")
		case <-tick.C:
		}
	}
}

func TestChannelDeliverFailureEndsListening(t *testing.T) {
	t.Parallel()
	f := setup(t)
	channel := f.prefix + "c"
	l := f.listen(t, "channel", map[string]any{"channel": channel}, func(context.Context, connector.Message) error {
		return errors.New("the store is down")
	})
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		f.raw.Publish(context.Background(), channel, "x")
		select {
		case err := <-l.done:
			close(l.done)
			if err == nil || !strings.Contains(err.Error(), "is lost (pub/sub keeps no messages)") {
				t.Errorf("Listen returned %v, want the lost message explained", err)
			}
			return
		case <-deadline:
			t.Fatal("Listen did not return after a failed delivery")
		case <-tick.C:
		}
	}
}

func TestUnknownTrigger(t *testing.T) {
	t.Parallel()
	f := setup(t)
	err := f.conn.(connector.Listener).Listen(context.Background(), "nope", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no trigger 'nope'") {
		t.Errorf("error = %v", err)
	}
}
