package mqtt

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/engine"
)

func publish(t testing.TB, c *conn, input, rec map[string]any) map[string]any {
	t.Helper()
	out, err := connectortest.Do(t.Context(), c, connector.Request{Action: "publish", Input: input, Record: rec})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("emitted %v, want one record", out)
	}
	return out[0]
}

func TestPublishAndTopicTrigger(t *testing.T) {
	t.Parallel()
	c := setup(t)
	base := "test/" + unique()
	r := newReceived(0)
	stop, _ := listen(t, setup(t), map[string]any{"topic": base + "/+"}, r.deliver)

	sent := publish(t, c, map[string]any{"topic": base + "/one", "qos": 1,
		"data": map[string]any{"id": 7, "name": "Ada"}, "headers": map[string]any{"source": "crm", "tag": []any{"a", "b"}}}, nil)
	want := map[string]any{"topic": base + "/one", "data": map[string]any{"id": 7, "name": "Ada"},
		"headers": map[string]any{"source": "crm", "tag": []any{"a", "b"}}, "qos": 1, "retain": false}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("emitted (-want +got):\n%s", diff)
	}
	publish(t, c, map[string]any{"topic": base + "/two", "qos": 0.0, "data": "plain text"}, nil)
	publish(t, c, map[string]any{"topic": base + "/three", "qos": int64(1)}, map[string]any{"whole": "record"})

	got := r.wait(t, 3)
	delete(want, "qos")
	delete(want, "retain")
	if diff := cmp.Diff(want, got[0].Record); diff != "" {
		t.Errorf("first message (-want +got):\n%s", diff)
	}
	if got[0].ID != "" { // packet ids are reused: runs would be dropped as duplicates
		t.Errorf("message id %q, want none", got[0].ID)
	}
	if got[1].Record["data"] != "plain text" || got[1].Record["topic"] != base+"/two" {
		t.Errorf("second message %v", got[1].Record)
	}
	if !cmp.Equal(got[2].Record["data"], map[string]any{"whole": "record"}) {
		t.Errorf("third message %v, want the whole record", got[2].Record)
	}
	if err := stop(); err != nil {
		t.Errorf("Listen returned %v after its context ended, want nil", err)
	}
}

func TestPublishRetained(t *testing.T) {
	t.Parallel()
	c := setup(t)
	topic := "test/" + unique() + "/status"
	publish(t, c, map[string]any{"topic": topic, "data": map[string]any{"on": true}, "retain": true, "qos": 1}, nil)
	t.Cleanup(func() { // an empty retained message removes it
		_, _ = connectortest.Do(t.Context(), c, connector.Request{Action: "publish", Input: map[string]any{"topic": topic, "data": "", "retain": true}})
	})
	r := newReceived(0)
	listen(t, setup(t), map[string]any{"topic": topic}, r.deliver)
	if got := r.wait(t, 1); !cmp.Equal(got[0].Record["data"], map[string]any{"on": true}) {
		t.Errorf("a new subscriber got %v, want the retained message", got[0].Record)
	}
}

func TestTopicTriggerAcknowledgesOnlyAccepted(t *testing.T) {
	t.Parallel()
	c := setup(t)
	topic := "test/" + unique()
	input := map[string]any{"topic": topic, "client_id": "test-" + unique(), "session_expiry": "30s", "redeliver_after": "10ms"}

	// The first delivery fails: the broker sends the message again.
	r := newReceived(1)
	stop, _ := listen(t, setup(t), input, r.deliver)
	publish(t, c, map[string]any{"topic": topic, "data": "m1"}, nil)
	got := r.wait(t, 2)
	if got[0].Record["data"] != "m1" || !cmp.Equal(got[0], got[1]) {
		t.Errorf("deliveries %v, %v: want m1 twice", got[0], got[1])
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// m1 was acknowledged: resuming the session brings m2, sent while
	// nobody listened, and not m1 again.
	publish(t, c, map[string]any{"topic": topic, "data": "m2"}, nil)
	again := newReceived(0)
	listen(t, setup(t), input, again.deliver)
	if got := again.wait(t, 1); got[0].Record["data"] != "m2" {
		t.Errorf("after resuming, got %v first, want m2", got[0].Record)
	}
}

func TestBadTopics(t *testing.T) {
	t.Parallel()
	c := setup(t)
	for _, topic := range []string{"", "a/+", "a/#"} {
		_, err := connectortest.Do(t.Context(), c, connector.Request{Action: "publish", Input: map[string]any{"topic": topic}})
		if !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("publish to %q: error = %v, want a permanent error", topic, err)
		}
	}
	for _, filter := range []string{"", "a/#/b", "a/b#", "a/x+/c"} {
		err := c.Listen(t.Context(), "topic", map[string]any{"topic": filter}, newReceived(0).deliver)
		if !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("listen to %q: error = %v, want a permanent error", filter, err)
		}
	}
	_, err := connectortest.Do(t.Context(), c, connector.Request{Action: "publish", Input: map[string]any{"topic": "a", "qos": 2}})
	if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "'qos' must be 0 or 1") {
		t.Errorf("qos 2: error = %v", err)
	}
}

func TestRunFlow(t *testing.T) {
	t.Parallel()
	topic := "test/" + unique()
	r := newReceived(0)
	listen(t, setup(t), map[string]any{"topic": topic + "/#"}, r.deliver)
	res, out := connectortest.RunFlow(t, New(), config(), strings.ReplaceAll(`
bistro: 1
name: readings to MQTT
trigger: {manual: {}}
steps:
  - id: send
    action: mqtt.publish
    connection: test
    with:
      topic: "TOPIC/{{ record.room }}"
      data: {celsius: "{{ record.c }}"}
      headers: {room: "{{ record.room }}"}
`, "TOPIC", topic), []map[string]any{{"room": "kitchen", "c": 21.5}, {"room": "hall", "c": 19}})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 2 || out[1]["topic"] != topic+"/hall" || out[0]["qos"] != 1 {
		t.Fatalf("out = %v", out)
	}
	got := r.wait(t, 2)
	want := map[string]any{"topic": topic + "/kitchen", "data": map[string]any{"celsius": 21.5}, "headers": map[string]any{"room": "kitchen"}}
	if diff := cmp.Diff(want, got[0].Record); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
}
