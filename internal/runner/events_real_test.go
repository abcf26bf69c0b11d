package runner

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp091 "github.com/rabbitmq/amqp091-go"
	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/store"
)

// Event triggers with the real connectors and brokers: a message
// published with the broker's own client becomes exactly one run.

const (
	natsAddr   = "127.0.0.1:4222"
	rabbitAddr = "127.0.0.1:5672"
	mqttAddr   = "127.0.0.1:1883"
	redisAddr  = "127.0.0.1:6379"
)

// msgSource is a broker an event trigger listens to: the connection to
// create, the trigger, and how to get a test's own stream, queue or topic.
type msgSource struct {
	name      string // the subtest's name
	service   string
	address   string
	connector string
	config    map[string]any
	source    string // the event trigger, connector.trigger
	data      string // the expression of the message's JSON body in the trigger's record
	hasID     bool   // messages carry an id, so a delivery repeated runs once
	open      func(t testing.TB) *msgRig
}

// msgRig is one test's stream, queue or topic, removed when the test
// ends, with a publisher using the broker's own client library.
type msgRig struct {
	with map[string]any // the trigger's settings
	// warm sends one message the trigger receives even when it starts
	// listening afterwards.
	warm func(ctx context.Context, body []byte) error
	// publish sends body(i) for i from 0 to n-1; ahead, when set, is
	// called before message i and holds it back while too many messages
	// wait for their runs (a broker drops what its queue cannot hold).
	publish func(ctx context.Context, n int, body func(int) []byte, ahead func(context.Context, int) error) error
	// left counts the messages not acknowledged yet; nil when the broker
	// cannot tell (MQTT).
	left func(ctx context.Context) (int, error)
}

var msgSources = []msgSource{
	{
		name: "nats", service: "NATS", address: natsAddr, connector: "nats",
		config: map[string]any{"url": "nats://" + natsAddr},
		source: "nats.consumer", data: "record.data", hasID: true, open: natsRig,
	},
	{
		name: "rabbitmq", service: "RabbitMQ", address: rabbitAddr, connector: "rabbitmq",
		config: map[string]any{"host": "127.0.0.1", "user": "guest", "password": "guest"},
		source: "rabbitmq.queue", data: "record.data", hasID: true, open: rabbitRig,
	},
	{
		name: "redis", service: "Redis", address: redisAddr, connector: "redis",
		config: map[string]any{"address": redisAddr},
		source: "redis.stream", data: "record.fields.body", hasID: true, open: redisRig,
	},
	{
		name: "mqtt", service: "Mosquitto", address: mqttAddr, connector: "mqtt",
		config: map[string]any{"broker": mqttAddr},
		source: "mqtt.topic", data: "record.data", open: mqttRig,
	},
}

// unique is a name no other test uses: letters and digits.
func unique() string { return rand.Text() }

func natsRig(t testing.TB) *msgRig {
	t.Helper()
	nc, err := natsio.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, subject := "BISTRO_"+unique(), "bistro.test."+unique()
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: stream, Subjects: []string{subject}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream) })
	return &msgRig{
		with: map[string]any{"stream": stream, "consumer": "bistro", "create": true, "deliver": "all"},
		warm: func(ctx context.Context, body []byte) error {
			_, err := js.Publish(ctx, subject, body)
			return err
		},
		publish: func(ctx context.Context, n int, body func(int) []byte, _ func(context.Context, int) error) error {
			return natsPublish(ctx, js, subject, n, body)
		},
		left: func(ctx context.Context) (int, error) {
			c, err := js.Consumer(ctx, stream, "bistro")
			if err != nil {
				return 0, err
			}
			info, err := c.Info(ctx)
			if err != nil {
				return 0, err
			}
			return info.NumAckPending + int(info.NumPending), nil
		},
	}
}

