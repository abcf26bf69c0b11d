package redis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/redis"
	"github.com/bistro-dev/bistro/internal/engine"
)

func TestFlow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	src := strings.ReplaceAll(`
bistro: 1
name: cache customers
trigger: {manual: {}}
steps:
  - id: save
    action: redis.hset
    connection: test
    with: {key: "PREFIXcustomer:{{ record.id }}", into: saved}
  - id: count
    action: redis.incr
    connection: test
    with: {key: "PREFIXcustomers", into: count}
  - id: log
    action: redis.xadd
    connection: test
    with: {stream: "PREFIXlog", fields: {customer: "{{ record.id }}"}, max_len: 100, into: entry}
  - id: read
    action: redis.hget
    connection: test
    with: {key: "PREFIXcustomer:{{ record.id }}", field: name, into: name}
`, "PREFIX", f.prefix)
	res, out := connectortest.RunFlow(t, redis.New(), config(), src, []map[string]any{
		{"id": 1, "name": "Ada"},
		{"id": 2, "name": "Grace"},
	})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 2 || out[0]["name"] != "Ada" || out[1]["name"] != "Grace" {
		t.Fatalf("out = %v, want both records with their names read back", out)
	}
	if out[0]["count"] != int64(1) || out[1]["count"] != int64(2) {
		t.Errorf("counts = %v, %v; want 1, 2", out[0]["count"], out[1]["count"])
	}
	ctx := context.Background()
	if n := f.raw.XLen(ctx, f.prefix+"log").Val(); n != 2 {
		t.Errorf("the stream has %d entries, want 2", n)
	}
	if got := f.raw.HGet(ctx, f.prefix+"customer:2", "name").Val(); got != "Grace" {
		t.Errorf("hash of customer 2 has name %q", got)
	}
	// The calls that must not apply twice (incr and xadd, per record) were
	// remembered by their idempotency keys.
	keys := f.raw.Keys(ctx, "bistro:once:"+res.RunID+"/*").Val()
	if len(keys) > 0 {
		t.Cleanup(func() { f.raw.Del(context.Background(), keys...) })
	}
	if len(keys) != 4 {
		t.Errorf("remembered idempotency keys %v, want 4", keys)
	}
}
