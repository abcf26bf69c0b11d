package email

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wneessen/go-mail/smtp"
)

// autoAuth signs in with the best method the server offers. Over an
// encrypted connection that is PLAIN or LOGIN (the password is protected
// by TLS and every server has them); over a plain one, methods that do not
// send the password come first. One autoAuth serves one session.
type autoAuth struct {
	user, pass, host string
	started          bool // the server was asked to sign in
	inner            smtp.Auth
}

func (c *conn) auth() *autoAuth {
	if c.settings.username == "" {
		return nil
	}
	return &autoAuth{user: c.settings.username, pass: c.settings.password, host: c.settings.host}
}

// Start picks the method and starts signing in.
func (a *autoAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	a.started = true
	order := []string{"PLAIN", "LOGIN", "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5"}
	if !server.TLS {
		order = []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"}
	}
	i := slices.IndexFunc(order, func(m string) bool { return slices.Contains(server.Auth, m) })
	if i < 0 {
		return "", nil, errNoSignIn(server.Auth)
	}
	switch order[i] {
	case "PLAIN":
		a.inner = smtp.PlainAuth("", a.user, a.pass, a.host, false)
	case "LOGIN":
		a.inner = smtp.LoginAuth(a.user, a.pass, a.host, false)
	case "SCRAM-SHA-256":
		a.inner = smtp.ScramSHA256Auth(a.user, a.pass)
	case "SCRAM-SHA-1":
		a.inner = smtp.ScramSHA1Auth(a.user, a.pass)
	default:
		a.inner = smtp.CRAMMD5Auth(a.user, a.pass)
	}
	return a.inner.Start(server)
}

// Next answers the server's challenges.
func (a *autoAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.inner.Next(fromServer, more)
}

// noSignInError says the server offers no sign-in method Bistro knows.
type noSignInError struct{ offered []string }

func errNoSignIn(offered []string) error { return &noSignInError{offered: offered} }

func (e *noSignInError) Error() string {
	if len(e.offered) == 0 || len(e.offered) == 1 && e.offered[0] == "" {
		return "the mail server does not offer to sign in here: leave username and password empty if it needs none, or use security starttls or tls (many servers let you sign in only over an encrypted connection)"
	}
	return fmt.Sprintf("the mail server offers no sign-in method Bistro supports (it offers %s; Bistro supports PLAIN, LOGIN, SCRAM-SHA-256, SCRAM-SHA-1 and CRAM-MD5)", strings.Join(e.offered, ", "))
}
