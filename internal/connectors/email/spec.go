// Package email is the email connector: it sends messages through an SMTP
// server (the company's mail server, or a provider such as Microsoft 365,
// Google Workspace or a transactional mail service), with text and HTML
// bodies and attachments.
package email

import "github.com/bistro-dev/bistro/connector"

// New returns the email connector.
func New() connector.Connector { return emailConnector{} }

type emailConnector struct{}

// The values of the security setting.
const (
	securityNone     = "none"
	securityStartTLS = "starttls"
	securityTLS      = "tls"
)

// maxAttachmentBytes bounds the attachments of one message, so that a
// record cannot make Bistro hold an arbitrarily large file in memory. Most
// mail servers refuse messages above 25 MB anyway.
const maxAttachmentBytes = 25 << 20

// Spec describes the connector.
func (emailConnector) Spec() connector.Spec {
	return connector.Spec{
		Name:        "email",
		Title:       "Email (SMTP)",
		Version:     "1.0.0",
		Category:    "messaging",
		Description: "Send email through your mail server (SMTP): one message per record, with text and HTML bodies and attachments.",
		Config:      configFields(),
		Actions:     []connector.Action{sendAction()},
		Endpoints:   []connector.Endpoint{{Field: "host", Format: connector.HostEndpoint, DefaultPort: 587}},
	}
}

func configFields() []connector.Field {
	return []connector.Field{
		{Name: "host", Type: connector.String, Required: true, Example: "smtp.example.com", Help: "The mail server's host name or IP address, without the port."},
		{Name: "port", Type: connector.Int, Example: 587, Help: "The mail server's port. When empty: 587 for starttls, 465 for tls, 25 for none."},
		{Name: "security", Type: connector.Enum, Enum: []string{securityStartTLS, securityTLS, securityNone}, Default: securityStartTLS,
			Help: "How the connection is encrypted: starttls (usually port 587) starts plain and switches to encryption, refusing servers that cannot; tls (usually port 465) is encrypted from the start; none sends everything, password included, unencrypted: only for a relay on a trusted network."},
		{Name: "username", Type: connector.String, Example: "bistro@example.com", Help: "The user name to sign in with; leave empty when the server lets Bistro send without signing in."},
		{Name: "password", Type: connector.String, Secret: true, Help: "The password (or app password) of username."},
		{Name: "from", Type: connector.String, Example: "bistro@example.com", Help: "The sender of messages whose step gives none, e.g. bistro@example.com or Bistro <bistro@example.com>."},
		{Name: "helo_name", Type: connector.String, Example: "bistro.example.com", Help: "The name Bistro gives the server when it says hello (EHLO); this machine's host name when empty. Some servers want a name that resolves in DNS."},
		{Name: "timeout", Type: connector.Duration, Default: "30s", Help: "How long connecting, and each exchange with the server, may take."},
		{Name: "ca_pem", Type: connector.Text, Example: "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----", Help: "Certificates (PEM) of a private certificate authority to trust besides the usual ones, for a server whose certificate your company issued. Certificates are always checked."},
	}
}

func sendAction() connector.Action {
	addresses := " An address such as ann@example.com or Ann Lee <ann@example.com>, several separated by commas, or a list of them."
	return connector.Action{
		Name:        "send",
		Title:       "Send an email",
		Description: "Sends one message per record. A message the server cannot take for now (a 4xx answer) is retried; one it refuses (a 5xx answer, a wrong password) is not. A retried send carries the same Message-ID, so mail programs recognise a repeat, but SMTP itself cannot promise that a message is delivered only once.",
		Input: []connector.Field{
			{Name: "to", Type: connector.Any, Required: true, Example: "{{ record.email }}", Help: "The recipients." + addresses},
			{Name: "cc", Type: connector.Any, Help: "Recipients in copy." + addresses},
			{Name: "bcc", Type: connector.Any, Help: "Hidden recipients: they get the message but are not listed in it." + addresses},
			{Name: "from", Type: connector.String, Example: "sales@example.com", Help: "The sender, e.g. sales@example.com or Sales <sales@example.com>; the connection's from when empty."},
			{Name: "reply_to", Type: connector.String, Help: "Where replies go, when not to the sender."},
			{Name: "subject", Type: connector.String, Required: true, Example: "Your order {{ record.order_id }}", Help: "The subject line."},
			{Name: "text", Type: connector.Text, Help: "The message as plain text. Give text, html or both: mail programs show the HTML when they can, the text otherwise."},
			{Name: "html", Type: connector.Text, Help: "The message as HTML."},
			{Name: "attachments", Type: connector.List, Items: attachmentField(), Example: attachmentsExample,
				Help: "Files to attach, at most 25 MB in all. Each has content (text, or base64 with encoding: base64) and a name, or a file inside a folder the admin allowed; content_type is guessed from the name when not given."},
		},
		Output:      "One record per message sent: message_id (the Message-ID header, e.g. <...@example.com>, for replies and threads), from, subject, and to, cc and bcc as lists of addresses.",
		SideEffects: true,
	}
}

var attachmentsExample = []any{
	map[string]any{"file": "invoices/{{ record.id }}.pdf"},
	map[string]any{"name": "photo.jpg", "content": "{{ record.photo }}", "encoding": "base64", "content_type": "image/jpeg"},
}

func attachmentField() *connector.Field {
	return &connector.Field{Type: connector.Object, Help: "One attachment: content (from the record) or file (from a folder the admin allowed).", Fields: []connector.Field{
		{Name: "name", Type: connector.String, Example: "invoice-{{ record.id }}.pdf", Help: "The file name the recipient sees; for file, the file's own name when empty."},
		{Name: "content", Type: connector.Text, Example: "{{ record.pdf }}", Help: "The attachment's content, as text or, with encoding base64, as base64."},
		{Name: "encoding", Type: connector.Enum, Enum: []string{"text", "base64"}, Default: "text", Help: "How content is written: text, or base64 for binary files such as PDFs and images."},
		{Name: "file", Type: connector.String, Example: "invoices/{{ record.id }}.pdf", Help: "A file to attach instead of content: a path inside a folder the admin allowed (relative paths start in the first one)."},
		{Name: "content_type", Type: connector.String, Example: "application/pdf", Help: "The attachment's type; guessed from the name when empty."},
	}}
}
