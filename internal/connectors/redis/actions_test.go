package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
)

func TestSetAndGet(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "k"
	out := f.must(t, "set", map[string]any{"key": key, "value": "hello"})
	if diff := cmp.Diff([]map[string]any{{"key": key, "value": "hello", "written": true}}, out); diff != "" {
		t.Errorf("set emitted (-want +got):\n%s", diff)
	}
	out = f.must(t, "get", map[string]any{"key": key})
	if diff := cmp.Diff([]map[string]any{{"key": key, "value": "hello", "found": true}}, out); diff != "" {
		t.Errorf("get emitted (-want +got):\n%s", diff)
	}
	out = f.must(t, "get", map[string]any{"key": f.prefix + "missing"})
	if out[0]["found"] != false || out[0]["value"] != nil {
		t.Errorf("get of a missing key = %v, want found false and no value", out)
	}
}

func TestValuesAsJSON(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "doc"
	f.must(t, "set", map[string]any{"key": key, "value": map[string]any{"a": 1, "b": []any{"x", true}}})
	if got := f.raw.Get(context.Background(), key).Val(); got != `{"a":1,"b":["x",true]}` {
		t.Errorf("stored %q, want the object as JSON", got)
	}
	out := f.must(t, "get", map[string]any{"key": key, "json": true})
	want := map[string]any{"a": 1, "b": []any{"x", true}}
	if diff := cmp.Diff(want, out[0]["value"]); diff != "" {
		t.Errorf("get with json (-want +got):\n%s", diff)
	}
	f.must(t, "set", map[string]any{"key": key, "value": "not json"})
	_, err := f.do(t, "get", map[string]any{"key": key, "json": true}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "is not JSON (set json to false") {
		t.Errorf("get json of text: error = %v, want a plain 'is not JSON'", err)
	}
}

func TestSetWritesTheRecordByDefault(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "rec"
	if _, err := f.do(t, "set", map[string]any{"key": key}, map[string]any{"id": 7, "name": "Ada"}, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.raw.Get(context.Background(), key).Val(); got != `{"id":7,"name":"Ada"}` {
		t.Errorf("stored %q, want the record as JSON", got)
	}
}

func TestSetExpireAndOnlyIf(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	key := f.prefix + "k"
	f.must(t, "set", map[string]any{"key": key, "value": 1, "expire": "1h"})
	if ttl := f.raw.TTL(ctx, key).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("ttl = %v, want about 1h", ttl)
	}
	out := f.must(t, "set", map[string]any{"key": key, "value": 2, "only_if": "missing"})
	if out[0]["written"] != false || f.raw.Get(ctx, key).Val() != "1" {
		t.Errorf("only_if missing on an existing key: %v, stored %q; want not written", out, f.raw.Get(ctx, key).Val())
	}
	out = f.must(t, "set", map[string]any{"key": f.prefix + "new", "value": 3, "only_if": "exists"})
	if out[0]["written"] != false || f.raw.Exists(ctx, f.prefix+"new").Val() != 0 {
		t.Errorf("only_if exists on a missing key: %v; want not written", out)
	}
	out = f.must(t, "set", map[string]any{"key": key, "value": 4.5, "only_if": "exists"})
	if out[0]["written"] != true || f.raw.Get(ctx, key).Val() != "4.5" {
		t.Errorf("only_if exists on an existing key: %v; want written", out)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "k"
	f.raw.Set(context.Background(), key, "x", 0)
	if out := f.must(t, "delete", map[string]any{"key": key}); out[0]["deleted"] != true {
		t.Errorf("delete = %v, want deleted", out)
	}
	if f.raw.Exists(context.Background(), key).Val() != 0 {
		t.Error("the key is still there")
	}
	if out := f.must(t, "delete", map[string]any{"key": key}); out[0]["deleted"] != false {
		t.Errorf("delete of a missing key = %v, want deleted false", out)
	}
}

func TestIncr(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "n"
	steps := []struct {
		by   any
		want any
	}{{nil, int64(1)}, {5, int64(6)}, {int64(-2), int64(4)}, {1.5, 5.5}}
	for _, s := range steps {
		in := map[string]any{"key": key}
		if s.by != nil {
			in["by"] = s.by
		}
		out := f.must(t, "incr", in)
		if out[0]["value"] != s.want {
			t.Errorf("incr by %v = %v (%T), want %v", s.by, out[0]["value"], out[0]["value"], s.want)
		}
	}
	f.raw.Set(context.Background(), f.prefix+"text", "abc", 0)
	_, err := f.do(t, "incr", map[string]any{"key": f.prefix + "text"}, nil, f.prefix+"k1")
	if err == nil || !strings.Contains(err.Error(), "it does not hold a number") || !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("incr of text: error = %v, want a permanent 'does not hold a number'", err)
	}
}

func TestIncrCountsARetriedCallOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "n"
	reqKey := f.prefix + "run/step/1"
	for range 3 {
		out, err := f.do(t, "incr", map[string]any{"key": key, "by": 2}, nil, reqKey)
		if err != nil {
			t.Fatal(err)
		}
		if out[0]["value"] != int64(2) {
			t.Errorf("retried incr = %v, want the first call's 2", out[0]["value"])
		}
	}
	if got := f.raw.Get(context.Background(), key).Val(); got != "2" {
		t.Errorf("counter = %s after three tries of one call, want 2", got)
	}
	if _, err := f.do(t, "incr", map[string]any{"key": key, "by": 2}, nil, f.prefix+"run/step/2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.do(t, "incr", map[string]any{"key": key, "by": 2, "dedupe_for": "0s"}, nil, reqKey); err != nil {
		t.Fatal(err)
	}
	if got := f.raw.Get(context.Background(), key).Val(); got != "6" {
		t.Errorf("counter = %s, want 6: another call and an undeduplicated one count", got)
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	key := f.prefix + "h"
	out := f.must(t, "hset", map[string]any{"key": key, "fields": map[string]any{"email": "a@example.com", "tags": []any{"x"}, "n": 3}, "expire": "1h"})
	if out[0]["added"] != int64(3) {
		t.Errorf("hset = %v, want 3 fields added", out)
	}
	if got := f.raw.HGetAll(ctx, key).Val(); !cmp.Equal(got, map[string]string{"email": "a@example.com", "tags": `["x"]`, "n": "3"}) {
		t.Errorf("hash = %v", got)
	}
	if f.raw.TTL(ctx, key).Val() <= 0 {
		t.Error("expire did not give the hash a time to live")
	}
	out = f.must(t, "hget", map[string]any{"key": key, "field": "email"})
	if diff := cmp.Diff([]map[string]any{{"key": key, "field": "email", "value": "a@example.com", "found": true}}, out); diff != "" {
		t.Errorf("hget (-want +got):\n%s", diff)
	}
	if out := f.must(t, "hget", map[string]any{"key": key, "field": "nope"}); out[0]["found"] != false {
		t.Errorf("hget of a missing field = %v", out)
	}
	out = f.must(t, "hgetall", map[string]any{"key": key})
	if diff := cmp.Diff(map[string]any{"email": "a@example.com", "tags": `["x"]`, "n": "3"}, out[0]["fields"]); diff != "" {
		t.Errorf("hgetall (-want +got):\n%s", diff)
	}
	f.raw.HSet(ctx, key, "email", `"a@example.com"`)
	out = f.must(t, "hgetall", map[string]any{"key": key, "json": true})
	if diff := cmp.Diff(map[string]any{"email": "a@example.com", "tags": []any{"x"}, "n": 3}, out[0]["fields"]); diff != "" || out[0]["found"] != true {
		t.Errorf("hgetall with json (-want +got):\n%s", diff)
	}
	if out := f.must(t, "hgetall", map[string]any{"key": f.prefix + "none"}); out[0]["found"] != false {
		t.Errorf("hgetall of a missing key = %v", out)
	}
}

func TestHsetWritesTheRecordByDefault(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "h"
	if _, err := f.do(t, "hset", map[string]any{"key": key}, map[string]any{"id": 1, "name": "Ada"}, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.raw.HGetAll(context.Background(), key).Val(); !cmp.Equal(got, map[string]string{"id": "1", "name": "Ada"}) {
		t.Errorf("hash = %v, want the record's fields", got)
	}
}

func TestLists(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "l"
	out := f.must(t, "rpush", map[string]any{"key": key, "values": []any{"b", "c", map[string]any{"d": 1}}})
	if out[0]["pushed"] != 3 || out[0]["length"] != int64(3) {
		t.Errorf("rpush = %v", out)
	}
	f.must(t, "lpush", map[string]any{"key": key, "value": "a"})
	out = f.must(t, "lrange", map[string]any{"key": key})
	want := []map[string]any{
		{"key": key, "index": int64(0), "value": "a"},
		{"key": key, "index": int64(1), "value": "b"},
		{"key": key, "index": int64(2), "value": "c"},
		{"key": key, "index": int64(3), "value": `{"d":1}`},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("lrange (-want +got):\n%s", diff)
	}
	out = f.must(t, "lrange", map[string]any{"key": key, "start": -2, "stop": -2})
	if diff := cmp.Diff(want[2:3], out); diff != "" {
		t.Errorf("lrange from the end (-want +got):\n%s", diff)
	}
	out = f.must(t, "rpop", map[string]any{"key": key, "json": true})
	if diff := cmp.Diff([]map[string]any{{"key": key, "value": map[string]any{"d": 1}}}, out); diff != "" {
		t.Errorf("rpop (-want +got):\n%s", diff)
	}
	out = f.must(t, "lpop", map[string]any{"key": key, "count": 5})
	if len(out) != 3 || out[0]["value"] != "a" || out[2]["value"] != "c" {
		t.Errorf("lpop of 5 = %v, want a, b, c", out)
	}
	if out := f.must(t, "lpop", map[string]any{"key": key}); len(out) != 0 {
		t.Errorf("lpop of an empty list = %v, want no records", out)
	}
}

func TestPushIsNotRepeatedOnRetry(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "l"
	for range 2 {
		out, err := f.do(t, "rpush", map[string]any{"key": key, "value": "once"}, nil, f.prefix+"run/push/1")
		if err != nil {
			t.Fatal(err)
		}
		if out[0]["length"] != int64(1) {
			t.Errorf("rpush = %v, want length 1 both times", out)
		}
	}
	if n := f.raw.LLen(context.Background(), key).Val(); n != 1 {
		t.Errorf("list has %d values after a retried push, want 1", n)
	}
	_, err := f.do(t, "rpush", map[string]any{"key": key, "value": "x", "values": []any{"y"}}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("value and values: error = %v", err)
	}
}

func TestInto(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "k"
	f.raw.Set(context.Background(), key, `{"plan":"pro"}`, 0)
	rec := map[string]any{"id": 1}
	out, err := f.do(t, "get", map[string]any{"key": key, "json": true, "into": "cached"}, rec, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]map[string]any{{"id": 1, "cached": map[string]any{"plan": "pro"}}}, out); diff != "" {
		t.Errorf("get into (-want +got):\n%s", diff)
	}
	if _, ok := rec["cached"]; ok {
		t.Error("into changed the incoming record itself")
	}
	f.raw.RPush(context.Background(), f.prefix+"l", "a", "b")
	out, err = f.do(t, "lrange", map[string]any{"key": f.prefix + "l", "into": "items"}, rec, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]map[string]any{{"id": 1, "items": []any{"a", "b"}}}, out); diff != "" {
		t.Errorf("lrange into (-want +got):\n%s", diff)
	}
}

