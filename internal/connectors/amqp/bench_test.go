package amqp_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
)

// BenchmarkQueueTrigger measures how many messages per second the queue
// trigger hands over and acknowledges, with a deliver that accepts at
// once: the connector's and the broker's share of a run's start.
func BenchmarkQueueTrigger(b *testing.B) {
	for _, prefetch := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("prefetch=%d", prefetch), func(b *testing.B) {
			ch := broker(b)
			q := queue(b, ch, nil)
			fill(b, ch, q, b.N)
			conn := open(b, settings())
			var n atomic.Int64
			all := make(chan struct{})
			b.ResetTimer()
			stop, done := listening(b, conn, map[string]any{"queue": q, "prefetch": prefetch},
				func(context.Context, connector.Message) error {
					if n.Add(1) == int64(b.N) {
						close(all)
					}
					return nil
				})
			select {
			case <-all:
			case <-time.After(5 * time.Minute):
				b.Fatalf("%d of %d messages delivered", n.Load(), b.N)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			stop()
			if err := result(b, done); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// fill puts n small JSON messages in a queue and waits until the broker
// confirmed them all.
func fill(b *testing.B, ch *amqp091.Channel, q string, n int) {
	b.Helper()
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	var last *amqp091.DeferredConfirmation
	for i := range n {
		var err error
		last, err = ch.PublishWithDeferredConfirmWithContext(context.Background(), "", q, false, false, amqp091.Publishing{
			ContentType: "application/json", MessageId: fmt.Sprint(i), Body: []byte(fmt.Sprintf(`{"order":%d,"email":"ann@example.com"}`, i)),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if last != nil && !last.Wait() {
		b.Fatal("the broker refused a message")
	}
}

// BenchmarkPublish measures confirmed publishes per second on one
// connection, one at a time and from 16 goroutines at once (as parallel
// runs do).
func BenchmarkPublish(b *testing.B) {
	for _, parallel := range []int{1, 16} {
		b.Run(fmt.Sprintf("goroutines=%d", parallel), func(b *testing.B) {
			ch := broker(b)
			q := queue(b, ch, nil)
			conn := open(b, settings())
			req := connector.Request{Action: "publish", Input: publishInput(map[string]any{
				"routing_key": q, "data": map[string]any{"order": 1, "email": "ann@example.com"},
			})}
			var left atomic.Int64
			left.Store(int64(b.N))
			var wg sync.WaitGroup
			b.ResetTimer()
			for range parallel {
				wg.Go(func() {
					for left.Add(-1) >= 0 {
						if _, err := connectortest.Do(context.Background(), conn, req); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
