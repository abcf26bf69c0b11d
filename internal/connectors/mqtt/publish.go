package mqtt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/eclipse/paho.golang/paho"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/payload"
)

// Do runs one action.
func (c *conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	if req.Action != "publish" {
		return connector.Permanent(fmt.Errorf("MQTT has no action '%s'; the action is publish", req.Action))
	}
	p, err := publishPacket(req)
	if err != nil {
		return connector.Permanent(err)
	}
	select {
	case <-c.client.Done():
		return c.lost()
	default:
	}
	if resp, err := c.client.Publish(ctx, p); err != nil {
		return c.publishError(p.Topic, resp, err)
	}
	out := messageRecord(p)
	out["qos"] = int(p.QoS)
	out["retain"] = p.Retain
	return emit(out)
}

// publishPacket builds the message a step sends.
func publishPacket(req connector.Request) (*paho.Publish, error) {
	topic := text(req.Input, "topic")
	if err := checkTopic(topic); err != nil {
		return nil, err
	}
	qos, ok := whole(req.Input["qos"], 1)
	if !ok || (qos != 0 && qos != 1) {
		return nil, fmt.Errorf("'qos' must be 0 or 1, not %v", req.Input["qos"])
	}
	retain, _ := req.Input["retain"].(bool)
	body, err := payload.Encode(req.Input["data"], req.Record)
	if err != nil {
		return nil, err
	}
	props, err := headersIn(req.Input["headers"])
	if err != nil {
		return nil, err
	}
	return &paho.Publish{Topic: topic, QoS: byte(qos), Retain: retain, Payload: body, Properties: &paho.PublishProperties{User: props}}, nil
}

// checkTopic refuses what a broker would answer by closing the connection.
func checkTopic(topic string) error {
	switch {
	case topic == "":
		return errors.New("'topic' is required: the topic to send to")
	case strings.ContainsAny(topic, "+#"):
		return fmt.Errorf("cannot send to '%s': + and # are for listening, a message goes to one topic", topic)
	case strings.ContainsRune(topic, 0):
		return fmt.Errorf("the topic '%s' holds a NUL character", topic)
	}
	return nil
}

// checkFilter refuses a topic filter the broker would refuse.
func checkFilter(filter string) error {
	if filter == "" {
		return errors.New("'topic' is required: the topic filter to listen to")
	}
	levels := strings.Split(filter, "/")
	for i, level := range levels {
		switch {
		case strings.Contains(level, "#") && (level != "#" || i != len(levels)-1):
			return fmt.Errorf("the topic filter '%s' is not valid: # must be a whole level, the last one (shop/#)", filter)
		case strings.Contains(level, "+") && level != "+":
			return fmt.Errorf("the topic filter '%s' is not valid: + must be a whole level (shop/+/orders)", filter)
		}
	}
	return nil
}

// whole reads a whole number of any numeric kind; def when missing.
func whole(v any, def int) (int, bool) {
	var f float64
	switch n := v.(type) {
	case nil:
		return def, true
	case int:
		return n, true
	case int64:
		f = float64(n)
	case float64:
		f = n
	case interface{ Float64() (float64, error) }: // json.Number
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// publishError words a failed publish; resp holds the broker's reason
// when it refused the message.
func (c *conn) publishError(topic string, resp *paho.PublishResponse, err error) error {
	select {
	case <-c.client.Done():
		return c.lost()
	default:
	}
	if resp != nil {
		switch resp.ReasonCode {
		case 0x87:
			return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not allow this user to publish on '%s'", c.broker, topic))
		case 0x90:
			return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not accept the topic '%s'", c.broker, topic))
		case 0x97:
			return connector.Retryable(fmt.Errorf("the MQTT broker at %s refused the message on '%s': a quota is exceeded", c.broker, topic), 0)
		}
		return fmt.Errorf("the MQTT broker at %s refused the message on '%s' (reason %#x)", c.broker, topic, resp.ReasonCode)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return connector.Retryable(fmt.Errorf("the MQTT broker at %s did not confirm the message on '%s' in time", c.broker, topic), 0)
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, paho.ErrInvalidArguments):
		return connector.Permanent(fmt.Errorf("the MQTT broker at %s does not accept this message on '%s': %w", c.broker, topic, err))
	}
	return fmt.Errorf("could not send the message on '%s' to the MQTT broker at %s: %w", topic, c.broker, c.scrub.Error(err))
}
