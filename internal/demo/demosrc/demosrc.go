// Package demosrc gives the entity summaries the demo's own outside
// sources: the locations, registrations and DNS records of the demo's public
// addresses and names. They are documentation addresses and reserved names
// that no real GeoIP database, RDAP server or resolver knows, so the demo
// brings its own, and its summaries are whole with no network access.
package demosrc

import (
	"context"
	"net/netip"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/enrich/geoip"
	"github.com/triage-dev/triage/internal/summary"
)

// Source names where the demo's answers come from, in the summaries.
const Source = "the demo's registry"

// Locations returns the demo's public addresses as fixed GeoIP entries
// (geoip.Options.Static).
func Locations() map[netip.Prefix]geoip.Location {
	out := map[netip.Prefix]geoip.Location{}
	for _, l := range demo.Locations() {
		a, err := netip.ParseAddr(l.IP)
		if err != nil {
			continue
		}
		out[netip.PrefixFrom(a, a.BitLen())] = geoip.Location{
			CountryCode: l.CountryCode, Country: l.CountryName, Region: l.Region, City: l.City,
			Latitude: l.Latitude, Longitude: l.Longitude, ASN: uint(l.ASN), ASOrg: l.Org,
		}
	}
	return out
}

// Registry answers registration questions from the demo's registry.
type Registry struct{}

// Network implements summary.Registry.
func (Registry) Network(_ context.Context, addr netip.Addr) (summary.Network, error) {
	n, ok := demo.NetworkOf(addr.String())
	if !ok {
		return summary.Network{}, summary.ErrUnknown
	}
	return summary.Network{Name: n.Name, Handle: n.Handle, CIDR: n.CIDR, Country: n.Country, Org: n.Org,
		AbuseEmail: n.AbuseEmail, Registered: n.Registered, Source: Source}, nil
}

// Domain implements summary.Registry.
func (Registry) Domain(_ context.Context, name string) (summary.DomainRecord, error) {
	d, ok := demo.DomainOf(name)
	if !ok {
		return summary.DomainRecord{}, summary.ErrUnknown
	}
	return summary.DomainRecord{Registrar: d.Registrar, Created: d.Created, Updated: d.Updated, Expires: d.Expires,
		Nameservers: d.Nameservers, Status: d.Status, Source: Source}, nil
}

// DNS answers DNS questions from the demo's DNS records.
type DNS struct{}

// Resolve implements summary.Resolver.
func (DNS) Resolve(_ context.Context, name string) (summary.DNSAnswers, error) {
	if a, ok := demo.Resolve(name); ok {
		return summary.DNSAnswers{A: a}, nil
	}
	return summary.DNSAnswers{Errors: map[string]string{"A": "no such host in the demo's DNS"}}, nil
}
