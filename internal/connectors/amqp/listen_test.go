package amqp_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
)

const wait = 15 * time.Second

// send publishes a message straight to a queue, as another program would.
func send(t testing.TB, ch *amqp091.Channel, q string, m amqp091.Publishing) {
	t.Helper()
	if err := ch.PublishWithContext(context.Background(), "", q, false, false, m); err != nil {
		t.Fatal(err)
	}
}

// listening runs Listen until the test ends, or the returned stop is
// called; the returned channel has Listen's result.
func listening(t testing.TB, conn connector.Conn, input map[string]any, deliver connector.Deliver) (stop func(), result <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done, finished := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(finished)
		done <- conn.(connector.Listener).Listen(ctx, "queue", input, deliver)
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
	})
	return cancel, done
}

// next waits for the next message handed over.
func next(t testing.TB, got <-chan connector.Message) connector.Message {
	t.Helper()
	select {
	case m := <-got:
		return m
	case <-time.After(wait):
		t.Fatal("no message was delivered")
		return connector.Message{}
	}
}

// result waits for Listen to return.
func result(t testing.TB, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(wait):
		t.Fatal("Listen did not return")
		return nil
	}
}

func TestQueueTrigger(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	send(t, ch, q, amqp091.Publishing{
		MessageId: "m1", ContentType: "application/json", Body: []byte(`{"id": 7, "total": 12.5}`),
		Headers: amqp091.Table{"source": "shop", "attempt": int32(3), "when": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	})
	send(t, ch, q, amqp091.Publishing{MessageId: "m2", Body: []byte("plain words")})
	send(t, ch, q, amqp091.Publishing{ContentType: "image/png", Body: []byte{0x89, 'P', 'N', 'G', 0xff}})

	got := make(chan connector.Message, 3)
	stop, done := listening(t, open(t, settings()), map[string]any{"queue": q, "prefetch": 1},
		func(_ context.Context, m connector.Message) error {
			got <- m
			return nil
		})
	want := []map[string]any{
		{"queue": q, "exchange": "", "routing_key": q, "message_id": "m1", "redelivered": false,
			"headers": map[string]any{"source": "shop", "attempt": 3, "when": "2026-01-02T03:04:05Z"},
			"data":    map[string]any{"id": 7, "total": 12.5}},
		{"queue": q, "exchange": "", "routing_key": q, "message_id": "m2", "redelivered": false,
			"headers": map[string]any{}, "data": "plain words"},
		{"queue": q, "exchange": "", "routing_key": q, "message_id": "", "redelivered": false,
			"headers": map[string]any{}, "data": map[string]any{"base64": "iVBOR/8=", "content_type": "image/png"}},
	}
	for i, w := range want {
		m := next(t, got)
		if diff := cmp.Diff(w, m.Record); diff != "" {
			t.Errorf("message %d (-want +got):\n%s", i, diff)
		}
	}
	stop()
	if err := result(t, done); err != nil {
		t.Errorf("Listen returned %v after its context ended, want nil", err)
	}
	if n := ready(t, ch, q); n != 0 {
		t.Errorf("%d messages back in the queue: delivered messages must be acknowledged", n)
	}
}

// TestQueueTriggerRedeliversOnError checks that a message whose delivery
// failed goes back to the queue and comes again.
func TestQueueTriggerRedeliversOnError(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	send(t, ch, q, amqp091.Publishing{MessageId: "m1", Body: []byte("hello")})
	got := make(chan connector.Message, 2)
	failed := false
	stop, done := listening(t, open(t, settings()), map[string]any{"queue": q, "prefetch": 1},
		func(_ context.Context, m connector.Message) error {
			got <- m
			if !failed {
				failed = true
				return errors.New("the run could not be recorded")
			}
			return nil
		})
	first, second := next(t, got), next(t, got)
	if first.ID != "m1" || second.ID != "m1" {
		t.Errorf("ids %q, %q", first.ID, second.ID)
	}
	if first.Record["redelivered"] != false || second.Record["redelivered"] != true {
		t.Errorf("redelivered: %v, then %v", first.Record["redelivered"], second.Record["redelivered"])
	}
	stop()
	if err := result(t, done); err != nil {
		t.Error(err)
	}
	if n := ready(t, ch, q); n != 0 {
		t.Errorf("%d messages back in the queue after a successful delivery", n)
	}
}

// TestQueueTriggerAcksAfterDeliver loses the connection while a message is
// being delivered: since the acknowledgement only comes after deliver
// returned, the broker still holds the message and hands it to the next
// listener.
func TestQueueTriggerAcksAfterDeliver(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	send(t, ch, q, amqp091.Publishing{MessageId: "m1", Body: []byte("hello")})

	first := open(t, settings())
	inside, release := make(chan struct{}), make(chan struct{})
	_, done := listening(t, first, map[string]any{"queue": q}, func(context.Context, connector.Message) error {
		close(inside)
		<-release
		return nil
	})
	select {
	case <-inside:
	case <-time.After(wait):
		t.Fatal("no message was delivered")
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	close(release)
	err := result(t, done)
	if !errors.Is(err, connector.ErrNotConnected) || !strings.Contains(err.Error(), "stopped reading the queue '"+q+"'") {
		t.Errorf("Listen returned %v, want a lost connection", err)
	}

	got := make(chan connector.Message, 1)
	listening(t, open(t, settings()), map[string]any{"queue": q}, func(_ context.Context, m connector.Message) error {
		got <- m
		return nil
	})
	if m := next(t, got); m.ID != "m1" || m.Record["redelivered"] != true {
		t.Errorf("got %q, redelivered %v", m.ID, m.Record["redelivered"])
	}
}

// TestQueueTriggerDeclareAndBind lets the trigger create its queue and bind
// it to an exchange, then publishes to the exchange through the connector.
func TestQueueTriggerDeclareAndBind(t *testing.T) {
	t.Parallel()
	broker(t)
	q := "bistro-test-" + rand.Text()
	deleteAfter(t, q)
	key := "orders." + rand.Text()
	input := map[string]any{"queue": q, "declare": true, "bind": map[string]any{"exchange": "amq.topic", "routing_key": key}}
	conn := open(t, settings())

	// A Listen whose context has already ended still prepares the queue
	// before it returns.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if err := conn.(connector.Listener).Listen(ended, "queue", input, nil); err != nil {
		t.Fatal(err)
	}
	_, err := connectortest.Do(context.Background(), conn, connector.Request{Action: "publish", Input: publishInput(map[string]any{
		"exchange": "amq.topic", "routing_key": key, "data": map[string]any{"n": 1}, "message_id": "bound",
	})})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan connector.Message, 1)
	listening(t, conn, input, func(_ context.Context, m connector.Message) error {
		got <- m
		return nil
	})
	m := next(t, got)
	if m.ID != "bound" || m.Record["exchange"] != "amq.topic" || m.Record["routing_key"] != key || m.Record["queue"] != q {
		t.Errorf("got %v", m.Record)
	}
}

func TestQueueTriggerMissingQueue(t *testing.T) {
	t.Parallel()
	broker(t)
	missing := "no-such-queue-" + rand.Text()
	_, done := listening(t, open(t, settings()), map[string]any{"queue": missing}, nil)
	err := result(t, done)
	want := "could not read the queue '" + missing + "' on RabbitMQ at 127.0.0.1:5672: there is no such queue; create it, or set 'declare: true'"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("a missing queue is a setting to fix: %v", err)
	}
}
