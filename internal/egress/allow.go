package egress

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseAllow reads the networks an admin allows, as given on the command
// line or in the configuration: single addresses ("127.0.0.1", "::1") or
// networks ("10.0.0.0/8", "fd00::/8").
func ParseAllow(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := parseOne(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parseOne(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, fmt.Errorf("an allowed network is empty; write an address such as 10.0.0.5 or a network such as 10.0.0.0/8")
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, notNetwork(s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, notNetwork(s)
	}
	return unmapPrefix(p.Masked()), nil
}

// unmapPrefix turns ::ffff:10.0.0.0/104 into 10.0.0.0/8, because the check
// compares unmapped addresses.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if !p.Addr().Is4In6() || p.Bits() < 96 {
		return p
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
}

func notNetwork(s string) error {
	return fmt.Errorf("%q is not an IP address or network; write an address such as 10.0.0.5 or ::1, or a network such as 10.0.0.0/8", s)
}