// natsPublish publishes without waiting for each acknowledgement, up to
// 500 at a time, and checks that the stream stored every message.
func natsPublish(ctx context.Context, js jetstream.JetStream, subject string, n int, body func(int) []byte) error {
	var acks []jetstream.PubAckFuture
	for i := range n {
		a, err := js.PublishAsync(subject, body(i))
		if err != nil {
			return err
		}
		acks = append(acks, a)
		if len(acks) < 500 && i < n-1 {
			continue
		}
		for _, a := range acks {
			select {
			case <-a.Ok():
			case err := <-a.Err():
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		acks = acks[:0]
	}
	return nil
}

func rabbitRig(t testing.TB) *msgRig {
	t.Helper()
	conn, err := amqp091.Dial("amqp://guest:guest@" + rabbitAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		t.Fatal(err)
	}
	queue := "bistro-test-" + unique()
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := ch.QueueDelete(queue, false, false, false); err != nil {
			t.Errorf("delete the queue %s: %v", queue, err)
		}
	})
	send := func(ctx context.Context, id string, body []byte) (*amqp091.DeferredConfirmation, error) {
		return ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, amqp091.Publishing{
			ContentType: "application/json", DeliveryMode: amqp091.Persistent, MessageId: id, Body: body,
		})
	}
	return &msgRig{
		with: map[string]any{"queue": queue},
		warm: func(ctx context.Context, body []byte) error {
			c, err := send(ctx, "warm", body)
			if err == nil {
				err = confirmed(ctx, c)
			}
			return err
		},
		publish: func(ctx context.Context, n int, body func(int) []byte, _ func(context.Context, int) error) error {
			var pending []*amqp091.DeferredConfirmation
			for i := range n {
				c, err := send(ctx, fmt.Sprintf("m-%d", i), body(i))
				if err != nil {
					return err
				}
				if pending = append(pending, c); len(pending) < 500 && i < n-1 {
					continue
				}
				for _, c := range pending {
					if err := confirmed(ctx, c); err != nil {
						return err
					}
				}
				pending = pending[:0]
			}
			return nil
		},
		left: func(context.Context) (int, error) {
			q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
			return q.Messages, err
		},
	}
}

// confirmed waits for the broker's confirm of a published message.
func confirmed(ctx context.Context, c *amqp091.DeferredConfirmation) error {
	ok, err := c.WaitContext(ctx)
	if err == nil && !ok {
		err = errors.New("the broker refused a message")
	}
	return err
}

func redisRig(t testing.TB) *msgRig {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	stream := "bistro-test:" + unique()
	t.Cleanup(func() { rdb.Del(context.Background(), stream) })
	add := func(ctx context.Context, p goredis.Cmdable, body []byte) *goredis.StringCmd {
		return p.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: map[string]any{"body": string(body)}})
	}
	return &msgRig{
		with: map[string]any{"stream": stream, "start": "all", "json": true},
		warm: func(ctx context.Context, body []byte) error {
			return add(ctx, rdb, body).Err()
		},
		publish: func(ctx context.Context, n int, body func(int) []byte, _ func(context.Context, int) error) error {
			for from := 0; from < n; from += 100 {
				pipe := rdb.Pipeline()
				for i := from; i < min(n, from+100); i++ {
					add(ctx, pipe, body(i))
				}
				if _, err := pipe.Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		},
		left: func(ctx context.Context) (int, error) {
			p, err := rdb.XPending(ctx, stream, "bistro").Result()
			if err != nil {
				return 0, err
			}
			lag, err := rdb.XInfoGroups(ctx, stream).Result()
			if err != nil || len(lag) != 1 {
				return 0, fmt.Errorf("the groups of %s: %v %v", stream, lag, err)
			}
			return int(p.Count) + int(lag[0].Lag), nil
		},
	}
}

func mqttRig(t testing.TB) *msgRig {
	t.Helper()
	ctx := context.Background()
	nc, err := net.Dial("tcp", mqttAddr)
	if err != nil {
		t.Fatal(err)
	}
	pc := paho.NewClient(paho.ClientConfig{Conn: packets.NewThreadSafeConn(nc)})
	if _, err := pc.Connect(ctx, &paho.Connect{ClientID: "bistro-test-" + unique(), CleanStart: true, KeepAlive: 30}); err != nil {
		_ = nc.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Disconnect(&paho.Disconnect{}) })
	topic := "bistro/test/" + strings.ToLower(unique())
	// The warm-up message is retained (the broker gives it to the trigger
	// when it subscribes, so the test knows the trigger listens) and
	// cleared at the end; it expires anyway.
	expiry := uint32(600)
	t.Cleanup(func() {
		if _, err := pc.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Retain: true}); err != nil {
			t.Errorf("clear the retained message of %s: %v", topic, err)
		}
	})
	return &msgRig{
		with: map[string]any{"topic": topic},
		warm: func(ctx context.Context, body []byte) error {
			_, err := pc.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Retain: true, Payload: body,
				Properties: &paho.PublishProperties{MessageExpiry: &expiry}})
			return err
		},
		publish: func(ctx context.Context, n int, body func(int) []byte, ahead func(context.Context, int) error) error {
			return mqttPublish(ctx, pc, topic, n, body, ahead)
		},
	}
}

