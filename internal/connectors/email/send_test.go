package email_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/email"
	"github.com/bistro-dev/bistro/internal/engine"
)

// open opens a connection with env, closed when t ends.
func open(t *testing.T, config map[string]any, env connector.Env) connector.Conn {
	t.Helper()
	spec := email.New().Spec()
	if errs := spec.ValidateConfig(config); len(errs) > 0 {
		t.Fatalf("the test settings are not valid: %v", errs)
	}
	conn, err := email.New().Open(context.Background(), spec.WithDefaults(config), env)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func send(conn connector.Conn, key string, input map[string]any) ([]map[string]any, error) {
	return connectortest.Do(context.Background(), conn, connector.Request{Action: "send", Input: input, Key: key})
}

func TestSpec(t *testing.T) {
	t.Parallel()
	connectortest.CheckSpec(t, email.New().Spec())
}

func TestSendPlain(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "plain", "", "")
	env := connectortest.Env(t)
	csv := "id,total\n1,9.50\n"
	if err := os.WriteFile(filepath.Join(env.Folders[0], "report.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	conn := open(t, srv.config(), env)
	out, err := send(conn, "run1/mail/1", map[string]any{
		"to":       []any{"Ann Lee <ann@example.com>", "bob@example.com"},
		"cc":       "carol@example.com",
		"bcc":      "dave@example.com",
		"reply_to": "help@example.com",
		"subject":  "Order 42 — shipped",
		"text":     "Hello Ann,\nyour order shipped.",
		"html":     "<p>Hello <b>Ann</b>, your order shipped.</p>",
		"attachments": []any{
			map[string]any{"name": "note.txt", "content": "just text"},
			map[string]any{"name": "pixel.png", "content": base64.StdEncoding.EncodeToString(png), "encoding": "base64"},
			map[string]any{"file": "report.csv"},
		},
	})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	want := []map[string]any{{
		"message_id": "<bistro.run1/mail/1@example.com>",
		"from":       "bistro@example.com",
		"to":         []any{"ann@example.com", "bob@example.com"},
		"cc":         []any{"carol@example.com"},
		"bcc":        []any{"dave@example.com"},
		"subject":    "Order 42 — shipped",
	}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("emitted records (-want +got):\n%s", diff)
	}

	got := srv.next(t)
	if got.MailFrom != "bistro@example.com" {
		t.Errorf("envelope sender %q", got.MailFrom)
	}
	slices.Sort(got.RcptTos)
	if diff := cmp.Diff([]string{"ann@example.com", "bob@example.com", "carol@example.com", "dave@example.com"}, got.RcptTos); diff != "" {
		t.Errorf("envelope recipients (-want +got):\n%s", diff)
	}
	m := parse(t, got.Data)
	headers := map[string]string{
		"From":       `"Bistro" <bistro@example.com>`,
		"To":         `"Ann Lee" <ann@example.com>, <bob@example.com>`,
		"Cc":         "<carol@example.com>",
		"Bcc":        "",
		"Reply-To":   "<help@example.com>",
		"Message-Id": "<bistro.run1/mail/1@example.com>",
	}
	for name, want := range headers {
		if got := m.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if s := m.subject(t); s != "Order 42 — shipped" {
		t.Errorf("subject %q", s)
	}
	if m.text != "Hello Ann,\nyour order shipped." {
		t.Errorf("text body %q", m.text)
	}
	if m.html != "<p>Hello <b>Ann</b>, your order shipped.</p>" {
		t.Errorf("html body %q", m.html)
	}
	wantFiles := map[string]file{
		"note.txt":   {contentType: "text/plain", data: []byte("just text")},
		"pixel.png":  {contentType: "image/png", data: png},
		"report.csv": {contentType: "text/csv", data: []byte(csv)},
	}
	if diff := cmp.Diff(wantFiles, m.attachments, cmp.AllowUnexported(file{})); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

// TestSessionReuse: messages sent one after the other share a session.
func TestSessionReuse(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "plain", "", "")
	conn := open(t, srv.config(), connectortest.Env(t))
	var ports []int
	for _, key := range []string{"a", "b", "c"} {
		if _, err := send(conn, key, map[string]any{"to": "ann@example.com", "subject": key, "text": key}); err != nil {
			t.Fatalf("send %s: %v", key, err)
		}
		m := srv.next(t)
		if s := parse(t, m.Data).subject(t); s != key {
			t.Errorf("received %q, want %q", s, key)
		}
		ports = append(ports, m.PeerPort)
	}
	if ports[0] != ports[1] || ports[1] != ports[2] {
		t.Errorf("the messages came from ports %v: each opened a session of its own", ports)
	}
}

// TestSessionLost: an idle session the server has closed is replaced, and
// the message is sent once.
func TestSessionLost(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "plain", "", "")
	conn := open(t, srv.config(), connectortest.Env(t))
	msg := map[string]any{"to": "ann@example.com", "subject": "s", "text": "t"}
	if _, err := send(conn, "1", msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	first := srv.next(t)
	if n := email.BreakIdleSessions(conn); n != 1 {
		t.Fatalf("%d idle sessions, want 1", n)
	}
	if _, err := send(conn, "2", msg); err != nil {
		t.Fatalf("send after the session was lost: %v", err)
	}
	second := srv.next(t)
	if second.PeerPort == first.PeerPort {
		t.Errorf("the second message came over the lost session's port %d", first.PeerPort)
	}
	if id := parse(t, second.Data).header.Get("Message-Id"); id != "<bistro.2@example.com>" {
		t.Errorf("the second message is %s", id)
	}
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	testEncrypted(t, "starttls")
}

func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	testEncrypted(t, "tls")
}

// testEncrypted signs in over an encrypted connection and sends.
func testEncrypted(t *testing.T, mode string) {
	srv := startServer(t, mode, "bistro", "s3cret-pass")
	connectortest.CheckOpen(t, email.New(), srv.config())
	conn := open(t, srv.config(), connectortest.Env(t))
	out, err := send(conn, "k", map[string]any{"to": "ann@example.com", "subject": "over " + mode, "html": "<p>secret</p>"})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if len(out) != 1 || out[0]["message_id"] != "<bistro.k@example.com>" {
		t.Errorf("emitted %v", out)
	}
	m := parse(t, srv.next(t).Data)
	if s := m.subject(t); s != "over "+mode {
		t.Errorf("subject %q", s)
	}
	if m.html != "<p>secret</p>" || m.text != "" {
		t.Errorf("html %q, text %q", m.html, m.text)
	}
}

func TestWrongPassword(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "starttls", "bistro", "right-password")
	config := srv.config()
	config["password"] = "wrong-password"
	conn := open(t, config, connectortest.Env(t))
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s with a wrong password succeeded", what)
		}
		if !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("%s: %v: a refused password must not be retried", what, err)
		}
		if !strings.Contains(err.Error(), "the mail server refused the user name or password") {
			t.Errorf("%s: %v", what, err)
		}
		if strings.Contains(err.Error(), "wrong-password") {
			t.Errorf("%s: the error shows the password: %v", what, err)
		}
	}
	check("ping", conn.(connector.Pinger).Ping(context.Background()))
	_, err := send(conn, "k", map[string]any{"to": "ann@example.com", "subject": "s", "text": "t"})
	check("send", err)
}

