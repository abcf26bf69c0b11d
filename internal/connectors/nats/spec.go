// Package nats is the NATS connector: publish messages, ask services over
// request-reply, store messages in JetStream, and start runs from a
// subject or a JetStream consumer.
package nats

import (
	"fmt"

	"github.com/bistro-dev/bistro/connector"
)

// New returns the NATS connector.
func New() connector.Connector { return natsConnector{} }

type natsConnector struct{}

// Spec describes the connector.
func (natsConnector) Spec() connector.Spec {
	return connector.Spec{
		Name:        "nats",
		Title:       "NATS",
		Version:     "1.1.0",
		Category:    "messaging",
		Description: "Send and receive NATS messages: publish, ask a service and wait for its reply, store messages in JetStream, and start a run for every message on a subject or in a JetStream stream.",
		Config:      configFields(),
		Actions:     []connector.Action{publishAction(), requestAction(), jetstreamPublishAction()},
		Triggers:    []connector.Trigger{subjectTrigger(), consumerTrigger()},
		Endpoints:   []connector.Endpoint{{Field: "url", Format: connector.URLEndpoint, DefaultPort: 4222}},
	}
}

func configFields() []connector.Field {
	return []connector.Field{
		{Name: "url", Type: connector.String, Required: true, Example: "nats://nats.example.com:4222", Help: "The server's address, nats://host:port (tls://host:port to require TLS); for a cluster, several addresses separated by commas."},
		{Name: "user", Type: connector.String, Help: "The user name, when the server asks for a user name and password."},
		{Name: "password", Type: connector.String, Secret: true, Help: "The password of user."},
		{Name: "token", Type: connector.String, Secret: true, Help: "A token, when the server uses token authentication instead of a user name."},
		{Name: "creds", Type: connector.Text, Secret: true, Help: "The contents of a NATS credentials file (.creds, holding a user JWT and its NKey seed), when the server uses accounts with JWTs. Give one of user and password, token or creds."},
		{Name: "name", Type: connector.String, Default: "bistro", Help: "The name this connection shows in the server's monitoring."},
		{Name: "connect_timeout", Type: connector.Duration, Default: "10s", Help: "How long connecting to the server may take."},
	}
}

// messageFields are the inputs shared by the actions that send a message.
func messageFields() []connector.Field {
	text := connector.Field{Type: connector.String, Help: "A header value, a template."}
	return []connector.Field{
		{Name: "subject", Type: connector.String, Required: true, Example: "orders.created", Help: "The subject to send to, a template."},
		{Name: "data", Type: connector.Any, Example: "{{ record.order }}", Help: "What to send: text is sent as it is, anything else as JSON. By default the whole record, as JSON."},
		{Name: "headers", Type: connector.Object, Items: &text, Help: "Message headers; values are templates."},
	}
}

const sentOutput = "One record per message sent: subject, data (JSON decoded) and headers."

func publishAction() connector.Action {
	return connector.Action{
		Name:        "publish",
		Title:       "Publish a message",
		Description: "Sends one message per record to a subject. Core NATS does not confirm delivery: a message nobody listens to is dropped, so use jetstream_publish for messages that must be kept.",
		Input:       messageFields(),
		Output:      sentOutput,
		SideEffects: true,
	}
}

func requestAction() connector.Action {
	in := append(messageFields(),
		connector.Field{Name: "timeout", Type: connector.Duration, Default: "5s", Help: "How long to wait for the reply."},
		connector.Field{Name: "into", Type: connector.String, Example: "reply", Help: "When set, the incoming record is kept and the reply put in this field."},
	)
	return connector.Action{
		Name:        "request",
		Title:       "Ask a service and wait for its reply",
		Description: "Sends one request per record to a subject and waits for the first reply (NATS request-reply). Fails when no service listens on the subject or none replies in time.",
		Input:       in,
		Output:      "One record per reply: subject, data (JSON decoded) and headers; with into, the incoming record with the reply added.",
		SideEffects: true,
	}
}

