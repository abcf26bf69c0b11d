package nats

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/engine"
)

func TestRunFlow(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := newStream(t, c)
	res, out := connectortest.RunFlow(t, New(), config(), strings.ReplaceAll(`
bistro: 1
name: orders to JetStream
trigger: {manual: {}}
steps:
  - id: store
    action: nats.jetstream_publish
    connection: test
    with:
      subject: "SUBJECT.{{ record.region }}"
      data: {order: "{{ record.id }}", total: "{{ record.total }}"}
      headers: {Region: "{{ record.region }}"}
`, "SUBJECT", subject), []map[string]any{{"id": 1, "region": "eu", "total": 9.5}, {"id": 2, "region": "us", "total": 3}})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 2 || out[0]["stream"] != stream || out[1]["sequence"] != 2 || out[1]["subject"] != subject+".us" {
		t.Fatalf("out = %v", out)
	}
	s, err := c.js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != subject+".eu" || m.Header.Get("Region") != "eu" || string(m.Data) != `{"order":1,"total":9.5}` {
		t.Errorf("stored %s %s %v", m.Subject, m.Data, m.Header)
	}
	if m.Header.Get(jetstream.MsgIDHeader) == "" {
		t.Error("the stored message has no Nats-Msg-Id: retries would not be deduplicated")
	}
}

// BenchmarkConsumerListen measures how many messages a JetStream consumer
// trigger delivers per second, with a deliver that only counts. The
// messages are in the stream before the clock starts.
func BenchmarkConsumerListen(b *testing.B) {
	c := setup(b)
	stream, subject := newStream(b, c)
	payload := []byte(`{"id":12345,"email":"ada@example.com","total":99.5}`)
	for i := range b.N {
		if _, err := c.js.PublishAsync(subject+".x", payload); err != nil {
			b.Fatal(i, err)
		}
		if i%1000 == 999 || i == b.N-1 {
			select {
			case <-c.js.PublishAsyncComplete():
			case <-time.After(time.Minute):
				b.Fatal("publishing did not complete")
			}
		}
	}
	var n atomic.Int64
	done := make(chan struct{})
	deliver := func(context.Context, connector.Message) error {
		if n.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	}
	input := map[string]any{"stream": stream, "consumer": "bench", "create": true, "deliver": "all", "ack_wait": "30s", "redeliver_after": "1s"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	go func() { _ = c.Listen(ctx, "consumer", input, deliver) }()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("delivered %d of %d messages", n.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
