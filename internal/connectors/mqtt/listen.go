package mqtt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/bistro-dev/bistro/connector"
)

// topicInput are the settings of the topic trigger.
type topicInput struct {
	filter         string
	clientID       string
	fixed          bool   // clientID was given, so the session outlives Listen
	expiry         uint32 // seconds the broker keeps the session
	redeliverAfter time.Duration
}

// sessionGrace is how long the broker keeps the session of a random
// client id: long enough to reconnect after a failed delivery.
const sessionGrace = 5 * time.Minute

func readTopicInput(input map[string]any) (topicInput, error) {
	in := topicInput{filter: text(input, "topic"), clientID: text(input, "client_id")}
	if err := checkFilter(in.filter); err != nil {
		return in, err
	}
	in.fixed = in.clientID != ""
	if !in.fixed {
		in.clientID = randomID()
	}
	expiry, err := duration(input, "session_expiry", time.Hour)
	if err != nil {
		return in, err
	}
	if !in.fixed {
		expiry = sessionGrace
	}
	in.expiry = uint32(min(expiry.Seconds(), math.MaxUint32-1))
	in.redeliverAfter, err = duration(input, "redeliver_after", 5*time.Second)
	return in, err
}

// stopWait is how long Listen, at its end, waits for the message in hand
// to be delivered and acknowledged.
const stopWait = 10 * time.Second

// errAgain ends a session that should start again: a delivery failed, or
// the connection dropped.
var errAgain = errors.New("reconnect")

// Listen starts runs from the messages of a topic filter until ctx ends.
// A message is acknowledged once deliver accepted it. When deliver fails,
// the message and those after it are not acknowledged: Listen drops the
// connection and, after redeliver_after, resumes the session, and the
// broker sends them again.
func (c *conn) Listen(ctx context.Context, trigger string, input map[string]any, deliver connector.Deliver) error {
	if trigger != "topic" {
		return connector.Permanent(fmt.Errorf("MQTT has no trigger '%s'; the trigger is topic", trigger))
	}
	in, err := readTopicInput(input)
	if err != nil {
		return connector.Permanent(err)
	}
	for resumed := false; ; resumed = true {
		err := c.listenOnce(ctx, in, !in.fixed && !resumed, deliver)
		if ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, errAgain) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(in.redeliverAfter):
		}
	}
}

// listenOnce runs one connection of the trigger's session.
func (c *conn) listenOnce(ctx context.Context, in topicInput, clean bool, deliver connector.Deliver) error {
	gate := newGate()
	defer func() { _ = gate.Close() }()
	cl, err := c.connect(ctx, clientOptions{
		id: in.clientID, clean: clean, expiry: in.expiry, gate: gate,
		receive: c.receiver(ctx, gate, deliver),
	})
	if err != nil {
		return err
	}
	sub := &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: in.filter, QoS: 1, RetainHandling: 1}}}
	// Messages of a resumed session may arrive before the subscription is
	// confirmed, so every way out lets the message in hand finish first.
	if sa, err := cl.Subscribe(ctx, sub); err != nil {
		disconnect(cl, gate, in, ctx.Err() != nil)
		return c.subscribeError(in.filter, sa, err)
	}
	if c.subscribed != nil {
		c.subscribed("topic")
	}
	select {
	case <-ctx.Done():
		disconnect(cl, gate, in, true)
		return nil
	case <-gate.failed:
		disconnect(cl, gate, in, ctx.Err() != nil)
		return errAgain
	case <-cl.Done():
		if gate.reason.Load() == 0x8E { // session taken over
			return connector.Permanent(fmt.Errorf("another connection to the MQTT broker at %s uses the client id %q: give each trigger its own client_id", c.broker, in.clientID))
		}
		c.logger.Warn("lost the connection to the MQTT broker; reconnecting (if this keeps happening, check that no other client uses the same client id)",
			"broker", c.broker, "topic", in.filter, "client_id", in.clientID)
		return errAgain
	}
}

// disconnect ends a connection once the message in hand is acknowledged
// or held back; at the end of Listen, the session of a random client id
// ends with it, since nobody will resume it.
func disconnect(cl *client, gate *ackGate, in topicInput, final bool) {
	gate.stop(stopWait)
	d := &paho.Disconnect{}
	if final && !in.fixed {
		zero := uint32(0)
		d.Properties = &paho.DisconnectProperties{SessionExpiryInterval: &zero}
	}
	cl.disconnect(d)
}

// receiver hands each message to deliver. It runs in paho's delivery
// goroutine, one message at a time, so messages are delivered and
// acknowledged in the order they arrived, as MQTT requires.
func (c *conn) receiver(ctx context.Context, gate *ackGate, deliver connector.Deliver) func(paho.PublishReceived) (bool, error) {
	return func(pr paho.PublishReceived) (bool, error) {
		if !gate.begin() {
			return true, nil // held back: the broker sends it again
		}
		p := pr.Packet
		// No ID: MQTT messages have none (packet ids are reused), and an
		// id must never come back for another message.
		if err := deliver(ctx, connector.Message{Record: messageRecord(p)}); err != nil {
			gate.refuse()
			if ctx.Err() == nil {
				c.logger.Warn("a message could not start a run; the broker will send it again", "topic", p.Topic, "error", err)
			}
		}
		return true, nil
	}
}

// subscribeError words a refused subscription.
func (c *conn) subscribeError(filter string, sa *paho.Suback, err error) error {
	if sa != nil && len(sa.Reasons) > 0 {
		switch sa.Reasons[0] {
		case 0x87:
			return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not allow this user to listen to '%s'", c.broker, filter))
		case 0x8F:
			return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not accept the topic filter '%s'", c.broker, filter))
		case 0x9E:
			return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not support shared subscriptions ($share/...)", c.broker))
		}
		return fmt.Errorf("the MQTT broker at %s refused to subscribe to '%s' (reason %#x)", c.broker, filter, sa.Reasons[0])
	}
	return fmt.Errorf("could not subscribe to '%s' at the MQTT broker at %s: %w: %w", filter, c.broker, c.scrub.Error(err), connector.ErrNotConnected)
}
