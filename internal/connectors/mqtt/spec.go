// Package mqtt is the MQTT connector (MQTT 5): publish messages and start
// runs from the messages of a topic filter.
package mqtt

import "github.com/bistro-dev/bistro/connector"

// New returns the MQTT connector.
func New() connector.Connector { return mqttConnector{} }

type mqttConnector struct{}

// Spec describes the connector.
func (mqttConnector) Spec() connector.Spec {
	return connector.Spec{
		Name:        "mqtt",
		Title:       "MQTT",
		Version:     "1.0.0",
		Category:    "messaging",
		Description: "Send and receive MQTT messages (MQTT 5, e.g. Mosquitto, EMQX, HiveMQ): publish to a topic, and start a run for every message on a topic filter.",
		Config: []connector.Field{
			{Name: "broker", Type: connector.String, Required: true, Example: "mqtt.example.com:1883", Help: "The broker's address, host:port; without a port, 1883 (8883 with tls)."},
			{Name: "client_id", Type: connector.String, Help: "The client id Bistro publishes with; a random one when empty. A broker lets one connection at a time use a client id."},
			{Name: "username", Type: connector.String, Help: "The user name, when the broker asks for one."},
			{Name: "password", Type: connector.String, Secret: true, Help: "The password of username."},
			{Name: "tls", Type: connector.Bool, Default: false, Help: "Connect with TLS; the broker's certificate is checked."},
			{Name: "connect_timeout", Type: connector.Duration, Default: "10s", Help: "How long connecting to the broker may take."},
		},
		Actions:   []connector.Action{publishAction()},
		Triggers:  []connector.Trigger{topicTrigger()},
		Endpoints: []connector.Endpoint{{Field: "broker", Format: connector.HostEndpoint, DefaultPort: 1883}},
	}
}

func publishAction() connector.Action {
	text := connector.Field{Type: connector.String, Help: "A value, a template."}
	return connector.Action{
		Name:        "publish",
		Title:       "Publish a message",
		Description: "Sends one message per record to a topic. With qos 1 the step waits until the broker confirms it has the message; with qos 0 nothing is confirmed.",
		Input: []connector.Field{
			{Name: "topic", Type: connector.String, Required: true, Example: "shop/orders/{{ record.id }}", Help: "The topic to send to, a template; no + or # wildcards."},
			{Name: "data", Type: connector.Any, Example: "{{ record.order }}", Help: "What to send: text is sent as it is, anything else as JSON. By default the whole record, as JSON."},
			{Name: "headers", Type: connector.Object, Items: &text, Help: "MQTT user properties sent with the message; values are templates."},
			{Name: "qos", Type: connector.Int, Default: 1, Help: "0: sent once, not confirmed; 1: the broker confirms it has the message (it may arrive twice)."},
			{Name: "retain", Type: connector.Bool, Default: false, Help: "Keep the message on the broker as the topic's last message, sent to every new subscriber."},
		},
		Output:      "One record per message sent: topic, data (JSON decoded), headers, qos and retain.",
		SideEffects: true,
	}
}

func topicTrigger() connector.Trigger {
	return connector.Trigger{
		Name:        "topic",
		Kind:        connector.Push,
		Title:       "New message on a topic",
		Description: "Starts a run for every message on a topic filter, subscribed with QoS 1. A message is acknowledged to the broker only once its run is accepted; otherwise Bistro reconnects and the broker sends it again. With a fixed client_id the broker also keeps the messages that arrive while Bistro is stopped.",
		Input: []connector.Field{
			{Name: "topic", Type: connector.String, Required: true, Example: "shop/orders/#", Help: "The topic filter: + matches one level, # the rest; $share/GROUP/filter shares the messages among the listeners of GROUP."},
			{Name: "client_id", Type: connector.String, Example: "bistro-orders", Help: "A fixed client id for this trigger, used by nothing else: the broker keeps the trigger's messages while Bistro is away (up to session_expiry). By default a random id, and messages sent while Bistro is not connected are lost."},
			{Name: "session_expiry", Type: connector.Duration, Default: "1h", Help: "With a fixed client_id: how long the broker keeps messages for the trigger while Bistro is away."},
			{Name: "redeliver_after", Type: connector.Duration, Default: "5s", Help: "How long to wait before reconnecting when a message's run could not be started (the broker then sends it again) or the connection dropped."},
		},
		Output: "One record per message: topic, data (JSON decoded when the message is JSON, otherwise text; {base64} for bytes that are not text) and headers (the MQTT user properties).",
	}
}
