package nats

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/payload"
)

// Do runs one action.
func (c *conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	msg, err := message(req)
	if err != nil {
		return connector.Permanent(err)
	}
	switch req.Action {
	case "publish":
		return c.publish(msg, emit)
	case "request":
		return c.request(ctx, req, msg, emit)
	case "jetstream_publish":
		return c.jetstreamPublish(ctx, req, msg, emit)
	}
	return connector.Permanent(fmt.Errorf("NATS has no action '%s'; the actions are publish, request and jetstream_publish", req.Action))
}

// message builds the message an action sends.
func message(req connector.Request) (*natsio.Msg, error) {
	subject := text(req.Input, "subject")
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	data, err := payload.Encode(req.Input["data"], req.Record)
	if err != nil {
		return nil, err
	}
	h, err := headersIn(req.Input["headers"])
	if err != nil {
		return nil, err
	}
	return &natsio.Msg{Subject: subject, Data: data, Header: h}, nil
}

func (c *conn) publish(msg *natsio.Msg, emit func(map[string]any) error) error {
	if err := c.nc.PublishMsg(msg); err != nil {
		return c.sendError(msg.Subject, err)
	}
	return emit(messageRecord(msg))
}

func (c *conn) request(ctx context.Context, req connector.Request, msg *natsio.Msg, emit func(map[string]any) error) error {
	timeout, err := duration(req.Input, "timeout", 5*time.Second)
	if err != nil {
		return connector.Permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	reply, err := c.nc.RequestMsgWithContext(ctx, msg)
	switch {
	case errors.Is(err, natsio.ErrNoResponders):
		return connector.Retryable(fmt.Errorf("no service listens on the subject '%s' at %s, so the request got no reply", msg.Subject, c.where), 0)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, natsio.ErrTimeout):
		return connector.Retryable(fmt.Errorf("no reply on the subject '%s' within %s", msg.Subject, timeout), 0)
	case err != nil:
		return c.sendError(msg.Subject, err)
	}
	out := messageRecord(reply)
	if into := text(req.Input, "into"); into != "" {
		rec := maps.Clone(req.Record)
		if rec == nil {
			rec = map[string]any{}
		}
		rec[into] = out
		out = rec
	}
	return emit(out)
}

func (c *conn) jetstreamPublish(ctx context.Context, req connector.Request, msg *natsio.Msg, emit func(map[string]any) error) error {
	timeout, err := duration(req.Input, "timeout", 5*time.Second)
	if err != nil {
		return connector.Permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var opts []jetstream.PublishOpt
	if req.Key != "" {
		opts = append(opts, jetstream.WithMsgID(req.Key))
	}
	ack, err := c.js.PublishMsg(ctx, msg, opts...)
	switch {
	case errors.Is(err, jetstream.ErrNoStreamResponse):
		return fmt.Errorf("no JetStream stream at %s stores the subject '%s': create a stream whose subjects include it", c.where, msg.Subject)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, natsio.ErrTimeout):
		return connector.Retryable(fmt.Errorf("JetStream did not confirm the message on '%s' within %s", msg.Subject, timeout), 0)
	case err != nil:
		return c.sendError(msg.Subject, err)
	}
	out := messageRecord(msg)
	out["stream"] = ack.Stream
	out["sequence"] = int(ack.Sequence)
	out["duplicate"] = ack.Duplicate
	return emit(out)
}

// checkSubject refuses what the server would silently drop: a message
// goes to one subject, without wildcards.
func checkSubject(subject string) error {
	if subject == "" {
		return errors.New("'subject' is required: the subject to send to")
	}
	for token := range strings.SplitSeq(subject, ".") {
		if token == "" || token == "*" || token == ">" || strings.ContainsAny(token, " \t\r\n") {
			return fmt.Errorf("'%s' is not a subject NATS accepts for sending: use names separated by dots, without spaces or the wildcards * and >", subject)
		}
	}
	return nil
}

// sendError words a failure to send on subject.
func (c *conn) sendError(subject string, err error) error {
	switch {
	case errors.Is(err, natsio.ErrBadSubject), errors.Is(err, natsio.ErrInvalidMsg):
		return connector.Permanent(fmt.Errorf("'%s' is not a subject NATS accepts for sending (no spaces; no * or > wildcards)", subject))
	case errors.Is(err, natsio.ErrMaxPayload):
		return connector.Permanent(fmt.Errorf("the message for '%s' is larger than the NATS server at %s accepts (%d bytes)", subject, c.where, c.nc.MaxPayload()))
	case errors.Is(err, natsio.ErrPermissionViolation):
		return connector.Permanent(fmt.Errorf("the NATS server at %s does not allow this user to send on '%s'", c.where, subject))
	}
	return c.lost(err)
}
