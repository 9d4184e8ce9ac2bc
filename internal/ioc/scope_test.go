package ioc

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScopeOf(t *testing.T) {
	tests := []struct {
		addr string
		want Scope
	}{
		// IPv4 special-purpose registry.
		{"0.0.0.0", Unspecified},
		{"0.1.2.3", Reserved},
		{"10.0.0.1", Private},
		{"10.255.255.255", Private},
		{"100.63.255.255", Public},
		{"100.64.0.1", CGNAT},
		{"100.127.255.254", CGNAT},
		{"100.128.0.0", Public},
		{"127.0.0.1", Loopback},
		{"127.255.255.254", Loopback},
		{"169.254.169.254", LinkLocal},
		{"172.15.255.255", Public},
		{"172.16.0.1", Private},
		{"172.31.255.255", Private},
		{"172.32.0.0", Public},
		{"192.0.0.1", Reserved},
		{"192.0.0.9", Public},
		{"192.0.0.10", Public},
		{"192.0.0.170", Reserved},
		{"192.0.2.1", Documentation},
		{"192.31.196.1", Public},
		{"192.52.193.1", Public},
		{"192.88.99.1", Reserved},
		{"192.168.1.1", Private},
		{"192.175.48.6", Public},
		{"198.18.0.1", Benchmark},
		{"198.19.255.255", Benchmark},
		{"198.20.0.0", Public},
		{"198.51.100.7", Documentation},
		{"203.0.113.7", Documentation},
		{"224.0.0.251", Multicast},
		{"239.255.255.250", Multicast},
		{"240.0.0.1", Reserved},
		{"255.255.255.254", Reserved},
		{"255.255.255.255", Broadcast},
		{"8.8.8.8", Public},
		{"1.1.1.1", Public},
		// IPv6 special-purpose registry.
		{"::", Unspecified},
		{"::1", Loopback},
		{"::2", Reserved},
		{"::1.2.3.4", Reserved}, // deprecated IPv4-compatible
		{"64:ff9b:1::1", Private},
		{"100::1", Reserved},
		{"100:0:0:1::1", Reserved},
		{"2001::1", Public},       // Teredo
		{"2001:1::1", Public},     // PCP anycast
		{"2001:1::4", Reserved},   // unassigned IETF protocol assignment
		{"2001:2::1", Benchmark},  // benchmarking
		{"2001:3::1", Public},     // AMT
		{"2001:4:112::1", Public}, // AS112-v6
		{"2001:10::1", Reserved},  // deprecated ORCHID
		{"2001:20::1", Public},    // ORCHIDv2
		{"2001:db8::1", Documentation},
		{"2001:db8:ffff::1", Documentation},
		{"2002:c000:201::1", Public}, // 6to4
		{"2606:4700:4700::1111", Public},
		{"2620:4f:8000::1", Public},
		{"3fff::1", Documentation},
		{"3fff:fff::1", Documentation},
		{"3fff:1000::1", Public},
		{"5f00::1", Reserved},
		{"fc00::1", Private},
		{"fd12:3456:789a::1", Private},
		{"fe80::1", LinkLocal},
		{"fe80::1%eth0", LinkLocal},
		{"febf::1", LinkLocal},
		{"fec0::1", Private},
		{"ff02::1", Multicast},
		{"ff05::1:3", Multicast},
		{"4000::1", Reserved},
		// IPv4 embedded in IPv6: mapped, and the well-known NAT64 prefix.
		{"::ffff:10.1.2.3", Private},
		{"::ffff:127.0.0.1", Loopback},
		{"::ffff:8.8.8.8", Public},
		{"::ffff:198.51.100.7", Documentation},
		{"64:ff9b::8.8.8.8", Public},
		{"64:ff9b::192.168.1.1", Private},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got := ScopeOf(netip.MustParseAddr(tt.addr))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ScopeOf(%s) mismatch (-want +got):\n%s", tt.addr, diff)
			}
		})
	}
}

func TestScopeOfZero(t *testing.T) {
	if got := ScopeOf(netip.Addr{}); got != "" {
		t.Errorf("ScopeOf(zero) = %q, want \"\"", got)
	}
}
