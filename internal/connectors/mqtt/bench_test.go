package mqtt

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

// BenchmarkTopicListen measures how many QoS 1 messages the topic trigger
// delivers per second, with a deliver that only counts. Publishers send
// while the trigger listens (a broker keeps no backlog for a subscriber it
// does not know yet), at most 500 messages ahead of the deliveries so that
// the broker's queue limits do not drop any.
func BenchmarkTopicListen(b *testing.B) {
	c := setup(b)
	topic := "bench/" + unique()
	window := make(chan struct{}, 500)
	var n atomic.Int64
	done := make(chan struct{})
	deliver := func(context.Context, connector.Message) error {
		<-window
		if n.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	}
	listen(b, setup(b), map[string]any{"topic": topic}, deliver)
	req := connector.Request{Action: "publish", Input: map[string]any{"topic": topic, "qos": 1},
		Record: map[string]any{"id": 12345, "email": "ada@example.com", "total": 99.5}}
	var next atomic.Int64
	var wg sync.WaitGroup
	failed := make(chan error, 8)
	b.ResetTimer()
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				window <- struct{}{}
				if err := c.Do(context.Background(), req, func(map[string]any) error { return nil }); err != nil {
					failed <- err
					return
				}
			}
		})
	}
	select {
	case <-done:
	case err := <-failed:
		b.Fatal(err)
	case <-time.After(5 * time.Minute):
		b.Fatalf("delivered %d of %d messages", n.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	wg.Wait()
}