// TestSettingsMismatch: the server speaks differently from what the
// settings say; the error says what to change.
func TestSettingsMismatch(t *testing.T) {
	t.Parallel()
	plain := startServer(t, "plain", "", "")
	starttls := startServer(t, "starttls", "", "")
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"starttls on a plain server", with(plain.config(), "security", "starttls"), "does not offer STARTTLS"},
		{"tls on a plain server", with(plain.config(), "security", "tls"), "did not answer with TLS"},
		{"untrusted certificate", with(starttls.config(), "ca_pem", nil), "put that authority's certificate in 'ca_pem'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := open(t, tt.config, connectortest.Env(t)).(connector.Pinger).Ping(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ping: %v, want an error saying %q", err, tt.want)
			}
			if !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("%v: wrong settings must not be retried", err)
			}
		})
	}
}

func with(config map[string]any, key string, value any) map[string]any {
	if value == nil {
		delete(config, key)
	} else {
		config[key] = value
	}
	return config
}

// TestServerAnswers: a 4xx answer is retried, a 5xx one is not, and
// neither message is delivered.
func TestServerAnswers(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "plain", "", "")
	conn := open(t, srv.config(), connectortest.Env(t))
	msg := func(to string) map[string]any { return map[string]any{"to": to, "subject": to, "text": "t"} }

	_, err := send(conn, "1", msg("tempfail@example.com"))
	if retry, _ := connector.IsRetryable(err); !retry || !strings.Contains(err.Error(), "mailbox busy") {
		t.Errorf("451: %v, want a retryable error with the server's words", err)
	}
	_, err = send(conn, "2", msg("nosuchuser@example.com"))
	if !errors.Is(err, connector.ErrPermanent) || !strings.Contains(err.Error(), "no such user here") {
		t.Errorf("550: %v, want a permanent error with the server's words", err)
	}
	if _, err := send(conn, "3", msg("ann@example.com")); err != nil {
		t.Fatalf("send after refusals: %v", err)
	}
	if s := parse(t, srv.next(t).Data).subject(t); s != "ann@example.com" {
		t.Errorf("the first message delivered is %q, want the one to ann@example.com", s)
	}
}

func TestRunFlow(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "plain", "", "")
	res, out := connectortest.RunFlow(t, email.New(), srv.config(), `
bistro: 1
name: welcome
trigger: {manual: {}}
steps:
  - id: welcome
    action: email.send
    connection: test
    with:
      to: "{{ record.email }}"
      subject: "Welcome, {{ record.name }}"
      text: "Hello {{ record.name }}"
      attachments:
        - name: "{{ record.name }}.txt"
          content: "{{ record.note }}"
`, []map[string]any{
		{"email": "ann@example.com", "name": "Ann", "note": "first"},
		{"email": "bob@example.com", "name": "Bob", "note": "second"},
	})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	if len(out) != 2 || out[0]["message_id"] == out[1]["message_id"] {
		t.Fatalf("out = %v: want two records with distinct message ids", out)
	}
	got := map[string]parsed{}
	for range 2 {
		m := srv.next(t)
		got[strings.Join(m.RcptTos, ",")] = parse(t, m.Data)
	}
	for _, r := range []struct{ to, name, note string }{{"ann@example.com", "Ann", "first"}, {"bob@example.com", "Bob", "second"}} {
		m, ok := got[r.to]
		if !ok {
			t.Errorf("nothing was sent to %s", r.to)
			continue
		}
		if s := m.subject(t); s != "Welcome, "+r.name || m.text != "Hello "+r.name {
			t.Errorf("to %s: subject %q, text %q", r.to, s, m.text)
		}
		if a := m.attachments[r.name+".txt"]; string(a.data) != r.note {
			t.Errorf("to %s: attachments %v", r.to, m.attachments)
		}
	}
}
