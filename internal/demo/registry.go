package demo

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Network is the registration of a public demo address, as an RDAP server
// would give it: the demo's own registry, so that the demo's summaries show
// registrations with no network access. Networks are the /28 (IPv4) or /64
// (IPv6) around each address, held by the address's autonomous system.
type Network struct {
	CIDR, Name, Handle, Country, Org, AbuseEmail string
	Registered                                   time.Time
}

// NetworkOf returns the registration of a public demo address.
func NetworkOf(ip string) (Network, bool) {
	l, ok := geoOf(ip)
	if !ok {
		return Network{}, false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return Network{}, false
	}
	bits := 28
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	slug := strings.ToUpper(strings.NewReplacer(" (demo)", "", " ", "-", ".", "").Replace(l.Org))
	return Network{
		CIDR: p.String(), Name: slug + "-NET", Handle: "NET-" + strings.NewReplacer(".", "-", ":", "-", "/", "-").Replace(p.String()),
		Country: l.CountryCode, Org: l.Org,
		AbuseEmail: "abuse@" + strings.ToLower(slug) + ".example",
		Registered: time.Date(2004+l.ASN%16, time.Month(1+l.ASN%12), 1+l.ASN%27, 0, 0, 0, 0, time.UTC),
	}, true
}

// Domain is the registration of a registered domain the demo uses.
type Domain struct {
	Registrar                 string
	Created, Updated, Expires time.Time
	Nameservers, Status       []string
}

// DomainOf returns the registration of one of the demo's registered
// domains (example.com, example.net, example.org: every outside name of the
// story is under them).
func DomainOf(name string) (Domain, bool) {
	d, ok := demoDomains[strings.ToLower(strings.TrimSuffix(name, "."))]
	return d, ok
}

var demoDomains = map[string]Domain{
	"example.com": {Registrar: "Example Registrar (demo)", Created: date(1995, 8, 14), Updated: date(2026, 8, 14), Expires: date(2027, 8, 13),
		Nameservers: []string{"a.iana-servers.net", "b.iana-servers.net"}, Status: []string{"client delete prohibited", "client transfer prohibited"}},
	"example.net": {Registrar: "Example Registrar (demo)", Created: date(1995, 8, 14), Updated: date(2026, 8, 14), Expires: date(2027, 8, 13),
		Nameservers: []string{"a.iana-servers.net", "b.iana-servers.net"}, Status: []string{"client delete prohibited", "client transfer prohibited"}},
	"example.org": {Registrar: "Example Registrar (demo)", Created: date(1995, 8, 31), Updated: date(2026, 8, 14), Expires: date(2027, 8, 30),
		Nameservers: []string{"a.iana-servers.net", "b.iana-servers.net"}, Status: []string{"client delete prohibited", "client transfer prohibited"}},
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Resolve answers a DNS question about one of the demo's outside names as
// the story has it (the A records its DNS server logged); ok is false for a
// name the demo does not know.
func Resolve(name string) (a []string, ok bool) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	ips := dnsTable[name]
	return slices.Clone(ips), len(ips) > 0
}

var dnsTable = func() map[string][]string {
	m := map[string][]string{
		c2Domain:      {c2IP},
		phishDomain:   {phishHostIP},
		payloadDomain: {phishHostIP},
		monitorDomain: {monitorIP},
	}
	for _, s := range saasServices {
		m[s.domain] = append(m[s.domain], s.ip)
	}
	return m
}()