func TestPublish(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	channel := f.prefix + "ch"
	sub := f.raw.Subscribe(ctx, channel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := f.do(t, "publish", map[string]any{"channel": channel}, map[string]any{"id": 1}, f.prefix+"run/pub/1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]map[string]any{{"channel": channel, "message": `{"id":1}`, "receivers": int64(1)}}, out); diff != "" {
		t.Errorf("publish (-want +got):\n%s", diff)
	}
	select {
	case m := <-sub.Channel():
		if m.Payload != `{"id":1}` {
			t.Errorf("received %q", m.Payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the published message did not arrive")
	}
}

func TestXadd(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	stream := f.prefix + "s"
	out, err := f.do(t, "xadd", map[string]any{"stream": stream, "fields": map[string]any{"order": 42, "items": []any{1, 2}}}, nil, f.prefix+"run/x/1")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := out[0]["id"].(string)
	if !strings.Contains(id, "-") || !cmp.Equal(out[0]["fields"], map[string]any{"order": "42", "items": "[1,2]"}) {
		t.Errorf("xadd = %v", out)
	}
	again, err := f.do(t, "xadd", map[string]any{"stream": stream, "fields": map[string]any{"order": 42}}, nil, f.prefix+"run/x/1")
	if err != nil {
		t.Fatal(err)
	}
	if again[0]["id"] != id {
		t.Errorf("retried xadd gave id %v, want the first call's %s", again[0]["id"], id)
	}
	entries := f.raw.XRange(ctx, stream, "-", "+").Val()
	if len(entries) != 1 || entries[0].Values["order"] != "42" {
		t.Fatalf("stream = %v, want the one entry", entries)
	}
	for range 30 {
		if _, err := f.do(t, "xadd", map[string]any{"stream": stream, "max_len": 10, "exact": true}, map[string]any{"n": 1}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.raw.XLen(ctx, stream).Val(); n != 10 {
		t.Errorf("stream has %d entries, want max_len 10", n)
	}
}

func TestWrongKind(t *testing.T) {
	t.Parallel()
	f := setup(t)
	key := f.prefix + "l"
	f.raw.RPush(context.Background(), key, "a")
	tests := []struct {
		action string
		in     map[string]any
	}{
		{"get", map[string]any{"key": key}},
		{"hget", map[string]any{"key": key, "field": "x"}},
		{"incr", map[string]any{"key": key}},
	}
	for _, tt := range tests {
		_, err := f.do(t, tt.action, tt.in, nil, f.prefix+tt.action)
		if err == nil || !strings.Contains(err.Error(), "redis."+tt.action+" cannot work on key '"+key+"': it holds a list (use lpush") {
			t.Errorf("%s on a list: error = %v, want a plain 'it holds a list'", tt.action, err)
		}
	}
}

func TestUnknownAction(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := connectortest.Do(context.Background(), f.conn, connector.Request{Action: "frobnicate"})
	if err == nil || !strings.Contains(err.Error(), "no action 'frobnicate'") || !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("error = %v", err)
	}
}
