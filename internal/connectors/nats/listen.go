package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/payload"
)

// Listen starts runs from messages until ctx ends.
func (c *conn) Listen(ctx context.Context, trigger string, input map[string]any, deliver connector.Deliver) error {
	switch trigger {
	case "subject":
		return c.listenSubject(ctx, input, deliver)
	case "consumer":
		return c.listenConsumer(ctx, input, deliver)
	}
	return connector.Permanent(fmt.Errorf("NATS has no trigger '%s'; the triggers are subject and consumer", trigger))
}

func (c *conn) ready(trigger string) {
	if c.subscribed != nil {
		c.subscribed(trigger)
	}
}

// listenSubject delivers the messages of a core NATS subscription, at most
// once: core NATS has no acknowledgements, so a message whose delivery
// failed is gone.
func (c *conn) listenSubject(ctx context.Context, input map[string]any, deliver connector.Deliver) error {
	subject, queue := text(input, "subject"), text(input, "queue")
	var sub *natsio.Subscription
	var err error
	if queue != "" {
		sub, err = c.nc.QueueSubscribeSync(subject, queue)
	} else {
		sub, err = c.nc.SubscribeSync(subject)
	}
	if errors.Is(err, natsio.ErrBadSubject) || errors.Is(err, natsio.ErrBadQueueName) {
		return connector.Permanent(fmt.Errorf("cannot listen to '%s'%s: not a valid subject (names separated by dots; * matches one name, > the rest) or queue group name", subject, inGroup(queue)))
	}
	if err != nil {
		return c.lost(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := c.Ping(ctx); err != nil { // the server has the subscription once it answers
		return err
	}
	c.ready("subject")
	for {
		m, err := sub.NextMsgWithContext(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, natsio.ErrSlowConsumer):
			c.logger.Warn("messages arrived faster than runs started; NATS dropped some", "subject", subject)
			continue
		case err != nil:
			return c.lost(err)
		}
		// No ID: core NATS gives messages none, and nothing is sent twice.
		err = deliver(ctx, connector.Message{Record: messageRecord(m)})
		if err != nil && ctx.Err() == nil {
			c.logger.Warn("a message could not start a run and is lost: core NATS cannot deliver it again (use a JetStream consumer for that)",
				"subject", m.Subject, "error", err)
		}
	}
}

func inGroup(queue string) string {
	if queue == "" {
		return ""
	}
	return " in the queue group '" + queue + "'"
}

// prefetch is how many messages the consumer trigger fetches ahead, and
// the most concurrency may be. Fetched messages wait in memory until
// delivered, and one waiting past ack_wait is delivered twice: 256
// (nats.go's default is 500) bounds that wait and keeps most of the
// throughput.
const prefetch = 256

// defaultConcurrency is how many messages the consumer trigger delivers at
// once unless told otherwise: enough for runs to share the store's commits.
const defaultConcurrency = 16

// consumerInput are the settings of the consumer trigger.
type consumerInput struct {
	stream, consumer, filter string
	create                   bool
	subjects                 []string
	deliverNew               bool
	ackWait, redeliverAfter  time.Duration
	concurrency              int    // messages delivered at once
	idSuffix                 string // tells this stream from an earlier one of the same name
}

func readConsumerInput(input map[string]any) (consumerInput, error) {
	in := consumerInput{
		stream:      text(input, "stream"),
		consumer:    text(input, "consumer"),
		filter:      text(input, "filter_subject"),
		deliverNew:  text(input, "deliver") == "new",
		concurrency: defaultConcurrency,
	}
	in.create, _ = input["create"].(bool)
	if in.stream == "" || in.consumer == "" {
		return in, errors.New("'stream' and 'consumer' are required: the stream to read and the name of the durable consumer")
	}
	list, _ := input["subjects"].([]any)
	for _, s := range list {
		if s, ok := s.(string); ok && s != "" {
			in.subjects = append(in.subjects, s)
		}
	}
	var err error
	if in.ackWait, err = duration(input, "ack_wait", 30*time.Second); err != nil {
		return in, err
	}
	if in.redeliverAfter, err = duration(input, "redeliver_after", 5*time.Second); err != nil {
		return in, err
	}
	if v, ok := input["concurrency"]; ok && v != nil {
		n, ok := whole(v)
		if !ok || n < 1 || n > prefetch {
			return in, fmt.Errorf("'concurrency' must be a whole number from 1 to %d, not %v", prefetch, v)
		}
		in.concurrency = n
	}
	return in, nil
}

// whole reads a whole number, however the settings spelled it.
func whole(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), n >= math.MinInt32 && n <= math.MaxInt32
	case float64:
		return int(n), n == math.Trunc(n) && math.Abs(n) <= math.MaxInt32
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil && i >= math.MinInt32 && i <= math.MaxInt32
	}
	return 0, false
}

