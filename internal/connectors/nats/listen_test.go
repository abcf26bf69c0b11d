package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	natsio "github.com/nats-io/nats.go"

	"github.com/bistro-dev/bistro/connector"
)

// listen runs Listen on c until the test ends, returning once the trigger
// listens; stop ends it and returns Listen's error.
func listen(t testing.TB, c *conn, trigger string, input map[string]any, deliver connector.Deliver) (stop func() error) {
	t.Helper()
	ready := make(chan struct{})
	c.subscribed = func(string) { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Listen(ctx, trigger, input, deliver) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Listen ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("Listen did not start listening within 10s")
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Listen did not return within 10s of its context ending")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// received collects delivered messages; fail makes the first n deliveries
// fail.
type received struct {
	mu   sync.Mutex
	msgs []connector.Message
	fail int
	got  chan struct{}
}

func newReceived(fail int) *received { return &received{fail: fail, got: make(chan struct{}, 100)} }

func (r *received) deliver(_ context.Context, m connector.Message) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	failing := len(r.msgs) <= r.fail
	r.mu.Unlock()
	select {
	case r.got <- struct{}{}:
	default: // wait reads msgs, not the signals
	}
	if failing {
		return errors.New("the run could not be stored")
	}
	return nil
}

// wait waits for n deliveries in all and returns them.
func (r *received) wait(t testing.TB, n int) []connector.Message {
	t.Helper()
	for {
		r.mu.Lock()
		msgs := append([]connector.Message(nil), r.msgs...)
		r.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-r.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d deliveries, want %d", len(msgs), n)
		}
	}
}

func TestSubjectTrigger(t *testing.T) {
	t.Parallel()
	c := setup(t)
	subject := "test." + unique()
	r := newReceived(0)
	stop := listen(t, c, "subject", map[string]any{"subject": subject + ".*", "queue": "workers"}, r.deliver)
	msg := natsio.NewMsg(subject + ".created")
	msg.Data = []byte(`{"id":12,"ok":true}`)
	msg.Header.Set("Source", "shop")
	msg.Header.Set(natsio.MsgIdHdr, "order-12")
	if err := c.nc.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
	got := r.wait(t, 1)
	want := map[string]any{"subject": subject + ".created", "data": map[string]any{"id": 12, "ok": true},
		"headers": map[string]any{"Source": "shop", natsio.MsgIdHdr: "order-12"}}
	if diff := cmp.Diff(want, got[0].Record); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	if got[0].ID != "" { // a sender's header is no unique id: runs would be dropped as duplicates
		t.Errorf("message id %q, want none", got[0].ID)
	}
	if err := stop(); err != nil {
		t.Errorf("Listen returned %v after its context ended, want nil", err)
	}
}

func TestConsumerTriggerRedeliversUntilAccepted(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := "T"+unique(), "test."+unique()
	t.Cleanup(func() { _ = c.js.DeleteStream(context.Background(), stream) })
	r := newReceived(1) // the first delivery fails
	input := map[string]any{"stream": stream, "consumer": "bistro", "create": true, "subjects": []any{subject + ".>"},
		"deliver": "all", "ack_wait": "30s", "redeliver_after": "10ms"}
	stop := listen(t, c, "consumer", input, r.deliver)
	if _, err := c.js.Publish(t.Context(), subject+".a", []byte("first order")); err != nil {
		t.Fatal(err)
	}
	got := r.wait(t, 2)
	if !strings.HasPrefix(got[0].ID, stream+":1:") || got[1].ID != got[0].ID {
		t.Errorf("deliveries %q, %q: want the failed message %s:1:... delivered again", got[0].ID, got[1].ID, stream)
	}
	if diff := cmp.Diff(map[string]any{"subject": subject + ".a", "data": "first order", "headers": map[string]any{}}, got[1].Record); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	cons, err := c.js.Consumer(t.Context(), stream, "bistro")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message to be acknowledged", func() bool {
		info, err := cons.Info(t.Context())
		return err == nil && info.NumAckPending == 0 && info.AckFloor.Stream == 1
	})
	if err := stop(); err != nil {
		t.Errorf("Listen returned %v after its context ended, want nil", err)
	}
	if n := len(r.wait(t, 2)); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
}

