package email

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// outgoing is a message ready to send and the record that reports it.
type outgoing struct {
	msg    *gomail.Msg
	record map[string]any
}

// envelope is a message as the request describes it, checked.
type envelope struct {
	from        *mail.Address
	replyTo     *mail.Address
	to, cc, bcc []*mail.Address
	subject     string
	text, html  string
	messageID   string // without the angle brackets
}

// compose builds the message a send request describes. Every error is the
// request's fault, so retrying cannot help.
func (c *conn) compose(input map[string]any, key string) (outgoing, error) {
	e, err := c.addresses(input)
	if err != nil {
		return outgoing{}, err
	}
	e.subject = text(input["subject"])
	e.text, e.html = text(input["text"]), text(input["html"])
	if strings.TrimSpace(e.text) == "" && strings.TrimSpace(e.html) == "" {
		return outgoing{}, errors.New("the message is empty: give its text, its html, or both")
	}
	e.messageID = messageID(key, e.from.Address)
	m := gomail.NewMsg()
	e.fill(m)
	files, err := readAttachments(input["attachments"], c.env.Folders)
	if err != nil {
		return outgoing{}, err
	}
	for _, f := range files {
		f.attach(m)
	}
	return outgoing{msg: m, record: e.record()}, nil
}

// addresses reads the sender and the recipients.
func (c *conn) addresses(input map[string]any) (envelope, error) {
	var e envelope
	var err error
	if e.from, err = c.sender(text(input["from"])); err != nil {
		return e, err
	}
	if r := text(input["reply_to"]); strings.TrimSpace(r) != "" {
		if e.replyTo, err = oneAddress("reply_to", r); err != nil {
			return e, err
		}
	}
	for _, f := range []struct {
		name string
		list *[]*mail.Address
	}{{"to", &e.to}, {"cc", &e.cc}, {"bcc", &e.bcc}} {
		if *f.list, err = addressList(f.name, input[f.name]); err != nil {
			return e, err
		}
	}
	if len(e.to)+len(e.cc)+len(e.bcc) == 0 {
		return e, errors.New("to: the message has no recipient; give at least one address in to, cc or bcc")
	}
	return e, nil
}

func (c *conn) sender(from string) (*mail.Address, error) {
	if strings.TrimSpace(from) != "" {
		return oneAddress("from", from)
	}
	if c.settings.from == nil {
		return nil, errors.New("from: the message has no sender; give from in the step or in the connection")
	}
	return c.settings.from, nil
}

func (e envelope) fill(m *gomail.Msg) {
	m.FromMailAddress(e.from)
	if len(e.to) > 0 {
		m.ToMailAddress(e.to...)
	}
	if len(e.cc) > 0 {
		m.CcMailAddress(e.cc...)
	}
	if len(e.bcc) > 0 {
		m.BccMailAddress(e.bcc...)
	}
	if e.replyTo != nil {
		m.ReplyToMailAddress(e.replyTo)
	}
	m.Subject(e.subject)
	m.SetMessageIDWithValue(e.messageID)
	m.SetDate()
	m.SetUserAgent("Bistro")
	switch {
	case e.text != "" && e.html != "":
		m.SetBodyString(gomail.TypeTextPlain, e.text)
		m.AddAlternativeString(gomail.TypeTextHTML, e.html)
	case e.html != "":
		m.SetBodyString(gomail.TypeTextHTML, e.html)
	default:
		m.SetBodyString(gomail.TypeTextPlain, e.text)
	}
}

func (e envelope) record() map[string]any {
	return map[string]any{
		"message_id": "<" + e.messageID + ">",
		"from":       e.from.Address,
		"to":         plain(e.to),
		"cc":         plain(e.cc),
		"bcc":        plain(e.bcc),
		"subject":    e.subject,
	}
}

// messageID makes the Message-ID (without its angle brackets) from the
// request's idempotency key, so a retried send carries the same id and a
// repeat can be recognised. The key is kept readable; characters a
// Message-ID cannot hold are replaced, and a short hash of the key then
// keeps distinct keys distinct.
func messageID(key, from string) string {
	domain := "bistro.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" && isAtext(d) {
		domain = d
	}
	if key == "" {
		return "bistro." + rand.Text() + "@" + domain
	}
	local := strings.Map(func(r rune) rune {
		if r < 0x80 && isAtext(string(r)) {
			return r
		}
		return '.'
	}, key)
	for strings.Contains(local, "..") {
		local = strings.ReplaceAll(local, "..", ".")
	}
	local = strings.Trim(local, ".")
	if local != key {
		sum := sha256.Sum256([]byte(key))
		local = strings.TrimPrefix(local+"."+hex.EncodeToString(sum[:4]), ".")
	}
	return "bistro." + local + "@" + domain
}

// isAtext reports whether s holds only characters of an RFC 5322
// dot-atom (letters, digits, dots and !#$%&'*+-/=?^_`{|}~).
func isAtext(s string) bool {
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r)
		if !ok {
			return false
		}
	}
	return s != ""
}
