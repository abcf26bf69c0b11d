package amqp

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

// settings are a connection's settings, read once.
type settings struct {
	host     string
	port     int
	vhost    string
	user     string
	password string
	tls      bool
	timeout  time.Duration
}

// addr is host:port, what errors name (it holds no credentials).
func (s settings) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

func readSettings(config map[string]any) (settings, error) {
	s := settings{
		vhost:    text(config, "vhost", "/"),
		user:     text(config, "user", ""),
		password: text(config, "password", ""),
		tls:      config["tls"] == true,
	}
	timeout, err := duration(config, "timeout", 30*time.Second)
	if err != nil {
		return s, err
	}
	s.timeout = timeout
	if raw := text(config, "url", ""); raw != "" {
		err = s.fromURL(raw)
	} else {
		err = s.fromHost(config)
	}
	if s.user == "" {
		s.user = "guest"
	}
	return s, err
}

// fromURL reads an amqp:// or amqps:// URL. Errors never quote the URL:
// it may hold a password after all.
func (s *settings) fromURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return connector.Permanent(fmt.Errorf("the setting 'url' is not an address such as amqp://rabbit.example.com/vhost"))
	}
	switch u.Scheme {
	case "amqp":
	case "amqps":
		s.tls = true
	default:
		return connector.Permanent(fmt.Errorf("the setting 'url' must start with amqp:// or amqps://, not %s://", u.Scheme))
	}
	if _, has := u.User.Password(); has {
		return connector.Permanent(fmt.Errorf("the setting 'url' holds a password, where it is not kept secret: remove it from the URL and put it in the setting 'password'"))
	}
	if name := u.User.Username(); name != "" && s.user == "" {
		s.user = name
	}
	s.host = u.Hostname()
	if s.port, err = urlPort(u.Port(), s.tls); err != nil {
		return err
	}
	s.vhost = "/"
	if path := strings.TrimPrefix(u.Path, "/"); path != "" {
		s.vhost = path
	}
	return nil
}

func urlPort(port string, tls bool) (int, error) {
	if port == "" {
		return defaultPort(tls), nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return 0, connector.Permanent(fmt.Errorf("the port in the setting 'url' must be a number from 1 to 65535"))
	}
	return n, nil
}

func defaultPort(tls bool) int {
	if tls {
		return 5671
	}
	return 5672
}

func (s *settings) fromHost(config map[string]any) error {
	s.host = text(config, "host", "")
	if s.host == "" {
		return connector.Permanent(fmt.Errorf("give the broker's address in the setting 'url' or 'host'"))
	}
	s.port = defaultPort(s.tls)
	if v, ok := config["port"]; ok && v != nil {
		n, ok := whole(v)
		if !ok || n < 1 || n > 65535 {
			return connector.Permanent(fmt.Errorf("the setting 'port' must be a number from 1 to 65535"))
		}
		s.port = n
	}
	return nil
}

// text reads a text setting, def when it is missing or empty.
func text(m map[string]any, name, def string) string {
	if v, ok := m[name].(string); ok && v != "" {
		return v
	}
	return def
}

func duration(m map[string]any, name string, def time.Duration) (time.Duration, error) {
	v, ok := m[name].(string)
	if !ok || v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, connector.Permanent(fmt.Errorf("'%s' must be a length of time such as 30s or 5m, not %q", name, v))
	}
	return d, nil
}

// whole reads a whole number in any of the forms numbers arrive in.
func whole(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), n == math.Trunc(n) && math.Abs(n) < 1<<53
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}