func TestConsumerTriggerKeepsUnacceptedMessages(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := newStream(t, c)
	if _, err := c.js.Publish(t.Context(), subject+".x", []byte(`[1,2]`)); err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"stream": stream, "consumer": "c1", "create": true, "ack_wait": "1s", "redeliver_after": "10ms"}
	// The first listener never accepts the message; it stops before the
	// message is acknowledged.
	failing := newReceived(1000)
	stop := listen(t, c, "consumer", input, failing.deliver)
	failing.wait(t, 1)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A second listener, on a new connection, gets it again.
	r := newReceived(0)
	listen(t, setup(t), "consumer", input, r.deliver)
	got := r.wait(t, 1)
	if got[0].ID != failing.wait(t, 1)[0].ID || !cmp.Equal(got[0].Record["data"], []any{1, 2}) {
		t.Errorf("delivered %v, want the unacknowledged message again", got[0])
	}
}

func TestConsumerTriggerIDsOfARecreatedStream(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := "T"+unique(), "test."+unique()
	t.Cleanup(func() { _ = c.js.DeleteStream(context.Background(), stream) })
	input := map[string]any{"stream": stream, "consumer": "c", "create": true, "subjects": []any{subject + ".>"}}
	firstID := func() string {
		t.Helper()
		r := newReceived(0)
		stop := listen(t, c, "consumer", input, r.deliver)
		defer stop()
		if _, err := c.js.Publish(t.Context(), subject+".a", []byte("x")); err != nil {
			t.Fatal(err)
		}
		return r.wait(t, 1)[0].ID
	}
	before := firstID()
	if err := c.js.DeleteStream(t.Context(), stream); err != nil {
		t.Fatal(err)
	}
	// The new stream numbers its messages from 1 again; the ids, which
	// keep a message from starting two runs, must differ.
	if after := firstID(); after == before || !strings.HasPrefix(after, stream+":1:") {
		t.Errorf("ids %q and %q: want two different ids for the first message of each stream", before, after)
	}
}

func TestConsumerTriggerMissing(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, _ := newStream(t, c)
	tests := []struct {
		name  string
		input map[string]any
		want  string
	}{
		{"no stream", map[string]any{"stream": "NOPE" + unique(), "consumer": "c"}, "there is no JetStream stream 'NOPE"},
		{"no consumer", map[string]any{"stream": stream, "consumer": "c"}, "has no consumer 'c': create it, or set create: true"},
		{"create without subjects", map[string]any{"stream": "NEW" + unique(), "consumer": "c", "create": true}, "give its subjects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := c.Listen(t.Context(), "consumer", tt.input, newReceived(0).deliver)
			if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want a permanent error containing %q", err, tt.want)
			}
		})
	}
}

// gate is a deliver that holds every message until want of them are in
// flight together. The first delivery of the message whose data is
// failOnce fails; hold makes every delivery also wait for its context to
// end, as a run still being stored when Bistro stops.
type gate struct {
	want     int
	failOnce string
	hold     bool

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	failed      bool
	opened      bool
	ids         []string
	all         chan struct{} // closed once want were in flight together
}

func newGate(want int, failOnce string) *gate {
	return &gate{want: want, failOnce: failOnce, all: make(chan struct{})}
}

func (g *gate) deliver(ctx context.Context, m connector.Message) error {
	g.mu.Lock()
	g.inFlight++
	g.maxInFlight = max(g.maxInFlight, g.inFlight)
	g.ids = append(g.ids, m.ID)
	if g.inFlight == g.want && !g.opened {
		g.opened = true
		close(g.all)
	}
	fail := !g.failed && m.Record["data"] == g.failOnce
	g.failed = g.failed || fail
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
	}()
	select {
	case <-g.all:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return errors.New("the other messages were not handed over meanwhile")
	}
	if g.hold {
		<-ctx.Done()
	}
	if fail {
		return errors.New("the run could not be stored")
	}
	return nil
}

// state returns the deliveries so far and how many are in flight.
func (g *gate) state() (ids []string, inFlight, maxInFlight int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.ids...), g.inFlight, g.maxInFlight
}

// waitAll waits until the gate opened.
func (g *gate) waitAll(t testing.TB) {
	t.Helper()
	select {
	case <-g.all:
	case <-time.After(10 * time.Second):
		_, _, most := g.state()
		t.Fatalf("at most %d deliveries were in flight at once, want %d", most, g.want)
	}
}

