package email_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
	"github.com/bistro-dev/bistro/internal/connectors/email"
	"github.com/bistro-dev/bistro/internal/egress"
)

// noNetwork is an Env whose Dial fails the test: a request that is wrong
// must be refused before anything is sent.
func noNetwork(t *testing.T) connector.Env {
	env := connectortest.Env(t)
	env.Dial = func(context.Context, string, string) (net.Conn, error) {
		t.Error("the connection dialled although the request is wrong")
		return nil, errors.New("no network in this test")
	}
	return env
}

func TestInputErrors(t *testing.T) {
	t.Parallel()
	env := noNetwork(t)
	folder := env.Folders[0]
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("no"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(folder, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(folder, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	conn := open(t, map[string]any{"host": "smtp.example.com", "from": "bistro@example.com"}, env)
	attach := func(a map[string]any) map[string]any {
		return map[string]any{"to": "ann@example.com", "subject": "s", "text": "t", "attachments": []any{a}}
	}
	tests := []struct {
		name  string
		input map[string]any
		want  string
	}{
		{"bad to", map[string]any{"to": "bob@", "subject": "s", "text": "t"}, "to: 'bob@' is not an email address"},
		{"bad address in a text list", map[string]any{"to": "ann@example.com, bob@", "subject": "s", "text": "t"}, "to: 'bob@' is not an email address"},
		{"bad address in a list", map[string]any{"to": []any{"ann@example.com", "bob@"}, "subject": "s", "text": "t"}, "to[1]: 'bob@' is not an email address"},
		{"number as cc", map[string]any{"to": "ann@example.com", "cc": 42, "subject": "s", "text": "t"}, "cc: give an address"},
		{"bad bcc", map[string]any{"to": "ann@example.com", "bcc": "dave", "subject": "s", "text": "t"}, "bcc: 'dave' is not an email address"},
		{"bad from", map[string]any{"to": "ann@example.com", "from": "nobody", "subject": "s", "text": "t"}, "from: 'nobody' is not an email address"},
		{"two reply_to", map[string]any{"to": "ann@example.com", "reply_to": "a@example.com, b@example.com", "subject": "s", "text": "t"}, "reply_to: give one email address"},
		{"no recipient", map[string]any{"to": "", "subject": "s", "text": "t"}, "no recipient"},
		{"no body", map[string]any{"to": "ann@example.com", "subject": "s"}, "the message is empty"},
		{"content and file", attach(map[string]any{"name": "a.txt", "content": "x", "file": "a.txt"}), "attachments[0]: give content or file, not both"},
		{"nothing to attach", attach(map[string]any{"name": "a.txt"}), "attachments[0]: give the attachment's content or a file"},
		{"content without name", attach(map[string]any{"content": "x"}), "attachments[0].name is required"},
		{"bad base64", attach(map[string]any{"name": "a.bin", "content": "not base64!", "encoding": "base64"}), "attachments[0].content is not valid base64"},
		{"bad content type", attach(map[string]any{"name": "a.txt", "content": "x", "content_type": "text"}), "attachments[0].content_type: 'text' is not a content type"},
		{"dot dot", attach(map[string]any{"file": "../secret.txt"}), "'../secret.txt' is outside the folders the admin allowed"},
		{"absolute outside", attach(map[string]any{"file": filepath.Join(outside, "secret.txt")}), "is outside the folders the admin allowed"},
		{"symlink out", attach(map[string]any{"file": "link.txt"}), "'link.txt' is outside the folders the admin allowed"},
		{"missing file", attach(map[string]any{"file": "nope.pdf"}), "cannot read 'nope.pdf': there is no such file"},
		{"folder", attach(map[string]any{"file": "sub"}), "'sub' is not a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := send(conn, "k", tt.input)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			if !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("%v: a wrong request must not be retried", err)
			}
		})
	}
}

func TestNoSender(t *testing.T) {
	t.Parallel()
	conn := open(t, map[string]any{"host": "smtp.example.com"}, noNetwork(t))
	_, err := send(conn, "k", map[string]any{"to": "ann@example.com", "subject": "s", "text": "t"})
	if err == nil || !strings.Contains(err.Error(), "from: the message has no sender") {
		t.Fatalf("got %v", err)
	}
}

func TestSettingsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"port in host", map[string]any{"host": "smtp.example.com:587"}, "put the port in 'port'"},
		{"bad port", map[string]any{"host": "smtp.example.com", "port": 70000}, "'port' must be a whole number from 1 to 65535"},
		{"bad from", map[string]any{"host": "smtp.example.com", "from": "bistro@"}, "from: 'bistro@' is not an email address"},
		{"password alone", map[string]any{"host": "smtp.example.com", "password": "pw"}, "'password' is set but 'username' is empty"},
		{"bad ca_pem", map[string]any{"host": "smtp.example.com", "ca_pem": "not a certificate"}, "'ca_pem' holds no certificate"},
		{"zero timeout", map[string]any{"host": "smtp.example.com", "timeout": "0s"}, "'timeout' must be a length of time above zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := email.New().Spec()
			_, err := email.New().Open(context.Background(), spec.WithDefaults(tt.config), noNetwork(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			if !errors.Is(err, connector.ErrPermanent) {
				t.Errorf("%v: wrong settings must not be retried", err)
			}
		})
	}
}

// TestDialRefused: the connection dials only through Env.Dial, so the
// admin's network policy decides, and a refusal says why.
func TestDialRefused(t *testing.T) {
	t.Parallel()
	config := map[string]any{"host": "127.0.0.1", "port": 2525, "security": "none", "from": "bistro@example.com"}
	guarded := connectortest.Env(t)
	guarded.Dial = egress.Policy{}.Dialer().DialContext // loopback not allowed
	conn := open(t, config, guarded)
	err := conn.(connector.Pinger).Ping(context.Background())
	if err == nil || !strings.Contains(err.Error(), "could not reach the mail server 127.0.0.1:2525: connection to 127.0.0.1:2525 refused: loopback") {
		t.Fatalf("ping: %v, want the policy's refusal", err)
	}
	if retry, _ := connector.IsRetryable(err); retry {
		t.Errorf("%v: a refusal by policy must not be retried", err)
	}
	_, err = send(conn, "k", map[string]any{"to": "ann@example.com", "subject": "s", "text": "t"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("send: %v, want the policy's refusal", err)
	}

	down := connectortest.Env(t)
	down.Dial = func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("network is unreachable")
	}
	err = open(t, config, down).(connector.Pinger).Ping(context.Background())
	if !errors.Is(err, connector.ErrNotConnected) || !strings.Contains(err.Error(), "network is unreachable") {
		t.Errorf("ping: %v, want a retryable 'not connected' error with the cause", err)
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	config := map[string]any{"host": "127.0.0.1", "port": 2525, "security": "none", "from": "bistro@example.com"}
	conn := open(t, config, connectortest.Env(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := connectortest.Do(ctx, conn, connector.Request{Action: "send", Input: map[string]any{"to": "ann@example.com", "subject": "s", "text": "t"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the run's cancellation", err)
	}
}

func TestOpenWithoutDial(t *testing.T) {
	t.Parallel()
	_, err := email.New().Open(context.Background(), map[string]any{"host": "smtp.example.com"}, connector.Env{})
	if err == nil || !strings.Contains(err.Error(), "no network access") {
		t.Fatalf("got %v", err)
	}
}
