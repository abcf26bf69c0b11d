package runner

import (
	"context"
	"testing"
)

// benchWebhook measures webhook calls per second, many callers at once,
// with every run record written to SQLite through the batching writer.
func benchWebhook(b *testing.B, doc string, want int) {
	f := setup(b, openSQLite(b), func(c *Config) { c.MaxQueued = 1 << 30 })
	fl := f.apply(doc)
	ctx := context.Background()
	b.SetParallelism(64)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rep, err := f.Webhook(ctx, fl.WebhookID, post(`{"email":"Ann@Corp.COM"}`, nil))
			if err != nil || rep.Status != want {
				b.Errorf("reply %d, %v; want %d", rep.Status, err, want)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkWebhookSync runs set → filter → respond inline per call.
func BenchmarkWebhookSync(b *testing.B) { benchWebhook(b, syncHook, 201) }

// BenchmarkWebhookAsyncAccept queues a run per call (no worker runs them).
func BenchmarkWebhookAsyncAccept(b *testing.B) { benchWebhook(b, asyncHook, 202) }
