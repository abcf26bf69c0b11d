// Package egress is the one guarded way out of Bistro: every outbound
// connection dials through it, and it refuses loopback, private, link-local
// and cloud metadata addresses unless the admin allowed those networks.
//
// The check runs as the dialer's Control function, that is on the address
// actually being connected to after DNS resolution. A name that resolves to
// a private address, a DNS answer that changes between two lookups, or a
// redirect to an internal host are therefore all caught by the same check.
package egress

import (
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"code.dny.dev/ssrf"

	"github.com/bistro-dev/bistro/internal/fault"
)

// Policy says which otherwise refused networks are allowed.
type Policy struct {
	// Allow lists networks (e.g. 127.0.0.1/32, 10.0.0.0/8) that outbound
	// connections may reach although they are not public.
	Allow []netip.Prefix
}

// guardian holds ssrf's default deny lists. Any port is fine: APIs and
// databases live on all sorts of ports, the danger is in the address.
var guardian = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())

// Dialer returns a dialer that checks every resolved address.
func (p Policy) Dialer() *net.Dialer {
	allow := p.Allow
	return &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			return check(allow, network, address)
		},
	}
}

// Transport returns an HTTP transport that dials through Dialer. It ignores
// proxy environment variables: a proxy would make the connection on our
// behalf and so bypass the address check.
func (p Policy) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = p.Dialer().DialContext
	t.MaxIdleConnsPerHost = 32
	return t
}

// Check reports whether a connection to addr is allowed. It returns nil or
// a permanent fault wrapping a *RefusedError.
func (p Policy) Check(addr netip.AddrPort) error {
	return checkAddrPort(p.Allow, addr)
}

func check(allow []netip.Prefix, network, address string) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return fault.Permanent(&RefusedError{Reason: "only TCP and UDP connections are allowed", Address: address})
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fault.Permanent(&RefusedError{Reason: "the address could not be read", Address: address})
	}
	return checkAddrPort(allow, ap)
}

func checkAddrPort(allow []netip.Prefix, ap netip.AddrPort) error {
	// An IPv4-mapped IPv6 address (::ffff:10.0.0.5) reaches the IPv4 host,
	// so it is judged, and allowed, as that IPv4 address.
	addr := ap.Addr().Unmap().WithZone("")
	for _, n := range allow {
		if n.Contains(addr) {
			return nil
		}
	}
	if guardian.SafeAddr(addr) == nil {
		return nil
	}
	reason, network := classify(addr)
	return fault.Permanent(&RefusedError{
		Address: netip.AddrPortFrom(addr, ap.Port()).String(),
		Reason:  reason,
		Network: network,
	})
}
