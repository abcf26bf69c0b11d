// Package chat is the team chat connector: it posts messages to a channel
// through an incoming webhook of Slack (or a Slack-compatible chat such as
// Mattermost or Rocket.Chat) or of Microsoft Teams.
//
// One connector serves both, because a flow's step is the same ("tell the
// team") whichever chat the team uses: the connection says which service
// the webhook belongs to, and changing chat means changing the connection,
// not the flows.
package chat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

// The services a webhook can belong to.
const (
	slack = "slack"
	teams = "teams"
)

// The payloads a Teams webhook can take.
const (
	adaptiveCard = "adaptive_card"
	messageCard  = "message_card"
)

// New returns the team chat connector.
func New() connector.Connector { return chat{} }

type chat struct{}

// Spec describes the connector.
func (chat) Spec() connector.Spec {
	return connector.Spec{
		Name:        "chat",
		Title:       "Team chat (Slack, Microsoft Teams)",
		Version:     "1.0.0",
		Category:    "messaging",
		Description: "Post messages to a Slack or Microsoft Teams channel (or a Slack-compatible chat such as Mattermost) through its incoming webhook.",
		Config: []connector.Field{
			{Name: "service", Type: connector.Enum, Enum: []string{slack, teams}, Required: true, Help: "The chat the webhook belongs to: slack (also for Slack-compatible webhooks: Mattermost, Rocket.Chat) or teams."},
			{Name: "webhook_url", Type: connector.String, Required: true, Secret: true, Help: "The incoming webhook's address, as the chat gave it. Keep it secret: anyone who has it can post to the channel."},
			{Name: "teams_format", Type: connector.Enum, Enum: []string{adaptiveCard, messageCard}, Default: adaptiveCard, Help: "With teams: adaptive_card for webhooks made with the Workflows app (today's way), message_card for the older Office 365 connector webhooks."},
			{Name: "timeout", Type: connector.Duration, Default: "30s", Help: "How long posting one message may take."},
		},
		Actions:   []connector.Action{sendAction()},
		Endpoints: []connector.Endpoint{{Field: "webhook_url", Format: connector.URLEndpoint}},
	}
}

func sendAction() connector.Action {
	return connector.Action{
		Name:        "send",
		Title:       "Post a message",
		Description: "Posts one message per record to the webhook's channel. A message refused because too many were sent is tried again after the wait the chat asks for; a message the chat rejects is not.",
		Input: []connector.Field{
			{Name: "text", Type: connector.Text, Example: "New lead: {{ record.name }} <{{ record.email }}>", Help: "The message, a template. Slack reads its own markup (mrkdwn), Teams reads Markdown."},
			{Name: "title", Type: connector.String, Example: "Disk almost full", Help: "A heading above the text."},
			{Name: "blocks", Type: connector.List, Items: &connector.Field{Type: connector.Any, Help: "A Block Kit block."}, Help: "With slack: Block Kit blocks, sent as they are; text is then what notifications show."},
			{Name: "card", Type: connector.Object, Help: "With teams: fields of the card, sent as they are (for an Adaptive Card its body, actions, msteams...; for a message card its themeColor, sections, potentialAction...). The title and text come first in the card."},
			{Name: "payload", Type: connector.Object, Help: "The whole JSON body to post, as it is, instead of one made of text, title, blocks and card: for what those do not cover."},
		},
		Output:      "The incoming record, unchanged, once the message is posted.",
		SideEffects: true,
	}
}

// conn posts to one webhook.
type conn struct {
	service string
	format  string
	webhook *url.URL
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
}

// Open checks the settings; nothing is sent until a message is.
func (chat) Open(_ context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	c := &conn{service: text(config, "service"), format: text(config, "teams_format"), timeout: 30 * time.Second, now: time.Now}
	if c.service != slack && c.service != teams {
		return nil, connector.Permanent(fmt.Errorf("the setting 'service' must be slack or teams"))
	}
	if c.format == "" {
		c.format = adaptiveCard
	}
	u, err := url.Parse(text(config, "webhook_url"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Not quoted: the address is a secret.
		return nil, connector.Permanent(fmt.Errorf("the setting 'webhook_url' is not a web address starting with https://; copy it again from %s", c.serviceName()))
	}
	c.webhook = u
	if d, ok := config["timeout"].(string); ok && d != "" {
		if c.timeout, err = time.ParseDuration(d); err != nil || c.timeout <= 0 {
			return nil, connector.Permanent(fmt.Errorf("the setting 'timeout' must be a length of time such as 30s, not %q", d))
		}
	}
	if env.HTTP == nil {
		return nil, connector.Permanent(fmt.Errorf("no HTTP client was given to the chat connection"))
	}
	client := *env.HTTP
	// A redirect would carry the webhook's address to another host in
	// the Referer header; webhooks do not redirect, so none is followed.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.client = &client
	return c, nil
}

// Close has nothing to release.
func (c *conn) Close() error { return nil }

func (c *conn) serviceName() string {
	if c.service == teams {
		return "Microsoft Teams"
	}
	return "Slack"
}

func text(m map[string]any, name string) string {
	s, _ := m[name].(string)
	return s
}
