package amqp_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/amqp"
	"github.com/bistro-dev/bistro/internal/engine"
)

// publishInput is the publish action's input with its defaults, as the
// engine passes it.
func publishInput(in map[string]any) map[string]any {
	a, _ := amqp.New().Spec().Action("publish")
	for _, f := range a.Input {
		if _, ok := in[f.Name]; !ok && f.Default != nil {
			in[f.Name] = f.Default
		}
	}
	return in
}

// get takes the next message of a queue, failing when there is none.
func get(t testing.TB, ch *amqp091.Channel, name string) amqp091.Delivery {
	t.Helper()
	d, ok, err := ch.Get(name, true)
	if err != nil || !ok {
		t.Fatalf("no message in %s (%v)", name, err)
	}
	return d
}

func TestPublishConfirmed(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	conn := open(t, settings())
	out, err := connectortest.Do(context.Background(), conn, connector.Request{
		Action: "publish",
		Input: publishInput(map[string]any{
			"routing_key": q,
			"data":        map[string]any{"order": json.Number("42"), "items": []any{"tea"}},
			"headers":     map[string]any{"source": "shop", "attempt": json.Number("2"), "meta": map[string]any{"vip": true}},
		}),
		Key: "run-1/publish/1",
	})
	if err != nil {
		t.Fatal(err)
	}
	d := get(t, ch, q)
	if string(d.Body) != `{"items":["tea"],"order":42}` {
		t.Errorf("body %s", d.Body)
	}
	if d.ContentType != "application/json" || d.MessageId != "run-1/publish/1" || d.DeliveryMode != amqp091.Persistent {
		t.Errorf("content type %q, message id %q, delivery mode %d", d.ContentType, d.MessageId, d.DeliveryMode)
	}
	wantHeaders := amqp091.Table{"source": "shop", "attempt": int64(2), "meta": amqp091.Table{"vip": true}}
	if diff := cmp.Diff(wantHeaders, d.Headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if len(out) != 1 || out[0]["message_id"] != "run-1/publish/1" || out[0]["routing_key"] != q || out[0]["exchange"] != "" {
		t.Errorf("emitted %v", out)
	}
}

func TestPublishDefaults(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	conn := open(t, settings())
	tests := []struct {
		name     string
		input    map[string]any
		body     string
		content  string
		mode     uint8
		idLength int
	}{
		{"the record as JSON", map[string]any{}, `{"email":"ann@example.com"}`, "application/json", amqp091.Persistent, 36},
		{"text as it is", map[string]any{"data": "hello"}, "hello", "text/plain", amqp091.Persistent, 36},
		{"transient with a content type", map[string]any{"data": "<a/>", "content_type": "application/xml", "persistent": false}, "<a/>", "application/xml", amqp091.Transient, 36},
		{"an id of its own", map[string]any{"data": "x", "message_id": "order-7"}, "x", "text/plain", amqp091.Persistent, 7},
	}
	for _, tt := range tests {
		tt.input["routing_key"] = q
		_, err := connectortest.Do(context.Background(), conn, connector.Request{
			Action: "publish", Input: publishInput(tt.input), Record: map[string]any{"email": "ann@example.com"},
		})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		d := get(t, ch, q)
		if string(d.Body) != tt.body || d.ContentType != tt.content || d.DeliveryMode != tt.mode || len(d.MessageId) != tt.idLength {
			t.Errorf("%s: body %q, content type %q, mode %d, id %q", tt.name, d.Body, d.ContentType, d.DeliveryMode, d.MessageId)
		}
	}
}

// TestPublishNack fills a queue that refuses messages beyond one: the
// broker answers the second publish with a negative confirm.
func TestPublishNack(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, amqp091.Table{"x-max-length": int32(1), "x-overflow": "reject-publish"})
	conn := open(t, settings())
	req := connector.Request{Action: "publish", Input: publishInput(map[string]any{"routing_key": q, "data": "one"})}
	if _, err := connectortest.Do(context.Background(), conn, req); err != nil {
		t.Fatal(err)
	}
	_, err := connectortest.Do(context.Background(), conn, req)
	if err == nil {
		t.Fatal("the broker refused the message, but publish succeeded")
	}
	if !strings.Contains(err.Error(), "could not publish to the default exchange: RabbitMQ at 127.0.0.1:5672 refused the message") {
		t.Errorf("error %v", err)
	}
	if retry, _ := connector.IsRetryable(err); !retry {
		t.Errorf("a refused message is worth retrying later: %v", err)
	}
	if n := ready(t, ch, q); n != 1 {
		t.Errorf("%d messages in the queue, want 1", n)
	}
}

