package policy

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// checkPattern checks a host pattern: a host name, "*.domain" or "*".
func checkPattern(p string) error {
	rest := strings.TrimPrefix(p, "*.")
	switch {
	case p == "*":
		return nil
	case strings.TrimSpace(p) == "":
		return errors.New("a host pattern cannot be empty")
	case strings.ContainsAny(p, "/:@ ") && net.ParseIP(p) == nil:
		return fmt.Errorf("'%s' is not a host pattern: write a host such as api.example.com or *.example.com, without scheme, port or path", p)
	case strings.Contains(rest, "*"):
		return fmt.Errorf("'%s' is not a host pattern: '*' may only stand alone or start it, as in *.example.com", p)
	}
	return nil
}

// matchHost reports whether a host matches a pattern: "*" matches every
// host, "*.example.com" every host below example.com (not example.com
// itself), anything else the host itself. Case and a final dot do not
// matter.
func matchHost(pattern, host string) bool {
	pattern, host = normalHost(pattern), normalHost(host)
	switch {
	case host == "":
		return false
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(host, pattern[1:])
	}
	return pattern == host
}

func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

func matchAny(patterns []string, host string) (string, bool) {
	for _, p := range patterns {
		if matchHost(p, host) {
			return p, true
		}
	}
	return "", false
}

// templateHost returns the host of an address that may hold {{ ... }}
// parts: known when the part up to the end of the host is written out,
// as in "https://api.example.com/v1/{{ record.id }}". ok is false when the
// host is computed at run time ("{{ env.URL }}", "https://{{ x }}/").
func templateHost(raw string) (host string, ok bool) {
	lit := raw
	if i := strings.Index(raw, "{{"); i >= 0 {
		lit = raw[:i]
	}
	scheme := strings.Index(lit, "://")
	if scheme < 0 {
		return "", false
	}
	rest := lit[scheme+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		if len(lit) < len(raw) {
			return "", false // a template follows inside the host
		}
		end = len(rest)
	}
	u, err := url.Parse(lit[:scheme+3] + rest[:end])
	if err != nil || u.Hostname() == "" {
		return "", false
	}
	return normalHost(u.Hostname()), true
}

// ConnectionHosts lists the hosts a connection contacts, read from the
// settings its connector's spec names as endpoints. Settings that are
// templates (read from env when the connection opens) give no host.
func ConnectionHosts(spec connector.Spec, config map[string]any) []string {
	var hosts []string
	for _, e := range spec.Endpoints {
		if e.Action != "" {
			continue
		}
		v, _ := lookup(config, e.Field).(string)
		if v == "" || strings.Contains(v, "{{") {
			continue
		}
		if h := endpointHost(e.Format, v); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

func endpointHost(f connector.EndpointFormat, v string) string {
	if f == connector.URLEndpoint {
		if u, err := url.Parse(v); err == nil && u.Hostname() != "" {
			return normalHost(u.Hostname())
		}
		return ""
	}
	if h, _, err := net.SplitHostPort(v); err == nil {
		return normalHost(h)
	}
	return normalHost(v)
}

// lookup reads a setting by its dotted path.
func lookup(config map[string]any, field string) any {
	var cur any = config
	for _, part := range strings.Split(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// HostError is a destination computed at run time that the policy
// refuses.
type HostError struct {
	Host       string
	Violations []Violation
}

// Error says why, in plain words.
func (e *HostError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Message
	}
	return strings.Join(parts, "; ")
}

// CheckHost checks a host an HTTP step is about to call, for a step whose
// address is computed at run time: the hosts rules for the http connector
// and the deny rules with hosts for the classes that reach the step (see
// Report.Destination and Destination.Classes). It returns a *HostError,
// or nil when the call is allowed.
func (s Set) CheckHost(workspace, host string, classes ...string) error {
	return s.CheckConnectorHost(workspace, "http", host, classes...)
}

// CheckConnectorHost is CheckHost for any connector: for a connection
// whose host is only known when it opens (a setting read from env).
func (s Set) CheckConnectorHost(workspace, connectorID, host string, classes ...string) error {
	var vs []Violation
	for _, r := range s.Rules {
		if !r.appliesIn(workspace) {
			continue
		}
		if v, bad := r.hostViolation(connectorID, host); bad {
			vs = append(vs, v)
		}
		if r.Deny == nil || len(r.Deny.To.Hosts) == 0 {
			continue
		}
		if p, ok := matchAny(r.Deny.To.Hosts, host); ok {
			for _, c := range classes {
				if slices.Contains(r.Deny.Classes, c) {
					vs = append(vs, Violation{Rule: r.ID, RuleName: r.title(), Class: c, Message: fmt.Sprintf(
						"%s may not be sent to %s (it matches %s); rule '%s' forbids it", s.ClassName(c), host, p, r.title())})
				}
			}
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return &HostError{Host: host, Violations: vs}
}

// hostViolation checks a host against a hosts rule for a connector.
func (r Rule) hostViolation(connectorID, host string) (Violation, bool) {
	h := r.Hosts
	if h == nil || !slices.Contains(cmpList(h.Connectors, []string{"http"}), connectorID) {
		return Violation{}, false
	}
	if _, ok := matchAny(h.Allow, host); ok {
		return Violation{}, false
	}
	return Violation{Rule: r.ID, RuleName: r.title(), Message: fmt.Sprintf(
		"the host %s is not allowed; rule '%s' allows only %s", host, r.title(), hostList(h.Allow))}, true
}

func cmpList(list, def []string) []string {
	if len(list) == 0 {
		return def
	}
	return list
}
