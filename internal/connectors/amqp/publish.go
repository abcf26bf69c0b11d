package amqp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/bistro-dev/bistro/connector"
)

// publisher is a channel in confirm mode. The broker closes a channel on
// some errors (an exchange that does not exist); the close's reason is kept
// to explain the publishes that were waiting on it.
type publisher struct {
	ch     *amqp091.Channel
	closes chan *amqp091.Error

	mu     sync.Mutex
	reason *amqp091.Error
}

// closeReason is why the channel closed, or nil while it is open.
func (p *publisher) closeReason() *amqp091.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reason == nil {
		select {
		case e := <-p.closes:
			p.reason = e
		default:
		}
	}
	return p.reason
}

// publisher returns the open publishing channel, opening a new one when
// there is none or it closed.
func (c *conn) publisher() (*publisher, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pub != nil && !c.pub.ch.IsClosed() {
		return c.pub, nil
	}
	ch, err := c.amqp.Channel()
	if err != nil {
		return nil, c.lost(err)
	}
	p := &publisher{ch: ch, closes: ch.NotifyClose(make(chan *amqp091.Error, 1))}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, c.brokerError("could not turn on publisher confirms", err)
	}
	c.pub = p
	return p, nil
}

// outgoing is a message ready to publish.
type outgoing struct {
	exchange, key string
	msg           amqp091.Publishing
	data          any
	headers       map[string]any
	timeout       time.Duration
}

func (c *conn) publish(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	out, err := outgoingMessage(req)
	if err != nil {
		return err
	}
	if err := c.send(ctx, out); err != nil {
		return err
	}
	return emit(map[string]any{
		"exchange":    out.exchange,
		"routing_key": out.key,
		"message_id":  out.msg.MessageId,
		"headers":     out.headers,
		"data":        out.data,
	})
}

// send publishes and waits for the broker's confirm.
func (c *conn) send(ctx context.Context, out outgoing) error {
	what := fmt.Sprintf("could not publish to %s", exchangeName(out.exchange))
	p, err := c.publisher()
	if err != nil {
		return err
	}
	confirm, err := p.ch.PublishWithDeferredConfirmWithContext(ctx, out.exchange, out.key, false, false, out.msg)
	if err != nil {
		return c.brokerError(what, err)
	}
	wait, cancel := context.WithTimeout(ctx, out.timeout)
	defer cancel()
	acked, err := confirm.WaitContext(wait)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return connector.Retryable(fmt.Errorf("%s: %s did not confirm the message within %s", what, c.where, out.timeout), 0)
	case acked:
		return nil
	}
	if why := p.closeReason(); why != nil {
		return c.brokerError(what, why)
	}
	return connector.Retryable(fmt.Errorf("%s: %s refused the message (a negative confirm: a full queue or a problem on the broker)", what, c.where), 0)
}

func exchangeName(name string) string {
	if name == "" {
		return "the default exchange"
	}
	return "exchange '" + name + "'"
}

// outgoingMessage builds the message from the step's settings.
func outgoingMessage(req connector.Request) (outgoing, error) {
	in := req.Input
	out := outgoing{exchange: text(in, "exchange", ""), key: text(in, "routing_key", "")}
	timeout, err := duration(in, "timeout", 30*time.Second)
	if err != nil {
		return out, err
	}
	out.timeout = timeout
	out.data = in["data"]
	if out.data == nil {
		out.data = req.Record
	}
	body, contentType, err := encodeBody(out.data)
	if err != nil {
		return out, err
	}
	headers, err := table(in["headers"])
	if err != nil {
		return out, err
	}
	out.headers, _ = in["headers"].(map[string]any)
	out.msg = amqp091.Publishing{
		Headers:      headers,
		ContentType:  text(in, "content_type", contentType),
		DeliveryMode: deliveryMode(in["persistent"]),
		MessageId:    messageID(in, req.Key),
		Timestamp:    time.Now().UTC(),
		Body:         body,
	}
	return out, nil
}

// encodeBody sends text as it is and anything else as JSON.
func encodeBody(data any) ([]byte, string, error) {
	if s, ok := data.(string); ok {
		return []byte(s), "text/plain", nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, "", connector.Permanent(fmt.Errorf("'data' cannot be written as JSON: %v", err))
	}
	return b, "application/json", nil
}

func deliveryMode(persistent any) uint8 {
	if persistent == false {
		return amqp091.Transient
	}
	return amqp091.Persistent
}

func messageID(in map[string]any, key string) string {
	if id := text(in, "message_id", ""); id != "" {
		return id
	}
	if key != "" {
		return key
	}
	return uuid.NewString()
}