// TestPublishMissingExchange checks the error for an exchange that does not
// exist, and that the connection goes on publishing after it (the broker
// closed the channel).
func TestPublishMissingExchange(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	conn := open(t, settings())
	missing := "no-such-exchange-" + rand.Text()
	_, err := connectortest.Do(context.Background(), conn, connector.Request{
		Action: "publish", Input: publishInput(map[string]any{"exchange": missing, "data": "x"}),
	})
	want := fmt.Sprintf("could not publish to exchange '%s' on RabbitMQ at 127.0.0.1:5672: no exchange '%s' in vhost '/'", missing, missing)
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("a missing exchange must not be retried: %v", err)
	}
	_, err = connectortest.Do(context.Background(), conn, connector.Request{
		Action: "publish", Input: publishInput(map[string]any{"routing_key": q, "data": "after"}),
	})
	if err != nil {
		t.Fatalf("publish after a closed channel: %v", err)
	}
	if d := get(t, ch, q); string(d.Body) != "after" {
		t.Errorf("body %q", d.Body)
	}
}

func TestPublishBadHeaders(t *testing.T) {
	t.Parallel()
	broker(t)
	conn := open(t, settings())
	_, err := connectortest.Do(context.Background(), conn, connector.Request{
		Action: "publish", Input: publishInput(map[string]any{"data": "x", "headers": map[string]any{"when": time.Now}}),
	})
	if err == nil || !strings.Contains(err.Error(), "the header 'when' holds a value headers cannot carry") {
		t.Errorf("error %v", err)
	}
}

// TestPublishConcurrent publishes from many goroutines on one connection,
// as the engine does.
func TestPublishConcurrent(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	conn := open(t, settings())
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := connectortest.Do(context.Background(), conn, connector.Request{
				Action: "publish", Input: publishInput(map[string]any{"routing_key": q, "data": fmt.Sprint(i)}),
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := ready(t, ch, q); got != n {
		t.Errorf("%d messages in the queue, want %d", got, n)
	}
}

// TestPublishFlow runs a flow that publishes each record, through the
// engine.
func TestPublishFlow(t *testing.T) {
	t.Parallel()
	ch := broker(t)
	q := queue(t, ch, nil)
	res, out := connectortest.RunFlow(t, amqp.New(), settings(), `
bistro: 1
name: publish orders
trigger: {manual: {}}
steps:
  - id: announce
    action: rabbitmq.publish
    connection: test
    with:
      routing_key: "`+q+`"
      data: {order: "{{ record.id }}", total: "{{ record.total }}"}
      headers: {kind: order}
`, []map[string]any{{"id": "a1", "total": 10}, {"id": "a2", "total": 20}})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 2 || out[1]["routing_key"] != q || out[0]["message_id"] == out[1]["message_id"] {
		t.Fatalf("out = %v", out)
	}
	for i, want := range []string{`{"order":"a1","total":10}`, `{"order":"a2","total":20}`} {
		d := get(t, ch, q)
		if string(d.Body) != want || d.Headers["kind"] != "order" || d.MessageId != out[i]["message_id"] {
			t.Errorf("message %d: body %s, headers %v, id %q", i, d.Body, d.Headers, d.MessageId)
		}
		if !strings.HasSuffix(d.MessageId, fmt.Sprintf("/announce/%d", i+1)) {
			t.Errorf("message id %q is not the step's idempotency key", d.MessageId)
		}
	}
}
