// Package amqp is the RabbitMQ connector: it publishes messages with
// publisher confirms and starts runs from the messages of a queue, over AMQP
// 0.9.1 (so it also speaks to brokers compatible with RabbitMQ, such as
// LavinMQ).
package amqp

import (
	"context"

	"github.com/bistro-dev/bistro/connector"
)

// New returns the RabbitMQ connector.
func New() connector.Connector { return rabbit{} }

type rabbit struct{}

// Spec describes the connector.
func (rabbit) Spec() connector.Spec {
	return connector.Spec{
		Name:        "rabbitmq",
		Title:       "RabbitMQ",
		Version:     "1.0.0",
		Category:    "messaging",
		Description: "Publish messages to RabbitMQ (or another AMQP 0.9.1 broker) and start runs from the messages of a queue.",
		Config:      config(),
		Actions:     []connector.Action{publishAction()},
		Triggers:    []connector.Trigger{queueTrigger()},
		Endpoints: []connector.Endpoint{
			{Field: "url", Format: connector.URLEndpoint, DefaultPort: 5672},
			{Field: "host", Format: connector.HostEndpoint, DefaultPort: 5672},
		},
	}
}

// Open connects and logs in.
func (rabbit) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	s, err := readSettings(config)
	if err != nil {
		return nil, err
	}
	return open(ctx, s, env)
}

func config() []connector.Field {
	return []connector.Field{
		{Name: "url", Type: connector.String, Example: "amqps://rabbit.example.com/orders", Help: "The broker's address as an AMQP URL: amqp://, or amqps:// for TLS, with the virtual host as its path. Give either url or host. Put the password in password, not in the URL."},
		{Name: "host", Type: connector.String, Example: "rabbit.internal", Help: "The broker's host name or IP address, when url is not given."},
		{Name: "port", Type: connector.Int, Example: 5672, Help: "The broker's port, with host: 5672 by default, 5671 with tls."},
		{Name: "vhost", Type: connector.String, Default: "/", Help: "The virtual host, with host (with url, the URL's path is the virtual host)."},
		{Name: "user", Type: connector.String, Example: "bistro", Help: "The user to log in as; guest when none is given here or in url."},
		{Name: "password", Type: connector.String, Secret: true, Help: "The user's password."},
		{Name: "tls", Type: connector.Bool, Default: false, Help: "Connect with TLS, checking the broker's certificate (an amqps:// url always does)."},
		{Name: "timeout", Type: connector.Duration, Default: "30s", Help: "How long connecting and logging in may take."},
	}
}

func publishAction() connector.Action {
	return connector.Action{
		Name:        "publish",
		Title:       "Publish a message",
		Description: "Publishes one message per record to an exchange and waits until the broker confirms it has taken the message (publisher confirms). The message id is the step's idempotency key unless message_id is given, so a consumer can recognise a message sent again by a retried step. Note that RabbitMQ drops a message its exchange routes to no queue.",
		Input: []connector.Field{
			{Name: "exchange", Type: connector.String, Example: "orders", Help: "The exchange to publish to; empty for the default exchange, which delivers to the queue named by routing_key."},
			{Name: "routing_key", Type: connector.String, Example: "orders.created", Help: "The routing key, a template; with the default exchange, the name of the queue."},
			{Name: "data", Type: connector.Any, Example: "{{ record }}", Help: "The message body: text is sent as it is, anything else as JSON. Without it, the record is sent as JSON."},
			{Name: "headers", Type: connector.Object, Help: "Message headers: names with text, numbers, true/false, lists or objects."},
			{Name: "persistent", Type: connector.Bool, Default: true, Help: "Ask the broker to keep the message on disk, so that it survives a restart of the broker (on a durable queue)."},
			{Name: "content_type", Type: connector.String, Example: "application/xml", Help: "The message's content type; by default application/json for JSON and text/plain for text."},
			{Name: "message_id", Type: connector.String, Help: "The message's id, a template; by default the step's idempotency key, the same when the step is retried for the record."},
			{Name: "timeout", Type: connector.Duration, Default: "30s", Help: "How long to wait for the broker to confirm the message."},
		},
		Output:      "One record per message, as sent: exchange, routing_key, message_id, headers and data.",
		SideEffects: true,
	}
}

func queueTrigger() connector.Trigger {
	return connector.Trigger{
		Name:        "queue",
		Kind:        connector.Push,
		Title:       "New message in a queue",
		Description: "Starts a run for each message of a queue. A message is acknowledged only once its run is safely recorded; if that fails, the message goes back to the queue and is delivered again.",
		Input: []connector.Field{
			{Name: "queue", Type: connector.String, Required: true, Example: "orders", Help: "The queue to read."},
			{Name: "declare", Type: connector.Bool, Default: false, Help: "Create the queue (durable) when it does not exist yet."},
			{Name: "bind", Type: connector.Object, Help: "Binds the queue to an exchange before reading, so that the exchange's messages reach it.", Fields: []connector.Field{
				{Name: "exchange", Type: connector.String, Required: true, Example: "orders", Help: "The exchange to bind to; it must exist."},
				{Name: "routing_key", Type: connector.String, Example: "orders.*", Help: "The routing key or pattern (# matches everything on a topic exchange)."},
			}},
			{Name: "prefetch", Type: connector.Int, Default: 10, Help: "How many messages the broker hands over before they are acknowledged (at most 1000); that many are handled at the same time."},
		},
		Output: "One record per message: queue, exchange, routing_key, message_id, redelivered (true when the message was delivered before), headers, and data (decoded when it is JSON, text otherwise, {base64, content_type} when binary).",
	}
}
