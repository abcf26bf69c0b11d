package egress

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/fault"
)

var allowLoopback = Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		policy  Policy
		wantErr string // "" when allowed
	}{
		{"93.184.216.34:443", Policy{}, ""},
		{"[2606:2800:220:1:248:1893:25c8:1946]:443", Policy{}, ""},
		{"127.0.0.1:80", Policy{}, "connection to 127.0.0.1:80 refused: loopback addresses (this machine) are blocked; an admin can allow them with --allow-network 127.0.0.0/8"},
		{"127.0.0.1:80", allowLoopback, ""},
		{"127.0.0.2:80", allowLoopback, "loopback addresses"},
		{"10.0.0.5:443", Policy{}, "connection to 10.0.0.5:443 refused: private network addresses are blocked; an admin can allow them with --allow-network 10.0.0.0/8"},
		{"172.20.1.1:443", Policy{}, "--allow-network 172.16.0.0/12"},
		{"192.168.1.20:443", Policy{}, "private network addresses"},
		{"10.0.0.5:443", Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, ""},
		{"169.254.169.254:80", Policy{}, "connection to 169.254.169.254:80 refused: cloud metadata addresses are blocked"},
		{"169.254.1.1:80", Policy{}, "link-local addresses are blocked"},
		{"100.64.0.1:80", Policy{}, "carrier-grade NAT"},
		{"0.0.0.0:80", Policy{}, "unspecified addresses"},
		{"224.0.0.1:80", Policy{}, "multicast addresses"},
		{"192.0.2.1:80", Policy{}, "documentation addresses"},
		{"[::1]:80", Policy{}, "connection to [::1]:80 refused: loopback addresses (this machine) are blocked; an admin can allow them with --allow-network ::1/128"},
		{"[::]:80", Policy{}, "unspecified addresses"},
		{"[fe80::1]:80", Policy{}, "link-local addresses"},
		{"[fd12:3456::1]:80", Policy{}, "private network addresses"},
		{"[fd00:ec2::254]:80", Policy{}, "cloud metadata"},
		{"[ff02::1]:80", Policy{}, "multicast addresses"},
		{"[2001:db8::1]:80", Policy{}, "documentation addresses"},
		{"[::ffff:127.0.0.1]:80", Policy{}, "connection to 127.0.0.1:80 refused: loopback"},
		{"[::ffff:10.0.0.5]:80", Policy{}, "private network addresses"},
		{"[::ffff:169.254.169.254]:80", Policy{}, "cloud metadata"},
		{"[::ffff:127.0.0.1]:80", allowLoopback, ""},
		{"[64:ff9b::7f00:1]:80", Policy{}, "special-purpose addresses are blocked"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			err := tt.policy.Check(netip.MustParseAddrPort(tt.addr))
			assertRefusal(t, err, tt.wantErr)
		})
	}
}

func assertRefusal(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("allowed, want refusal containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if !IsRefused(err) {
		t.Errorf("IsRefused(%v) = false", err)
	}
	if transient, _ := fault.IsTransient(err); transient {
		t.Errorf("refusal %v is transient, want permanent", err)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Errorf("refusal %v carries no fault class", err)
	}
}

func TestDialer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptAll(ln)
	port := ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name    string
		policy  Policy
		address string
		wantErr string
	}{
		{"loopback refused", Policy{}, net.JoinHostPort("127.0.0.1", itoa(port)), "loopback addresses"},
		{"loopback allowed", allowLoopback, net.JoinHostPort("127.0.0.1", itoa(port)), ""},
		// localhost is only known to be loopback after DNS resolution.
		{"name resolving to loopback refused", Policy{}, net.JoinHostPort("localhost", itoa(port)), "loopback addresses"},
		{"mapped loopback refused", Policy{}, net.JoinHostPort("::ffff:127.0.0.1", itoa(port)), "loopback addresses"},
		{"private refused", Policy{}, "10.0.0.5:443", "private network addresses"},
		{"metadata refused", Policy{}, "169.254.169.254:80", "cloud metadata"},
		{"IPv6 loopback refused", Policy{}, "[::1]:80", "loopback addresses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, err := tt.policy.Dialer().DialContext(context.Background(), "tcp", tt.address)
			if err == nil {
				conn.Close()
			}
			assertRefusal(t, err, tt.wantErr)
		})
	}
}

func acceptAll(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTransportRedirectToRefusedAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target string
		want   string
	}{
		{"metadata", "http://169.254.169.254/latest/meta-data/", "cloud metadata addresses are blocked"},
		{"other loopback", "http://127.0.0.2:8080/admin", "loopback addresses"},
		{"private", "https://10.1.2.3/", "private network addresses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.target, http.StatusFound)
			}))
			t.Cleanup(srv.Close)
			client := &http.Client{Transport: allowLoopback.Transport()}
			resp, err := client.Get(srv.URL)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				t.Fatalf("redirect to %s was followed (status %d)", tt.target, resp.StatusCode)
			}
			assertRefusal(t, err, tt.want)
		})
	}
}

func TestTransportAllowed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name    string
		policy  Policy
		wantErr string
	}{
		{"allowed", allowLoopback, ""},
		{"refused by default", Policy{}, "loopback addresses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := &http.Client{Transport: tt.policy.Transport()}
			resp, err := client.Get(srv.URL)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != "ok" {
					t.Errorf("body %q, want ok", body)
				}
			}
			assertRefusal(t, err, tt.wantErr)
		})
	}
}

func TestParseAllow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      []string
		want    string
		wantErr string
	}{
		{[]string{"127.0.0.1"}, "[127.0.0.1/32]", ""},
		{[]string{"10.0.0.0/8", "::1"}, "[10.0.0.0/8 ::1/128]", ""},
		{[]string{" 192.168.1.7/16 "}, "[192.168.0.0/16]", ""},
		{[]string{"::ffff:10.0.0.0/104"}, "[10.0.0.0/8]", ""},
		{[]string{"::ffff:10.0.0.1"}, "[10.0.0.1/32]", ""},
		{nil, "[]", ""},
		{[]string{"intranet"}, "", `"intranet" is not an IP address or network; write an address such as 10.0.0.5 or ::1, or a network such as 10.0.0.0/8`},
		{[]string{"10.0.0.0/33"}, "", `"10.0.0.0/33" is not an IP address or network`},
		{[]string{"fe80::1%eth0"}, "", "is not an IP address"},
		{[]string{""}, "", "an allowed network is empty"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.in, ","), func(t *testing.T) {
			t.Parallel()
			got, err := ParseAllow(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := prefixList(got); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
}

func prefixList(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "10.0.0.0/8", "::1", "::ffff:10.0.0.0/104", "x/8", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseAllow([]string{s})
		if err != nil {
			return
		}
		if len(ps) != 1 || !ps[0].IsValid() || ps[0] != ps[0].Masked() {
			t.Errorf("ParseAllow(%q) = %v", s, ps)
		}
	})
}
