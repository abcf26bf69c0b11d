package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

// settings are a connection's settings, read and checked.
type settings struct {
	host     string
	port     int
	security string
	username string
	password string
	from     *mail.Address // nil: steps must give one
	helo     string
	timeout  time.Duration
	tls      *tls.Config
}

// address is host:port, as dialled and as named in errors.
func (s settings) address() string {
	return net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// Open checks the settings; the server is contacted when a message is sent
// or the connection tested (Ping).
func (emailConnector) Open(_ context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	s, err := readSettings(config)
	if err != nil {
		return nil, connector.Permanent(err)
	}
	if env.Dial == nil {
		return nil, connector.Permanent(errors.New("this connection was given no network access, so it cannot reach the mail server"))
	}
	return &conn{settings: s, env: env}, nil
}

func readSettings(config map[string]any) (settings, error) {
	s := settings{
		security: text(config["security"]),
		username: text(config["username"]),
		password: text(config["password"]),
		helo:     strings.TrimSpace(text(config["helo_name"])),
	}
	if s.security == "" {
		s.security = securityStartTLS
	}
	var err error
	if s.host, err = readHost(config["host"]); err != nil {
		return s, err
	}
	if s.port, err = readPort(config["port"], s.security); err != nil {
		return s, err
	}
	if s.timeout, err = readTimeout(config["timeout"]); err != nil {
		return s, err
	}
	if s.password != "" && s.username == "" {
		return s, errors.New("'password' is set but 'username' is empty: give the user name that goes with the password")
	}
	if from := text(config["from"]); strings.TrimSpace(from) != "" {
		if s.from, err = oneAddress("from", from); err != nil {
			return s, err
		}
	}
	s.tls, err = tlsConfig(s.host, text(config["ca_pem"]))
	return s, err
}

func readHost(v any) (string, error) {
	host := strings.TrimSpace(text(v))
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return "", errors.New("'host' is required: the mail server's host name, e.g. smtp.example.com")
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host, nil
	}
	if strings.ContainsAny(host, ":/ ") {
		return "", fmt.Errorf("'host' must be a host name or an IP address only, not %q: put the port in 'port'", host)
	}
	return host, nil
}

func readPort(v any, security string) (int, error) {
	if v == nil {
		switch security {
		case securityTLS:
			return 465, nil
		case securityNone:
			return 25, nil
		}
		return 587, nil
	}
	n, ok := whole(v)
	if !ok || n < 1 || n > 65535 {
		return 0, fmt.Errorf("'port' must be a whole number from 1 to 65535, not %v", v)
	}
	return int(n), nil
}

func readTimeout(v any) (time.Duration, error) {
	if v == nil {
		return 30 * time.Second, nil
	}
	d, err := time.ParseDuration(text(v))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("'timeout' must be a length of time above zero such as 30s or 2m, not %q", text(v))
	}
	return d, nil
}

// tlsConfig checks the server's certificate against the system's
// authorities and those of caPEM. It is used for starttls and tls.
func tlsConfig(host, caPEM string) (*tls.Config, error) {
	c := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if strings.TrimSpace(caPEM) == "" {
		return c, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, errors.New("'ca_pem' holds no certificate: paste the certificate authority's certificate in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")
	}
	c.RootCAs = pool
	return c, nil
}

// text returns v when it is text, else "".
func text(v any) string {
	s, _ := v.(string)
	return s
}

// whole reads a whole number of any of the kinds decoders produce.
func whole(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float64:
		return int64(n), n == math.Trunc(n) && math.Abs(n) < 1<<53
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
