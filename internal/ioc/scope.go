package ioc

import "net/netip"

// Scope says where an IP address is reachable or meaningful, following the
// IANA IPv4 and IPv6 special-purpose address registries.
type Scope string

// The address scopes. Only Public addresses are globally routable unicast
// addresses worth sending to a threat-intelligence provider.
const (
	Public        Scope = "public"        // globally reachable unicast
	Private       Scope = "private"       // RFC 1918, IPv6 unique-local fc00::/7 and deprecated site-local fec0::/10
	Loopback      Scope = "loopback"      // 127.0.0.0/8, ::1
	LinkLocal     Scope = "link-local"    // 169.254.0.0/16, fe80::/10
	Multicast     Scope = "multicast"     // 224.0.0.0/4, ff00::/8
	Unspecified   Scope = "unspecified"   // 0.0.0.0, ::
	Documentation Scope = "documentation" // TEST-NET-1/2/3, 2001:db8::/32, 3fff::/20
	CGNAT         Scope = "cgnat"         // shared address space 100.64.0.0/10
	Benchmark     Scope = "benchmark"     // 198.18.0.0/15, 2001:2::/48
	Reserved      Scope = "reserved"      // reserved, deprecated or protocol-internal
	Broadcast     Scope = "broadcast"     // 255.255.255.255
)

// Internal reports whether addresses of the scope are inside a network:
// private, shared (CGNAT), loopback, link-local or unspecified ones, which
// only mean something where they are used (a host's own, its network's).
// Documentation, benchmarking and other reserved scopes are not internal:
// they belong to no network.
func (s Scope) Internal() bool {
	switch s {
	case Private, CGNAT, Loopback, LinkLocal, Unspecified:
		return true
	}
	return false
}

type scopeRange struct {
	prefix netip.Prefix
	scope  Scope
}

// v4Scopes is the IPv4 special-purpose registry, most specific prefix first.
// Blocks the registry marks globally reachable and that are not nested in a
// non-public block (192.31.196.0/24 AS112, 192.52.193.0/24 AMT,
// 192.175.48.0/24 AS112 direct delegation) fall through to Public.
var v4Scopes = []scopeRange{
	{netip.MustParsePrefix("0.0.0.0/32"), Unspecified},
	{netip.MustParsePrefix("0.0.0.0/8"), Reserved}, // "this network"
	{netip.MustParsePrefix("10.0.0.0/8"), Private},
	{netip.MustParsePrefix("100.64.0.0/10"), CGNAT},
	{netip.MustParsePrefix("127.0.0.0/8"), Loopback},
	{netip.MustParsePrefix("169.254.0.0/16"), LinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), Private},
	{netip.MustParsePrefix("192.0.0.9/32"), Public},   // PCP anycast
	{netip.MustParsePrefix("192.0.0.10/32"), Public},  // TURN anycast
	{netip.MustParsePrefix("192.0.0.0/24"), Reserved}, // IETF protocol assignments (DS-Lite, NAT64 discovery, ...)
	{netip.MustParsePrefix("192.0.2.0/24"), Documentation},
	{netip.MustParsePrefix("192.88.99.0/24"), Reserved}, // deprecated 6to4 relay anycast
	{netip.MustParsePrefix("192.168.0.0/16"), Private},
	{netip.MustParsePrefix("198.18.0.0/15"), Benchmark},
	{netip.MustParsePrefix("198.51.100.0/24"), Documentation},
	{netip.MustParsePrefix("203.0.113.0/24"), Documentation},
	{netip.MustParsePrefix("224.0.0.0/4"), Multicast},
	{netip.MustParsePrefix("255.255.255.255/32"), Broadcast},
	{netip.MustParsePrefix("240.0.0.0/4"), Reserved},
}

// v6Scopes is the IPv6 special-purpose registry, most specific prefix first.
// ::ffff:0:0/96 and 64:ff9b::/96 are handled before the table.
var v6Scopes = []scopeRange{
	{netip.MustParsePrefix("::/128"), Unspecified},
	{netip.MustParsePrefix("::1/128"), Loopback},
	{netip.MustParsePrefix("64:ff9b:1::/48"), Private},  // local-use IPv4/IPv6 translation
	{netip.MustParsePrefix("100::/64"), Reserved},       // discard-only
	{netip.MustParsePrefix("100:0:0:1::/64"), Reserved}, // dummy prefix
	{netip.MustParsePrefix("2001::/32"), Public},        // Teredo
	{netip.MustParsePrefix("2001:1::1/128"), Public},    // PCP anycast
	{netip.MustParsePrefix("2001:1::2/128"), Public},    // TURN anycast
	{netip.MustParsePrefix("2001:1::3/128"), Public},    // DNS-SD SRP anycast
	{netip.MustParsePrefix("2001:2::/48"), Benchmark},   // benchmarking
	{netip.MustParsePrefix("2001:3::/32"), Public},      // AMT
	{netip.MustParsePrefix("2001:4:112::/48"), Public},  // AS112-v6
	{netip.MustParsePrefix("2001:20::/28"), Public},     // ORCHIDv2
	{netip.MustParsePrefix("2001:30::/28"), Public},     // drone remote ID tags
	{netip.MustParsePrefix("2001::/23"), Reserved},      // rest of the IETF protocol assignments, incl. deprecated ORCHID
	{netip.MustParsePrefix("2001:db8::/32"), Documentation},
	{netip.MustParsePrefix("3fff::/20"), Documentation},
	{netip.MustParsePrefix("5f00::/16"), Reserved}, // SRv6 SIDs, not globally reachable
	{netip.MustParsePrefix("fc00::/7"), Private},   // unique-local
	{netip.MustParsePrefix("fe80::/10"), LinkLocal},
	{netip.MustParsePrefix("fec0::/10"), Private}, // deprecated site-local
	{netip.MustParsePrefix("ff00::/8"), Multicast},
	{netip.MustParsePrefix("2000::/3"), Public}, // global unicast, incl. 6to4 2002::/16
}

// nat64 is the well-known NAT64 prefix; its addresses embed an IPv4 address.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// ScopeOf classifies an address from the IANA IPv4 and IPv6 special-purpose
// registries. The zone is ignored. IPv4-mapped addresses (::ffff:a.b.c.d) and
// addresses in the well-known NAT64 prefix 64:ff9b::/96 are classified as the
// IPv4 address they embed. IPv6 unique-local (fc00::/7) and the deprecated
// site-local fec0::/10 are Private; IPv6 outside 2000::/3 and the listed blocks
// is IETF-reserved space and so Reserved. The invalid zero Addr has scope "".
func ScopeOf(a netip.Addr) Scope {
	if !a.IsValid() {
		return ""
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		return lookupScope(v4Scopes, a, Public)
	}
	if nat64.Contains(a) {
		b := a.As16()
		return ScopeOf(netip.AddrFrom4([4]byte(b[12:])))
	}
	return lookupScope(v6Scopes, a, Reserved)
}

func lookupScope(table []scopeRange, a netip.Addr, dflt Scope) Scope {
	for _, r := range table {
		if r.prefix.Contains(a) {
			return r.scope
		}
	}
	return dflt
}
