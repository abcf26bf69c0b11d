package amqp

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
)

// maxPrefetch bounds prefetch, and so the messages handled at once.
const maxPrefetch = 1000

// queueInput are the queue trigger's settings.
type queueInput struct {
	queue      string
	declare    bool
	exchange   string // to bind to; empty for no binding
	bindingKey string
	prefetch   int
}

func readQueueInput(in map[string]any) (queueInput, error) {
	q := queueInput{queue: text(in, "queue", ""), declare: in["declare"] == true, prefetch: 10}
	if q.queue == "" {
		return q, connector.Permanent(fmt.Errorf("the queue trigger needs the name of a queue in 'queue'"))
	}
	if bind, ok := in["bind"].(map[string]any); ok {
		q.exchange, q.bindingKey = text(bind, "exchange", ""), text(bind, "routing_key", "")
		if q.exchange == "" {
			return q, connector.Permanent(fmt.Errorf("'bind' needs the exchange to bind the queue '%s' to", q.queue))
		}
	}
	if v, ok := in["prefetch"]; ok && v != nil {
		n, ok := whole(v)
		if !ok || n < 1 || n > maxPrefetch {
			return q, connector.Permanent(fmt.Errorf("'prefetch' must be a number from 1 to %d", maxPrefetch))
		}
		q.prefetch = n
	}
	return q, nil
}

// Listen delivers the messages of a queue until ctx ends. Up to prefetch
// messages are delivered at once; each is acknowledged only after deliver
// returned nil, and handed back to the queue (to be delivered again) when
// deliver failed.
func (c *conn) Listen(ctx context.Context, trigger string, input map[string]any, deliver connector.Deliver) error {
	if trigger != "queue" {
		return connector.Permanent(fmt.Errorf("RabbitMQ has no trigger '%s'; it has queue", trigger))
	}
	q, err := readQueueInput(input)
	if err != nil {
		return err
	}
	ch, err := c.amqp.Channel()
	if err != nil {
		return c.lost(err)
	}
	defer ch.Close()
	closes := ch.NotifyClose(make(chan *amqp091.Error, 1))
	deliveries, tag, err := c.consume(ch, q)
	if err != nil {
		return err
	}
	done := c.work(ctx, q, deliveries, deliver)
	select {
	case <-ctx.Done():
		// Cancelling lets the deliveries still being handled be
		// acknowledged on the open channel; the broker then closes the
		// deliveries, which ends the workers.
		if err := ch.Cancel(tag, false); err != nil {
			_ = ch.Close()
		}
		<-done
		return nil
	case <-done:
		return c.stopped(ctx, q, closes)
	}
}

// consume prepares the queue and starts consuming it.
func (c *conn) consume(ch *amqp091.Channel, q queueInput) (<-chan amqp091.Delivery, string, error) {
	what := fmt.Sprintf("could not read the queue '%s'", q.queue)
	if q.declare {
		if _, err := ch.QueueDeclare(q.queue, true, false, false, false, nil); err != nil {
			return nil, "", c.brokerError(what, err)
		}
	}
	if q.exchange != "" {
		if err := ch.QueueBind(q.queue, q.bindingKey, q.exchange, false, nil); err != nil {
			return nil, "", c.brokerError(fmt.Sprintf("could not bind the queue '%s' to %s", q.queue, exchangeName(q.exchange)), err)
		}
	}
	if err := ch.Qos(q.prefetch, 0, false); err != nil {
		return nil, "", c.brokerError(what, err)
	}
	tag := "bistro-" + uuid.NewString()
	deliveries, err := ch.Consume(q.queue, tag, false, false, false, false, nil)
	if err != nil {
		if isNotFound(err) && !q.declare {
			return nil, "", connector.Permanent(fmt.Errorf("%s on %s: there is no such queue; create it, or set 'declare: true'", what, c.where))
		}
		return nil, "", c.brokerError(what, err)
	}
	return deliveries, tag, nil
}

func isNotFound(err error) bool {
	var ae *amqp091.Error
	return errors.As(err, &ae) && ae.Code == amqp091.NotFound
}

// work hands deliveries to prefetch workers; done closes once the
// deliveries ended and every worker finished.
func (c *conn) work(ctx context.Context, q queueInput, deliveries <-chan amqp091.Delivery, deliver connector.Deliver) <-chan struct{} {
	var wg sync.WaitGroup
	for range q.prefetch {
		wg.Go(func() {
			for d := range deliveries {
				c.handle(ctx, q.queue, d, deliver)
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// handle delivers one message and then acknowledges it, or hands it back.
func (c *conn) handle(ctx context.Context, queue string, d amqp091.Delivery, deliver connector.Deliver) {
	if ctx.Err() != nil {
		_ = d.Nack(false, true)
		return
	}
	// The message id, when the publisher set one, is what keeps a message
	// delivered again from running twice. Delivery tags are no such id:
	// they start again at 1 on every channel.
	err := deliver(ctx, connector.Message{ID: d.MessageId, Record: incoming(queue, d)})
	if err != nil {
		c.log.Warn("a message could not be handed over; it goes back to the queue", "queue", queue, "message_id", d.MessageId, "error", err)
		if nackErr := d.Nack(false, true); nackErr != nil {
			c.log.Warn("could not hand a message back; the broker will deliver it again when the channel closes", "queue", queue, "error", nackErr)
		}
		return
	}
	if err := d.Ack(false); err != nil {
		c.log.Warn("could not acknowledge a message; the broker will deliver it again", "queue", queue, "message_id", d.MessageId, "error", err)
	}
}

// stopped explains why the deliveries ended although ctx did not.
func (c *conn) stopped(ctx context.Context, q queueInput, closes <-chan *amqp091.Error) error {
	if ctx.Err() != nil {
		return nil
	}
	select {
	case e, ok := <-closes:
		if ok && e != nil {
			return fmt.Errorf("stopped reading the queue '%s' on %s: %s: %w", q.queue, c.where, reason(e), connector.ErrNotConnected)
		}
	default:
	}
	if c.amqp.IsClosed() {
		return fmt.Errorf("stopped reading the queue '%s': lost the connection to %s: %w", q.queue, c.where, connector.ErrNotConnected)
	}
	return fmt.Errorf("stopped reading the queue '%s' on %s: the broker ended the delivery (was the queue deleted?): %w", q.queue, c.where, connector.ErrNotConnected)
}
