package demo

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/enrich"
)

// RegistrySource is the Source of the demo registry's answers.
const RegistrySource = "the demo's registry"

// Registry is the demo's own registry, an enrich.Registry: the demo's
// public addresses and names are documentation addresses and reserved names
// that no RDAP server knows, so the demo brings their registrations, and its
// summaries are whole with no network access. A value it does not know is
// enrich.ErrUnknown.
type Registry struct{}

var _ enrich.Registry = Registry{}

// Network returns the registration of a public demo address, as an RDAP
// server would give it: the /28 (IPv4) or /64 (IPv6) around the address,
// held by the address's autonomous system.
func (Registry) Network(_ context.Context, addr netip.Addr) (enrich.Network, error) {
	l, ok := geoOf(addr.String())
	if !ok {
		return enrich.Network{}, fmt.Errorf("%s: %w", addr, enrich.ErrUnknown)
	}
	bits := 28
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	slug := strings.ToUpper(strings.NewReplacer(" (demo)", "", " ", "-", ".", "").Replace(l.ASOrg))
	asn := int(l.ASN)
	return enrich.Network{
		CIDR: p.String(), Name: slug + "-NET", Handle: "NET-" + strings.NewReplacer(".", "-", ":", "-", "/", "-").Replace(p.String()),
		Country: l.CountryCode, Org: l.ASOrg,
		AbuseEmail: "abuse@" + strings.ToLower(slug) + ".example",
		Registered: time.Date(2004+asn%16, time.Month(1+asn%12), 1+asn%27, 0, 0, 0, 0, time.UTC),
		Source:     RegistrySource,
	}, nil
}

// Domain returns the registration of one of the demo's registered domains
// (example.com, example.net, example.org: every outside name of the story
// is under them).
func (Registry) Domain(_ context.Context, name string) (enrich.Registration, error) {
	d, ok := demoDomains[strings.ToLower(strings.TrimSuffix(name, "."))]
	if !ok {
		return enrich.Registration{}, fmt.Errorf("%s: %w", name, enrich.ErrUnknown)
	}
	d.Nameservers, d.Status = slices.Clone(d.Nameservers), slices.Clone(d.Status)
	d.Source = RegistrySource
	return d, nil
}

var demoDomains = map[string]enrich.Registration{
	"example.com": {Registrar: "Example Registrar (demo)", Created: date(1995, 8, 14), Updated: date(2026, 8, 14), Expires: date(2027, 8, 13),
		Nameservers: []string{"a.iana-servers.net", "b.iana-servers.net"}, Status: []string{"client delete prohibited", "client transfer prohibited"}},
	"example.net": {Registrar: "Example Registrar (demo)", Created: date(1995, 8, 14), Updated: date(2026, 8, 14), Expires: date(2027, 8, 13),
		Nameservers: []string{"a.iana-servers.net", "b.iana-servers.net"}, Status: []string{"client delete prohibited", "client transfer prohibited"}},
	"example.org": {Registrar: "Example Registrar (demo)", Created: date(1995, 8, 31), Updated: date(2026, 8, 14), Expires: date(2027, 8, 30),
		Nameservers: []string{"a.iana-servers.net", "b.iana-servers.net"}, Status: []string{"client delete prohibited", "client transfer prohibited"}},
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DNS is the demo's own DNS, an enrich.Resolver: it answers for the
// demo's outside names as the story has it (the A records its DNS server
// logged), and says "no such host" for the others.
type DNS struct{}

var _ enrich.Resolver = DNS{}

// Resolve returns the name's A records; a name the demo does not know has
// none, with the reason in Errors.
func (DNS) Resolve(_ context.Context, name string) (enrich.DNSAnswers, error) {
	ips := dnsTable[strings.ToLower(strings.TrimSuffix(name, "."))]
	if len(ips) == 0 {
		return enrich.DNSAnswers{Errors: map[string]string{"A": "no such host in the demo's DNS"}}, nil
	}
	return enrich.DNSAnswers{A: slices.Clone(ips)}, nil
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
