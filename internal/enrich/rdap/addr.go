package rdap

import "net/netip"

// special lists the special-purpose ranges that no registry assigns to a
// holder (IANA IPv4 and IPv6 Special-Purpose Address Registries), besides
// those netip already names.
var special = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address (RFC 791)`},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address (RFC 6598)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address (RFC 6890)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address (RFC 5737)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay anycast address (RFC 7526)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address (RFC 2544)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address (RFC 5737)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address (RFC 5737)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address (RFC 1112)"},
	{netip.MustParsePrefix("::/8"), "a reserved address (RFC 4291)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address (RFC 6052)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local NAT64 address (RFC 8215)"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address (RFC 6666)"},
	{netip.MustParsePrefix("2001::/32"), "a Teredo address (RFC 4380)"},
	{netip.MustParsePrefix("2001:2::/48"), "a benchmarking address (RFC 5180)"},
	{netip.MustParsePrefix("2001:10::/28"), "an ORCHID address (RFC 4843)"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address (RFC 3849)"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address (RFC 3056)"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address (RFC 9637)"},
	{netip.MustParsePrefix("5f00::/16"), "an SRv6 SID address (RFC 9602)"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address (RFC 3879)"},
}

// notPublic says why a (unmapped) address has no public registration, or
// "" when it may have one.
func notPublic(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		if a.Is4() {
			return "a private-use address (RFC 1918)"
		}
		return "a unique local address (RFC 4193)"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast():
		return "a multicast address"
	}
	a = a.WithZone("")
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.what
		}
	}
	return ""
}
