package nats

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	natsio "github.com/nats-io/nats.go"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
)

func TestPublish(t *testing.T) {
	t.Parallel()
	c := setup(t)
	tests := []struct {
		name    string
		input   map[string]any
		record  map[string]any
		payload string
		data    any
	}{
		{"object", map[string]any{"data": map[string]any{"id": 7, "name": "Ada"}, "headers": map[string]any{"Source": "crm", "Tag": []any{"a", "b"}}},
			nil, `{"id":7,"name":"Ada"}`, map[string]any{"id": 7, "name": "Ada"}},
		{"text", map[string]any{"data": "hello"}, nil, "hello", "hello"},
		{"whole record", map[string]any{}, map[string]any{"total": 2.5}, `{"total":2.5}`, map[string]any{"total": 2.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			subject := "test." + unique()
			sub, err := c.nc.SubscribeSync(subject)
			if err != nil {
				t.Fatal(err)
			}
			tt.input["subject"] = subject
			out, err := connectortest.Do(t.Context(), c, connector.Request{Action: "publish", Input: tt.input, Record: tt.record})
			if err != nil {
				t.Fatal(err)
			}
			m, err := sub.NextMsg(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Data) != tt.payload {
				t.Errorf("payload %s, want %s", m.Data, tt.payload)
			}
			if len(out) != 1 || out[0]["subject"] != subject || !cmp.Equal(out[0]["data"], tt.data) {
				t.Errorf("emitted %v, want the message sent", out)
			}
			if h, ok := tt.input["headers"]; ok {
				if m.Header.Get("Source") != "crm" || len(m.Header.Values("Tag")) != 2 {
					t.Errorf("headers %v, want %v", m.Header, h)
				}
				if diff := cmp.Diff(map[string]any{"Source": "crm", "Tag": []any{"a", "b"}}, out[0]["headers"]); diff != "" {
					t.Errorf("emitted headers (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestRequest(t *testing.T) {
	t.Parallel()
	c := setup(t)
	subject := "test." + unique()
	sub, err := c.nc.Subscribe(subject, func(m *natsio.Msg) {
		reply := natsio.NewMsg(m.Reply)
		reply.Data = []byte(`{"echo":` + string(m.Data) + `}`)
		reply.Header.Set("Served-By", "echo")
		_ = m.RespondMsg(reply)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := c.nc.Flush(); err != nil {
		t.Fatal(err)
	}

	out, err := connectortest.Do(t.Context(), c, connector.Request{Action: "request",
		Input: map[string]any{"subject": subject, "data": map[string]any{"q": 1}, "timeout": "5s"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"echo": map[string]any{"q": 1}}
	if len(out) != 1 || !cmp.Equal(out[0]["data"], want) || !cmp.Equal(out[0]["headers"], map[string]any{"Served-By": "echo"}) {
		t.Errorf("emitted %v, want the reply", out)
	}

	out, err = connectortest.Do(t.Context(), c, connector.Request{Action: "request", Record: map[string]any{"id": 3},
		Input: map[string]any{"subject": subject, "data": "5", "into": "answer"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0]["id"] != 3 || !cmp.Equal(out[0]["answer"].(map[string]any)["data"], map[string]any{"echo": 5}) {
		t.Errorf("emitted %v, want the record with the reply in answer", out)
	}
}

func TestRequestNoService(t *testing.T) {
	t.Parallel()
	c := setup(t)
	subject := "test." + unique()
	_, err := connectortest.Do(t.Context(), c, connector.Request{Action: "request", Input: map[string]any{"subject": subject, "timeout": "2s"}})
	retry, _ := connector.IsRetryable(err)
	if !retry || !strings.Contains(err.Error(), "no service listens on the subject '"+subject+"'") {
		t.Errorf("error = %v, want a retryable error naming the subject", err)
	}
}

func TestJetStreamPublishDeduplicates(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := newStream(t, c)
	publish := func(key string) map[string]any {
		t.Helper()
		out, err := connectortest.Do(t.Context(), c, connector.Request{Action: "jetstream_publish", Key: key,
			Input: map[string]any{"subject": subject + ".new", "timeout": "5s"}, Record: map[string]any{"n": 1}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 {
			t.Fatalf("emitted %v, want one record", out)
		}
		return out[0]
	}
	first := publish("run1-step1-0")
	again := publish("run1-step1-0") // a retried attempt
	other := publish("run1-step1-1")
	if first["stream"] != stream || first["sequence"] != 1 || first["duplicate"] != false {
		t.Errorf("first publish emitted %v", first)
	}
	if again["sequence"] != 1 || again["duplicate"] != true {
		t.Errorf("retried publish emitted %v, want the first message's sequence, marked duplicate", again)
	}
	if other["sequence"] != 2 || other["duplicate"] != false {
		t.Errorf("another key emitted %v, want a new message", other)
	}
	s, err := c.js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CachedInfo().State.Msgs; n != 2 {
		t.Errorf("the stream holds %d messages, want 2", n)
	}
	m, err := s.GetMsg(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != `{"n":1}` || m.Header.Get(natsio.MsgIdHdr) != "run1-step1-0" {
		t.Errorf("stored %s with headers %v", m.Data, m.Header)
	}
}

func TestJetStreamPublishNoStream(t *testing.T) {
	t.Parallel()
	c := setup(t)
	subject := "nostream." + unique()
	_, err := connectortest.Do(t.Context(), c, connector.Request{Action: "jetstream_publish", Input: map[string]any{"subject": subject, "timeout": "2s"}})
	if err == nil || !strings.Contains(err.Error(), "no JetStream stream at nats://127.0.0.1:4222 stores the subject '"+subject+"'") {
		t.Errorf("error = %v, want one naming the subject", err)
	}
}

func TestDoBadInput(t *testing.T) {
	t.Parallel()
	c := setup(t)
	tests := []struct {
		req  connector.Request
		want string
	}{
		{connector.Request{Action: "publish", Input: map[string]any{}}, "'subject' is required"},
		{connector.Request{Action: "publish", Input: map[string]any{"subject": "a", "headers": "x"}}, "'headers' must be"},
		{connector.Request{Action: "shout", Input: map[string]any{"subject": "a"}}, "no action 'shout'"},
		{connector.Request{Action: "publish", Input: map[string]any{"subject": "orders.*"}}, "not a subject NATS accepts for sending"},
		{connector.Request{Action: "jetstream_publish", Input: map[string]any{"subject": "orders..new"}}, "not a subject NATS accepts for sending"},
	}
	for _, tt := range tests {
		_, err := connectortest.Do(t.Context(), c, tt.req)
		if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want a permanent error containing %q", tt.req.Action, err, tt.want)
		}
	}
}