// mqttPublish publishes with QoS 1 from 8 goroutines, each waiting for
// the broker's PUBACK.
func mqttPublish(ctx context.Context, pc *paho.Client, topic string, n int, body func(int) []byte, ahead func(context.Context, int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if ahead != nil {
					if err := ahead(ctx, i); err != nil {
						errs <- err
						return
					}
				}
				if _, err := pc.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: body(i)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// msgSetup is a runner on the store with the real connectors, a keyring
// for the connections' secrets and loopback allowed for them.
func msgSetup(t testing.TB, s store.Store, change func(*Config)) *fixture {
	t.Helper()
	env := connectortest.Env(t)
	return setup(t, s, func(c *Config) {
		c.Keyring = newKeyring(t, "k1")
		c.ConnEnv = env
		c.Logger = env.Logger
		c.EventRetryPause = time.Millisecond
		if change != nil {
			change(c)
		}
	})
}

// applyMsgFlow creates the connection "broker" through the runner's API
// and applies a flow started by the source with the given steps.
func applyMsgFlow(t testing.TB, f *fixture, src msgSource, rig *msgRig, attempts int, steps string) store.Flow {
	t.Helper()
	_, err := f.CreateConnection(context.Background(), store.DefaultWorkspace, "broker",
		api.ConnectionSettings{Connector: src.connector, Config: src.config}, "test")
	if err != nil {
		t.Fatalf("create the connection: %v", err)
	}
	event := map[string]any{"source": src.source, "connection": "broker", "with": rig.with}
	if attempts > 0 {
		event["attempts"] = attempts
	}
	trigger, _ := json.Marshal(map[string]any{"event": event})
	doc := fmt.Sprintf("bistro: 1\nname: orders\ntrigger: %s\nsteps:\n%s", trigger, strings.ReplaceAll(steps, "DATA", src.data))
	return f.apply(doc)
}

// pickSteps copy the message's fields and drop the warm-up message.
const pickSteps = `  - id: pick
    set: { n: "{{ DATA.n }}", text: "{{ DATA.text }}", source: "{{ trigger.source }}", message_id: "{{ trigger.message_id ?? '' }}" }
  - id: keep
    filter: record.n >= 0
`

func msgBody(i int) []byte {
	return fmt.Appendf(nil, `{"n": %d, "text": "order %d ✓"}`, i, i)
}

var warmBody = []byte(`{"n": -1, "text": "warm-up"}`)

// TestEventTriggerRealSources: with each broker and each store, every
// message published becomes exactly one succeeded run with its data, and
// is acknowledged to the broker.
func TestEventTriggerRealSources(t *testing.T) {
	t.Parallel()
	const messages = 5
	for _, src := range msgSources {
		for _, b := range backends {
			t.Run(src.name+"/"+b.name, func(t *testing.T) {
				t.Parallel()
				connectortest.Service(t, src.service, src.address)
				cs := countRuns(b.open(t))
				f := msgSetup(t, cs, nil)
				rig := src.open(t)
				fl := applyMsgFlow(t, f, src, rig, 0, pickSteps)
				ctx := t.Context()
				if err := rig.warm(ctx, warmBody); err != nil {
					t.Fatal(err)
				}
				stop := startStoppable(f)
				cs.awaitSucceeded(t, 1, time.Minute) // the trigger listens
				if err := rig.publish(ctx, messages, msgBody, nil); err != nil {
					t.Fatalf("publish: %v", err)
				}
				cs.awaitSucceeded(t, 1+messages, time.Minute)
				stop()
				checkMsgRuns(t, f, src, fl.ID, messages)
				if created := cs.count(&cs.created); created != 1+messages {
					t.Errorf("%d runs created, want %d: one per message", created, 1+messages)
				}
				if rig.left != nil {
					f.eventually("every message to be acknowledged", func() bool {
						n, err := rig.left(context.Background())
						return err == nil && n == 0
					})
				}
			})
		}
	}
}

// checkMsgRuns checks that every message 0..n-1 and the warm-up message
// each became exactly one succeeded run carrying the message's data.
func checkMsgRuns(t *testing.T, f *fixture, src msgSource, flowID string, n int) {
	t.Helper()
	runs := eventRuns(t, f, flowID)
	seen := map[string]int{}
	ids := map[string]bool{}
	for _, r := range runs {
		if r.Status != store.StatusSucceeded {
			t.Errorf("run %s is %s: %s", r.ID, r.Status, r.Error)
			continue
		}
		var out []map[string]any
		if err := json.Unmarshal(r.Output, &out); err != nil {
			t.Fatalf("output %s: %v", r.Output, err)
		}
		if len(out) == 0 { // the warm-up message, dropped by the filter
			seen["warm"]++
			continue
		}
		rec := out[0]
		key := fmt.Sprint(rec["n"])
		seen[key]++
		if want := fmt.Sprintf("order %s ✓", key); len(out) != 1 || rec["text"] != want || rec["source"] != src.source {
			t.Errorf("run %s output %s; want one record with text %q and source %s", r.ID, r.Output, want, src.source)
		}
		id, _ := rec["message_id"].(string)
		if src.hasID && (id == "" || ids[id]) {
			t.Errorf("run %s: message id %q is missing or repeated", r.ID, id)
		}
		ids[id] = true
	}
	if seen["warm"] != 1 {
		t.Errorf("the warm-up message ran %d times, want once", seen["warm"])
	}
	for i := range n {
		if c := seen[fmt.Sprint(i)]; c != 1 {
			t.Errorf("message %d ran %d times, want once", i, c)
		}
	}
	if len(runs) != n+1 {
		t.Errorf("%d runs, want %d", len(runs), n+1)
	}
}

// TestEventTriggerRealDeadLetter: a message whose runs all fail is
// acknowledged to JetStream (it is not delivered again), lands on the
// dead-letter list, and runs once replayed after the flow is fixed.
func TestEventTriggerRealDeadLetter(t *testing.T) {
	t.Parallel()
	src := msgSources[0]
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			connectortest.Service(t, src.service, src.address)
			cs := countRuns(b.open(t))
			f := msgSetup(t, cs, nil)
			rig := src.open(t)
			fl := applyMsgFlow(t, f, src, rig, 2, `  - id: check
    fail: "order {{ DATA.n }} is not ok"
`)
			startStoppable(f)
			ctx := t.Context()
			if err := rig.publish(ctx, 1, func(int) []byte { return []byte(`{"n": 7, "text": "bad"}`) }, nil); err != nil {
				t.Fatal(err)
			}
			var letters []store.DeadLetter
			f.eventually("the message to reach the dead-letter list", func() bool {
				var err error
				letters, err = f.ListDeadLetters(ctx, store.DefaultWorkspace, "orders", 0)
				return err == nil && len(letters) == 1
			})
			d := letters[0]
			var rec map[string]any
			_ = json.Unmarshal(d.Record, &rec)
			data, _ := rec["data"].(map[string]any)
			if d.Source != src.source || d.Attempts != 2 || d.MessageID == "" || fmt.Sprint(data["n"]) != "7" ||
				!strings.Contains(d.Error, "order 7 is not ok") {
				t.Errorf("dead letter %+v, record %s", d, d.Record)
			}
			if runs := eventRuns(t, f, fl.ID); len(runs) != 2 {
				t.Errorf("%d runs, want 2 attempts", len(runs))
			}
			f.eventually("JetStream to have the message acknowledged", func() bool {
				n, err := rig.left(ctx)
				return err == nil && n == 0
			})
			fixed := strings.Replace(string(fl.Document), `fail: "order {{ record.data.n }} is not ok"`, `log: "order {{ record.data.n }}"`, 1)
			if fixed == string(fl.Document) {
				t.Fatalf("the flow could not be fixed:\n%s", fl.Document)
			}
			f.apply(fixed)
			run, err := f.ReplayDeadLetter(ctx, store.DefaultWorkspace, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := f.waitFinal(run.ID)
			if got.Status != store.StatusSucceeded || !sameJSON(got.Output, "["+string(d.Record)+"]") {
				t.Errorf("replayed run %s %s, output %s; want succeeded with the message", got.Status, got.Error, got.Output)
			}
			if left, _ := f.ListDeadLetters(ctx, store.DefaultWorkspace, "", 0); len(left) != 0 {
				t.Errorf("%d dead letters left after the replay", len(left))
			}
		})
	}
}