func jetstreamPublishAction() connector.Action {
	in := append(messageFields(),
		connector.Field{Name: "timeout", Type: connector.Duration, Default: "5s", Help: "How long to wait for JetStream to confirm that it stored the message."},
	)
	return connector.Action{
		Name:        "jetstream_publish",
		Title:       "Store a message in JetStream",
		Description: "Sends one message per record to a subject a JetStream stream stores, and waits until the stream confirms it. A retried step sends the same message id (Nats-Msg-Id), so the stream keeps the message once (within the stream's duplicate window, 2 minutes by default).",
		Input:       in,
		Output:      "One record per message stored: subject, data, headers, the stream that stored it, its sequence number in the stream, and duplicate (true when the stream already had it).",
		SideEffects: true,
		Idempotent:  true,
	}
}

const receivedOutput = "One record per message: subject, data (JSON decoded when the message is JSON, otherwise text; {base64} for bytes that are not text) and headers."

func subjectTrigger() connector.Trigger {
	return connector.Trigger{
		Name:        "subject",
		Kind:        connector.Push,
		Title:       "New message on a subject",
		Description: "Starts a run for every message on a subject (core NATS). At most once: messages sent while Bistro is not listening are lost, and a message whose run could not be started is not sent again. Use the consumer trigger for messages that must not be lost.",
		Input: []connector.Field{
			{Name: "subject", Type: connector.String, Required: true, Example: "orders.>", Help: "The subject to listen to; * matches one token, > the rest."},
			{Name: "queue", Type: connector.String, Example: "bistro-orders", Help: "A queue group: listeners in the same group share the messages, each message going to one of them."},
		},
		Output: receivedOutput,
	}
}

func consumerTrigger() connector.Trigger {
	return connector.Trigger{
		Name:        "consumer",
		Kind:        connector.Push,
		Title:       "New message in a JetStream stream",
		Description: "Starts a run for every message of a durable JetStream consumer. A message is acknowledged only once its run is accepted; otherwise JetStream delivers it again, so messages are not lost while Bistro is stopped or failing. Several messages are handed over at once (see concurrency), so their runs may start in a different order than the messages are in the stream; set concurrency to 1 to keep the order.",
		Input: []connector.Field{
			{Name: "stream", Type: connector.String, Required: true, Example: "ORDERS", Help: "The stream to read."},
			{Name: "consumer", Type: connector.String, Required: true, Example: "bistro-orders", Help: "The name of the durable consumer, which remembers what was acknowledged."},
			{Name: "create", Type: connector.Bool, Default: false, Help: "Create the stream (with subjects) and the consumer when they do not exist."},
			{Name: "subjects", Type: connector.List, Items: &connector.Field{Type: connector.String, Help: "A subject, wildcards allowed."}, Example: []any{"orders.>"}, Help: "The subjects a created stream stores; needed when create makes the stream."},
			{Name: "filter_subject", Type: connector.String, Help: "When creating the consumer: only messages on this subject (wildcards allowed)."},
			{Name: "deliver", Type: connector.Enum, Enum: []string{"all", "new"}, Default: "all", Help: "When creating the consumer: start from the stream's first message (all) or from messages arriving from now on (new)."},
			{Name: "ack_wait", Type: connector.Duration, Default: "30s", Help: "When creating the consumer: how long JetStream waits for a message's acknowledgement before delivering it again."},
			{Name: "redeliver_after", Type: connector.Duration, Default: "5s", Help: "How long JetStream waits before delivering again a message whose run could not be started."},
			{Name: "concurrency", Type: connector.Int, Default: defaultConcurrency, Since: "1.1.0", Help: fmt.Sprintf("How many messages are handed over at the same time (1 to %d); more lets their runs be stored together, which is faster. With 1 they are handed over one by one, in the stream's order.", prefetch)},
		},
		Output: receivedOutput,
	}
}