// publishN stores n messages "order-0" to "order-<n-1>" on subject.
func publishN(t testing.TB, c *conn, subject string, n int) {
	t.Helper()
	for i := range n {
		if _, err := c.js.Publish(t.Context(), subject, fmt.Appendf(nil, "order-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
}

// waitAcked waits until the consumer acknowledged the stream's first n
// messages and has none pending.
func waitAcked(t testing.TB, c *conn, stream, consumer string, n uint64) {
	t.Helper()
	cons, err := c.js.Consumer(t.Context(), stream, consumer)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, fmt.Sprintf("%d messages to be acknowledged", n), func() bool {
		info, err := cons.Info(t.Context())
		return err == nil && info.NumAckPending == 0 && info.AckFloor.Stream == n
	})
}

func TestConsumerTriggerDeliversSeveralAtOnce(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := newStream(t, c)
	const n = 5
	publishN(t, c, subject+".a", n)
	g := newGate(n, "order-2")
	// The default concurrency, 16, lets all n be in flight together.
	input := map[string]any{"stream": stream, "consumer": "c", "create": true, "redeliver_after": "10ms"}
	stop := listen(t, c, "consumer", input, g.deliver)
	g.waitAll(t)
	waitAcked(t, c, stream, "c", n)
	if err := stop(); err != nil {
		t.Errorf("Listen returned %v after its context ended, want nil", err)
	}
	ids, _, _ := g.state()
	times := map[string]int{}
	for _, id := range ids {
		times[id]++
	}
	third := fmt.Sprintf("%s:3:", stream)
	for id, k := range times {
		if want := 1 + btoi(strings.HasPrefix(id, third)); k != want {
			t.Errorf("message %s delivered %d times, want %d (the failed one again)", id, k, want)
		}
	}
	if len(times) != n || len(ids) != n+1 {
		t.Errorf("deliveries %q: want %d messages, one of them twice", ids, n)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestConsumerTriggerConcurrencyOne(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := newStream(t, c)
	publishN(t, c, subject+".a", 3)
	g := newGate(1, "")
	input := map[string]any{"stream": stream, "consumer": "c", "create": true, "concurrency": 1}
	listen(t, c, "consumer", input, g.deliver)
	waitAcked(t, c, stream, "c", 3)
	ids, _, most := g.state()
	if most != 1 {
		t.Errorf("%d deliveries in flight at once, want 1", most)
	}
	for i, id := range ids {
		if !strings.HasPrefix(id, fmt.Sprintf("%s:%d:", stream, i+1)) {
			t.Errorf("delivery %d was %s, want the messages in the stream's order", i+1, id)
		}
	}
}

// TestConsumerTriggerStopWaitsForDeliveries stops the trigger while runs
// are still being stored: Listen waits for them, and the messages whose
// run was stored are acknowledged although the context ended.
func TestConsumerTriggerStopWaitsForDeliveries(t *testing.T) {
	t.Parallel()
	c := setup(t)
	stream, subject := newStream(t, c)
	const n = 3
	publishN(t, c, subject+".a", n)
	g := newGate(n, "")
	g.hold = true
	input := map[string]any{"stream": stream, "consumer": "c", "create": true, "concurrency": n}
	stop := listen(t, c, "consumer", input, g.deliver)
	g.waitAll(t)
	if err := stop(); err != nil {
		t.Errorf("Listen returned %v after its context ended, want nil", err)
	}
	if _, inFlight, _ := g.state(); inFlight != 0 {
		t.Errorf("Listen returned with %d deliveries still in flight", inFlight)
	}
	waitAcked(t, c, stream, "c", n)
}

func TestConsumerTriggerConcurrencySetting(t *testing.T) {
	t.Parallel()
	base := map[string]any{"stream": "S", "consumer": "c"}
	for _, v := range []any{1, int64(256), 8.0, json.Number("16"), nil} {
		in := maps.Clone(base)
		in["concurrency"] = v
		got, err := readConsumerInput(in)
		want, _ := whole(v)
		if v == nil {
			want = defaultConcurrency
		}
		if err != nil || got.concurrency != want {
			t.Errorf("concurrency %v (%T): got %d, %v; want %d", v, v, got.concurrency, err, want)
		}
	}
	for _, v := range []any{0, 257, -1, 2.5, "many", json.Number("1e99")} {
		in := maps.Clone(base)
		in["concurrency"] = v
		_, err := readConsumerInput(in)
		if err == nil || !strings.Contains(err.Error(), "'concurrency' must be a whole number from 1 to 256") {
			t.Errorf("concurrency %v (%T): error %v, want one saying what is allowed", v, v, err)
		}
	}
}

func TestConsumerTriggerRefusesBadConcurrency(t *testing.T) {
	t.Parallel()
	c := setup(t)
	err := c.Listen(t.Context(), "consumer", map[string]any{"stream": "S", "consumer": "c", "concurrency": 0}, newReceived(0).deliver)
	if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "'concurrency' must be") {
		t.Errorf("error = %v, want a permanent error about concurrency", err)
	}
}
