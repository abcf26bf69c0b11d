package chat

import (
	"fmt"
	"maps"

	"github.com/bistro-dev/bistro/connector"
)

// message is what a step asks to post.
type message struct {
	text, title string
	blocks      []any
	card        map[string]any
	payload     map[string]any
}

func readMessage(in map[string]any) message {
	m := message{text: text(in, "text"), title: text(in, "title")}
	m.blocks, _ = in["blocks"].([]any)
	m.card, _ = in["card"].(map[string]any)
	m.payload, _ = in["payload"].(map[string]any)
	return m
}

// body is the JSON the webhook receives.
func (c *conn) body(m message) (map[string]any, error) {
	if m.payload != nil {
		return m.payload, nil
	}
	switch {
	case c.service == slack && m.text == "" && m.title == "" && len(m.blocks) == 0:
		return nil, connector.Permanent(fmt.Errorf("there is nothing to post: give 'text' (or 'blocks')"))
	case c.service == teams && m.text == "" && m.title == "" && m.card == nil:
		return nil, connector.Permanent(fmt.Errorf("there is nothing to post: give 'text' (or 'card')"))
	case c.service == slack:
		return slackBody(m), nil
	case c.format == messageCard:
		return messageCardBody(m), nil
	}
	return adaptiveCardBody(m), nil
}

// slackBody is an incoming webhook message: the text (its title in bold
// above it) and the blocks, if any; with blocks, the text is what
// notifications show.
func slackBody(m message) map[string]any {
	text := m.text
	if m.title != "" {
		text = "*" + m.title + "*"
		if m.text != "" {
			text += "\n" + m.text
		}
	}
	body := map[string]any{"text": text}
	if len(m.blocks) > 0 {
		body["blocks"] = m.blocks
	}
	return body
}

// adaptiveCardBody is a message with one Adaptive Card, the form webhooks
// made with the Teams Workflows app take.
func adaptiveCardBody(m message) map[string]any {
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
	}
	maps.Copy(card, m.card)
	var body []any
	if m.title != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": m.title, "weight": "Bolder", "size": "Medium", "wrap": true})
	}
	if m.text != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": m.text, "wrap": true})
	}
	if more, ok := m.card["body"].([]any); ok {
		body = append(body, more...)
	}
	card["body"] = body
	if body == nil {
		card["body"] = []any{}
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content":     card,
		}},
	}
}

// messageCardBody is a legacy MessageCard, the form Office 365 connector
// webhooks take. Its summary is required; it is what notifications show.
func messageCardBody(m message) map[string]any {
	card := map[string]any{
		"@type":    "MessageCard",
		"@context": "https://schema.org/extensions",
		"summary":  summary(m),
	}
	if m.title != "" {
		card["title"] = m.title
	}
	if m.text != "" {
		card["text"] = m.text
	}
	maps.Copy(card, m.card)
	return card
}

func summary(m message) string {
	s := m.title
	if s == "" {
		s = m.text
	}
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	if s == "" {
		s = "Message from Bistro"
	}
	return s
}
