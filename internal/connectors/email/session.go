package email

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Idle sessions are kept for the next message, a few and briefly: a flow
// sending many messages signs in once, and servers (which close idle
// sessions after a minute or more) are not left holding them.
const (
	maxIdle     = 4
	maxIdleTime = 20 * time.Second
	quitTimeout = 5 * time.Second
)

// session is one signed-in SMTP session.
type session struct {
	client *gomail.Client // the go-mail client that dialled it, made for it alone
	smtp   *smtp.Client
	raw    net.Conn // the network connection under it, closed to interrupt
	timer  *time.Timer
}

// quit ends the session politely, but not for longer than quitTimeout.
func (s *session) quit() {
	if s.raw != nil {
		_ = s.raw.SetDeadline(time.Now().Add(quitTimeout))
	}
	if s.smtp != nil && s.client.CloseWithSMTPClient(s.smtp) == nil {
		return
	}
	s.close()
}

// close drops the session's network connection.
func (s *session) close() {
	if s.raw != nil {
		_ = s.raw.Close()
	}
}

// dial opens a session: connect through the guarded dialer, say hello,
// switch to TLS as the settings say, and sign in.
func (c *conn) dial(ctx context.Context) (*session, error) {
	s := &session{}
	auth := c.auth()
	client, err := gomail.NewClient(c.settings.host, c.clientOptions(s, auth)...)
	if err != nil {
		return nil, c.sessionError(ctx, err, auth)
	}
	s.client = client
	s.smtp, err = client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		s.close()
		return nil, c.sessionError(ctx, err, auth)
	}
	return s, nil
}

func (c *conn) clientOptions(s *session, auth *autoAuth) []gomail.Option {
	st := c.settings
	opts := []gomail.Option{
		gomail.WithPort(st.port),
		gomail.WithTimeout(st.timeout),
		gomail.WithTLSConfig(st.tls),
		gomail.WithDialContextFunc(c.dialer(s)),
	}
	switch st.security {
	case securityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case securityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case securityTLS:
		// The dialer speaks TLS from the start; go-mail must not try
		// STARTTLS on top.
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if st.helo != "" {
		opts = append(opts, gomail.WithHELO(st.helo))
	}
	if auth != nil {
		opts = append(opts, gomail.WithSMTPAuthCustom(auth))
	}
	return opts
}

// dialer connects through Env.Dial, the only way out Bistro allows, and
// remembers the connection in s. For security tls it does the TLS
// handshake itself: go-mail does so only with its own dialer.
func (c *conn) dialer(s *session) gomail.DialContextFunc {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		raw, err := c.env.Dial(ctx, network, address)
		if err != nil {
			return nil, err
		}
		if c.settings.security != securityTLS {
			s.raw = raw
			return raw, nil
		}
		tc := tls.Client(raw, c.settings.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return nil, err
		}
		s.raw = tc
		return tc, nil
	}
}

// pool keeps idle sessions for reuse.
type pool struct {
	mu     sync.Mutex
	idle   []*session
	closed bool
}

// get returns an idle session, or nil.
func (p *pool) get() *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) == 0 {
		return nil
	}
	s := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	s.timer.Stop()
	return s
}

// put keeps s for reuse, or ends it when enough are kept.
func (p *pool) put(s *session) {
	p.mu.Lock()
	if p.closed || len(p.idle) >= maxIdle {
		p.mu.Unlock()
		s.quit()
		return
	}
	s.timer = time.AfterFunc(maxIdleTime, func() { p.expire(s) })
	p.idle = append(p.idle, s)
	p.mu.Unlock()
}

// expire ends s when it is still idle (get may have taken it meanwhile).
func (p *pool) expire(s *session) {
	p.mu.Lock()
	i := slices.Index(p.idle, s)
	if i >= 0 {
		p.idle = slices.Delete(p.idle, i, i+1)
	}
	p.mu.Unlock()
	if i >= 0 {
		s.quit()
	}
}

// close ends every idle session; sessions put back later are ended too.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, s := range idle {
		s.timer.Stop()
		s.quit()
	}
}
