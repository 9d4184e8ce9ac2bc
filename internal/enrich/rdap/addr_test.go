package rdap

import (
	"net/netip"
	"testing"
)

func TestNotPublic(t *testing.T) {
	for _, a := range []string{
		"8.8.8.8", "1.1.1.1", "193.0.6.139", "100.63.255.255", "100.128.0.0", "172.32.0.1", "192.0.3.1",
		"198.20.0.1", "223.255.255.255", "2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450::1",
		"2001:db9::1", "2003::1",
	} {
		if why := notPublic(netip.MustParseAddr(a)); why != "" {
			t.Errorf("notPublic(%s) = %q, want public", a, why)
		}
	}
	for a, want := range map[string]string{
		"10.0.0.1":         "a private-use address (RFC 1918)",
		"fd00::1":          "a unique local address (RFC 4193)",
		"100.64.0.1":       "a shared (carrier-grade NAT) address (RFC 6598)",
		"2001:db8::1":      "a documentation address (RFC 3849)",
		"198.51.100.7":     "a documentation address (RFC 5737)",
		"2002:c000:201::1": "a 6to4 address (RFC 3056)",
	} {
		if why := notPublic(netip.MustParseAddr(a)); why != want {
			t.Errorf("notPublic(%s) = %q, want %q", a, why, want)
		}
	}
}
