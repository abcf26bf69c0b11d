package egress

import (
	"errors"
	"fmt"
	"net/netip"

	"code.dny.dev/ssrf"
)

// RefusedError says that a connection was refused because of where it was
// going. Its message is meant for the person who built the flow and for the
// admin who can allow the network.
type RefusedError struct {
	// Address is the IP address and port that was refused.
	Address string
	// Reason says in plain words what kind of address it is.
	Reason string
	// Network is the network an admin could allow to let the connection
	// through; invalid when allowing makes no sense.
	Network netip.Prefix
}

func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("connection to %s refused: %s", e.Address, e.Reason)
	if e.Network.IsValid() {
		msg += fmt.Sprintf("; an admin can allow them with --allow-network %s", e.Network)
	}
	return msg
}

// IsRefused reports whether err is, or wraps, a refusal by the policy.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

// kind is a family of refused addresses with the words that explain it.
type kind struct {
	reason   string
	prefixes []netip.Prefix
}

// kinds is checked in order, so the metadata addresses come before the
// link-local range that contains them.
var kinds = []kind{
	{"cloud metadata addresses are blocked", prefixes("169.254.169.254/32", "fd00:ec2::254/128")},
	{"loopback addresses (this machine) are blocked", prefixes("127.0.0.0/8", "::1/128")},
	{"private network addresses are blocked", prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")},
	{"link-local addresses are blocked", prefixes("169.254.0.0/16", "fe80::/10")},
	{"shared (carrier-grade NAT) addresses are blocked", prefixes("100.64.0.0/10")},
	{"unspecified addresses are blocked", prefixes("0.0.0.0/8", "::/128")},
	{"multicast addresses are blocked", prefixes("224.0.0.0/4", "ff00::/8")},
	{"documentation addresses are blocked", prefixes("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")},
}

func prefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// classify explains why addr is refused and which network would allow it.
func classify(addr netip.Addr) (reason string, network netip.Prefix) {
	for _, k := range kinds {
		for _, p := range k.prefixes {
			if p.Contains(addr) {
				return k.reason, p
			}
		}
	}
	deny := ssrf.IPv4DeniedPrefixes
	if addr.Is6() {
		deny = ssrf.IPv6DeniedPrefixes
	}
	for _, p := range deny {
		if p.Contains(addr) {
			return "special-purpose addresses are blocked", p
		}
	}
	return "special-purpose addresses are blocked", netip.PrefixFrom(addr, addr.BitLen())
}