// listenConsumer delivers the messages of a durable pull consumer, up to
// concurrency at once so that their runs share the store's commits. Each
// message is acknowledged once deliver accepted it and asked for again
// (after redeliver_after) when it was not.
func (c *conn) listenConsumer(ctx context.Context, input map[string]any, deliver connector.Deliver) error {
	in, err := readConsumerInput(input)
	if err != nil {
		return connector.Permanent(err)
	}
	s, err := c.stream(ctx, in)
	if err != nil {
		return err
	}
	cons, err := c.consumer(ctx, s, in)
	if err != nil {
		return err
	}
	// A message's id must not come back for another message: sequence
	// numbers start again when a stream is deleted and created again, so
	// the id holds the stream's creation time too.
	in.idSuffix = strconv.FormatInt(s.CachedInfo().Created.UnixNano(), 36)
	it, err := cons.Messages(jetstream.PullMaxMessages(prefetch))
	if err != nil {
		return c.lost(err)
	}
	defer it.Stop()
	c.ready("consumer")
	return c.deliverAll(ctx, in, it, deliver)
}

// deliverAll hands each message to its own goroutine, at most
// in.concurrency at a time, until ctx ends or the consumer fails. It
// returns only once every delivery it started has finished, so no message
// is acknowledged after Listen returned.
func (c *conn) deliverAll(ctx context.Context, in consumerInput, it jetstream.MessagesContext, deliver connector.Deliver) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, in.concurrency)
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		msg, err := it.Next(jetstream.NextContext(ctx))
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, jetstream.ErrConsumerDeleted):
			return connector.Permanent(fmt.Errorf("the consumer '%s' of the stream '%s' was deleted", in.consumer, in.stream))
		case err != nil:
			return c.lost(err)
		}
		wg.Go(func() {
			defer func() { <-slots }()
			c.handle(ctx, in, msg, deliver)
		})
	}
}

// handle delivers one message and acknowledges it, or gives it back.
func (c *conn) handle(ctx context.Context, in consumerInput, msg jetstream.Msg, deliver connector.Deliver) {
	id := ""
	if meta, err := msg.Metadata(); err == nil {
		id = fmt.Sprintf("%s:%d:%s", meta.Stream, meta.Sequence.Stream, in.idSuffix)
	}
	rec := map[string]any{"subject": msg.Subject(), "data": payload.Decode(msg.Data()), "headers": headersOut(msg.Headers())}
	if err := deliver(ctx, connector.Message{ID: id, Record: rec}); err != nil {
		if nakErr := msg.NakWithDelay(in.redeliverAfter); nakErr != nil {
			c.logger.Warn("could not give a message back to JetStream; it is delivered again after ack_wait", "stream", in.stream, "id", id, "error", c.scrub.Error(nakErr))
		}
		return
	}
	if err := msg.Ack(); err != nil {
		c.logger.Warn("could not acknowledge a message; JetStream will deliver it again", "stream", in.stream, "id", id, "error", c.scrub.Error(err))
	}
}

// consumer finds the durable consumer, creating it when asked to.
func (c *conn) consumer(ctx context.Context, s jetstream.Stream, in consumerInput) (jetstream.Consumer, error) {
	cons, err := s.Consumer(ctx, in.consumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) && in.create {
		policy := jetstream.DeliverAllPolicy
		if in.deliverNew {
			policy = jetstream.DeliverNewPolicy
		}
		cons, err = s.CreateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:       in.consumer,
			AckPolicy:     jetstream.AckExplicitPolicy,
			DeliverPolicy: policy,
			FilterSubject: in.filter,
			AckWait:       in.ackWait,
		})
	}
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, connector.Permanent(fmt.Errorf("the stream '%s' at %s has no consumer '%s': create it, or set create: true", in.stream, c.where, in.consumer))
	case errors.Is(err, jetstream.ErrInvalidConsumerName):
		return nil, connector.Permanent(fmt.Errorf("'%s' is not a valid consumer name: use letters, digits, - and _", in.consumer))
	case err != nil:
		return nil, c.jsError(fmt.Sprintf("consumer '%s' of the stream '%s'", in.consumer, in.stream), err)
	}
	return cons, nil
}

// stream finds the stream, creating it when asked to.
func (c *conn) stream(ctx context.Context, in consumerInput) (jetstream.Stream, error) {
	s, err := c.js.Stream(ctx, in.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) && in.create {
		if len(in.subjects) == 0 {
			return nil, connector.Permanent(fmt.Errorf("to create the stream '%s', give its subjects, e.g. subjects: [\"orders.>\"]", in.stream))
		}
		s, err = c.js.CreateStream(ctx, jetstream.StreamConfig{Name: in.stream, Subjects: in.subjects})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // created meanwhile
			s, err = c.js.Stream(ctx, in.stream)
		}
	}
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return nil, connector.Permanent(fmt.Errorf("there is no JetStream stream '%s' at %s: create it, or set create: true with its subjects", in.stream, c.where))
	case errors.Is(err, jetstream.ErrInvalidStreamName), errors.Is(err, jetstream.ErrStreamNameRequired):
		return nil, connector.Permanent(fmt.Errorf("'%s' is not a valid stream name: use letters, digits, - and _", in.stream))
	case err != nil:
		return nil, c.jsError(fmt.Sprintf("stream '%s'", in.stream), err)
	}
	return s, nil
}

// jsError words a failed JetStream call about what.
func (c *conn) jsError(what string, err error) error {
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount):
		return connector.Permanent(fmt.Errorf("JetStream is not enabled on the NATS server at %s (or for this account)", c.where))
	case errors.As(err, &apiErr):
		return connector.Permanent(fmt.Errorf("JetStream at %s refused the %s: %s", c.where, what, apiErr.Description))
	}
	return c.lost(err)
}
