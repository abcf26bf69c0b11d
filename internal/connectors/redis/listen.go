package redis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
)

// ackTimeout bounds an acknowledgement, which is sent even when the
// listener is stopping: the entry's run was accepted, so it must not be
// read again.
const ackTimeout = 10 * time.Second

// Listen receives stream entries or channel messages until ctx ends.
func (c *conn) Listen(ctx context.Context, trigger string, raw map[string]any, deliver connector.Deliver) error {
	var tr connector.Trigger
	for _, t := range triggers() {
		if t.Name == trigger {
			tr = t
		}
	}
	if tr.Name == "" {
		return connector.Permanent(fmt.Errorf("the Redis connector has no trigger '%s'", trigger))
	}
	// A trigger's input takes defaults the way an action's does.
	in := input(connector.Action{Input: tr.Input}.WithDefaults(raw))
	// Blocking reads hold a network connection: they get a client of their
	// own, closed when ctx ends so that a read in progress stops at once.
	reader := c.newClient()
	defer reader.Close()
	stop := context.AfterFunc(ctx, func() { _ = reader.Close() })
	defer stop()
	var err error
	if trigger == "stream" {
		err = c.listenStream(ctx, reader, in, deliver)
	} else {
		err = c.listenChannel(ctx, reader, in, deliver)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// streamReader reads one stream through a consumer group.
type streamReader struct {
	c          *conn
	reader     *goredis.Client
	deliver    connector.Deliver
	stream     string
	group      string
	consumer   string
	claimAfter time.Duration
	count      int64
	json       bool
	inflight   *inflight
}

func (c *conn) newStreamReader(reader *goredis.Client, in input, deliver connector.Deliver) (*streamReader, error) {
	s := &streamReader{c: c, reader: reader, deliver: deliver, group: in.text("group"), consumer: in.text("consumer"), json: in.flag("json")}
	var err error
	if s.stream, err = in.required("stream"); err != nil {
		return nil, err
	}
	if s.group == "" {
		s.group = "bistro"
	}
	if s.consumer == "" {
		s.consumer, _ = os.Hostname()
	}
	if s.consumer == "" {
		s.consumer = "bistro"
	}
	if s.claimAfter, err = in.duration("claim_after", time.Minute); err != nil {
		return nil, err
	}
	if s.claimAfter < time.Millisecond {
		return nil, connector.Permanent(errors.New("'claim_after' must be at least 1ms"))
	}
	if s.count, err = in.int("batch_size", 10); err != nil || s.count < 1 {
		return nil, connector.Permanent(fmt.Errorf("'batch_size' must be a whole number from 1, not %v", in["batch_size"]))
	}
	n, err := in.int("concurrency", 16)
	if err != nil || n < 1 || n > maxConcurrency {
		return nil, connector.Permanent(fmt.Errorf("'concurrency' must be a whole number from 1 to %d, not %v", maxConcurrency, in["concurrency"]))
	}
	// A failed delivery closes the reader, so that a read waiting for new
	// entries stops at once and the listening ends.
	s.inflight = newInflight(int(n), func() { _ = reader.Close() })
	return s, nil
}

// listenStream creates the group when missing, hands on the entries this
// consumer read before without acknowledging them, then new entries, and
// every claim_after takes over entries other consumers left behind. It
// returns once every delivery it started has returned.
func (c *conn) listenStream(ctx context.Context, reader *goredis.Client, in input, deliver connector.Deliver) error {
	s, err := c.newStreamReader(reader, in, deliver)
	if err != nil {
		return err
	}
	err = s.read(ctx, in.text("start"))
	// A failed delivery is why the reading stopped: it is what to report.
	if failed := s.inflight.wait(); failed != nil {
		return failed
	}
	return err
}

func (s *streamReader) read(ctx context.Context, start string) error {
	if err := s.createGroup(ctx, start); err != nil {
		return err
	}
	if err := s.pending(ctx); err != nil {
		return err
	}
	var claimed time.Time
	for ctx.Err() == nil {
		if time.Since(claimed) >= s.claimAfter {
			// Entries still being delivered are pending too: claiming them
			// would deliver them twice, so the deliveries finish first.
			if err := s.inflight.wait(); err != nil {
				return err
			}
			if err := s.claim(ctx); err != nil {
				return err
			}
			claimed = time.Now()
		}
		if err := s.readNew(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (s *streamReader) createGroup(ctx context.Context, start string) error {
	from := "$"
	if start == "all" {
		from = "0"
	}
	err := s.reader.XGroupCreateMkStream(ctx, s.stream, s.group, from).Err()
	if err != nil && !goredis.HasErrorPrefix(err, "BUSYGROUP") {
		return s.c.wrongType(ctx, "stream trigger", s.stream, err)
	}
	return nil
}

// pending hands on again the entries this consumer read but did not
// acknowledge: their runs were not accepted.
func (s *streamReader) pending(ctx context.Context) error {
	after := "0"
	for {
		streams, err := s.reader.XReadGroup(ctx, &goredis.XReadGroupArgs{
			Group: s.group, Consumer: s.consumer, Streams: []string{s.stream, after}, Count: s.count, Block: -1,
		}).Result()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return s.fail(err)
		}
		entries := entriesOf(streams)
		if len(entries) == 0 {
			return nil
		}
		if err := s.handle(ctx, entries); err != nil {
			return err
		}
		after = entries[len(entries)-1].ID
	}
}

// claim takes over the entries that stayed unacknowledged for claim_after,
// left behind by a consumer that stopped or crashed, and hands them on.
func (s *streamReader) claim(ctx context.Context) error {
	start := "0-0"
	for {
		entries, next, err := s.reader.XAutoClaim(ctx, &goredis.XAutoClaimArgs{
			Stream: s.stream, Group: s.group, Consumer: s.consumer, MinIdle: s.claimAfter, Start: start, Count: s.count,
		}).Result()
		if err != nil {
			return s.fail(err)
		}
		if len(entries) > 0 {
			s.c.log.Info("taking over stream entries left unacknowledged", "stream", s.stream, "group", s.group, "entries", len(entries))
		}
		if err := s.handle(ctx, entries); err != nil {
			return err
		}
		if next == "0-0" || next == "" {
			return nil
		}
		start = next
	}
}

// readNew waits for new entries, at most until the next claim is due.
func (s *streamReader) readNew(ctx context.Context) error {
	streams, err := s.reader.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group: s.group, Consumer: s.consumer, Streams: []string{s.stream, ">"}, Count: s.count, Block: min(s.claimAfter, 5*time.Second),
	}).Result()
	if errors.Is(err, goredis.Nil) {
		return nil
	}
	if err != nil {
		return s.fail(err)
	}
	return s.handle(ctx, entriesOf(streams))
}

// handle starts delivering entries, up to concurrency at once, without
// waiting for them: the next read overlaps with their deliveries.
func (s *streamReader) handle(ctx context.Context, entries []goredis.XMessage) error {
	for _, e := range entries {
		if err := s.inflight.start(ctx, func() error { return s.handleOne(ctx, e) }); err != nil {
			return err
		}
	}
	return nil
}

// handleOne delivers an entry and acknowledges it once its run is
// accepted. An entry that is not stays pending and ends the listening, so
// that it is delivered again when Bistro listens anew.
func (s *streamReader) handleOne(ctx context.Context, e goredis.XMessage) error {
	if e.Values != nil {
		fields, err := decodeFields(fmt.Sprintf("entry %s of stream '%s'", e.ID, s.stream), e.Values, s.json)
		if err != nil {
			// Failing would read the entry again and again: it goes on as
			// text instead.
			s.c.log.Warn("a stream entry is not JSON; its fields are passed on as text", "stream", s.stream, "id", e.ID, "error", err)
			fields = e.Values
		}
		m := connector.Message{ID: e.ID, Record: map[string]any{"stream": s.stream, "id": e.ID, "fields": fields}}
		if err := s.deliver(ctx, m); err != nil {
			return fmt.Errorf("entry %s of stream '%s' was not accepted, so it stays unacknowledged and is read again: %w", e.ID, s.stream, err)
		}
	}
	// An entry deleted from the stream while pending has no values: it is
	// acknowledged so that it leaves the group's pending list.
	return s.ack(ctx, e.ID)
}

// ack acknowledges through the connection's own client, which stays open
// while the reader is closed on stopping.
func (s *streamReader) ack(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := s.c.client.XAck(ctx, s.stream, s.group, id).Err(); err != nil {
		return fmt.Errorf("acknowledge entry %s of stream '%s': %w", id, s.stream, s.c.fail(quote("stream", s.stream), err))
	}
	return nil
}

func (s *streamReader) fail(err error) error {
	if goredis.HasErrorPrefix(err, "NOGROUP") {
		return fmt.Errorf("the stream '%s' or its group '%s' was deleted while Bistro read it: %w", s.stream, s.group, connector.ErrNotConnected)
	}
	return s.c.fail(quote("stream", s.stream), err)
}

func entriesOf(streams []goredis.XStream) []goredis.XMessage {
	var out []goredis.XMessage
	for _, st := range streams {
		out = append(out, st.Messages...)
	}
	return out
}

// listenChannel subscribes to a channel or a pattern and delivers every
// message. Pub/sub keeps nothing: a message whose run is not accepted
// cannot be read again, so the error ends the listening.
func (c *conn) listenChannel(ctx context.Context, reader *goredis.Client, in input, deliver connector.Deliver) error {
	channel, err := in.required("channel")
	if err != nil {
		return err
	}
	var sub *goredis.PubSub
	if in.flag("pattern") {
		sub = reader.PSubscribe(ctx, channel)
	} else {
		sub = reader.Subscribe(ctx, channel)
	}
	defer sub.Close()
	// The first reply confirms the subscription, or says why it failed.
	if _, err := sub.Receive(ctx); err != nil {
		return c.fail(quote("channel", channel), err)
	}
	messages := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-messages:
			if !ok {
				return fmt.Errorf("the subscription to channel '%s' ended: %w", channel, connector.ErrNotConnected)
			}
			if err := c.deliverMessage(ctx, m, in.flag("json"), deliver); err != nil {
				return err
			}
		}
	}
}

func (c *conn) deliverMessage(ctx context.Context, m *goredis.Message, asJSON bool, deliver connector.Deliver) error {
	v, err := decode(fmt.Sprintf("a message on channel '%s'", m.Channel), m.Payload, asJSON)
	if err != nil {
		c.log.Warn("a channel message is not JSON; it is passed on as text", "channel", m.Channel, "error", err)
		v = m.Payload
	}
	if err := deliver(ctx, connector.Message{Record: map[string]any{"channel": m.Channel, "message": v}}); err != nil {
		return fmt.Errorf("a message on channel '%s' was not accepted and is lost (pub/sub keeps no messages): %w", m.Channel, err)
	}
	return nil
}
