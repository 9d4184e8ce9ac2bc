package summary

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/triage-dev/triage/internal/enrich/domain"
	"github.com/triage-dev/triage/internal/enrich/geoip"
	"github.com/triage-dev/triage/internal/enrich/rdap"
)

// DNSFrom makes a domain.Resolver the summaries' Resolver.
func DNSFrom(r domain.Resolver) Resolver { return dnsResolver{r} }

type dnsResolver struct{ r domain.Resolver }

func (d dnsResolver) Resolve(ctx context.Context, name string) (DNSAnswers, error) {
	a, err := d.r.Resolve(ctx, name)
	return DNSAnswers{A: a.A, AAAA: a.AAAA, CNAME: a.CNAME, MX: a.MX, NS: a.NS, Errors: a.Errors}, err
}

// RegistryFrom makes an RDAP client the summaries' Registry.
func RegistryFrom(c *rdap.Client) Registry { return rdapRegistry{c} }

type rdapRegistry struct{ c *rdap.Client }

func (r rdapRegistry) Network(ctx context.Context, addr netip.Addr) (Network, error) {
	n, err := r.c.IP(ctx, addr)
	if errors.Is(err, rdap.ErrNotFound) {
		err = fmt.Errorf("%w: %v", ErrUnknown, err)
	}
	return Network{Name: n.Name, Handle: n.Handle, CIDR: n.CIDR, Country: n.Country, Org: n.Org, AbuseEmail: n.AbuseEmail,
		Registered: n.Registered, Updated: n.Updated, Source: n.Server}, err
}

func (r rdapRegistry) Domain(ctx context.Context, name string) (DomainRecord, error) {
	d, err := r.c.Domain(ctx, name)
	if errors.Is(err, rdap.ErrNotFound) {
		err = fmt.Errorf("%w: %v", ErrUnknown, err)
	}
	return DomainRecord{Registrar: d.Registrar, Created: d.Created, Updated: d.Updated, Expires: d.Expires,
		Nameservers: d.Nameservers, Status: d.Status, Source: d.Server}, err
}

// GeoFrom makes a GeoIP database the summaries' Locator.
func GeoFrom(db *geoip.DB) Locator { return geoLocator{db} }

type geoLocator struct{ db *geoip.DB }

func (g geoLocator) Locate(_ context.Context, addr netip.Addr) (Location, error) {
	l, err := g.db.Lookup(addr)
	if errors.Is(err, geoip.ErrNotFound) {
		err = fmt.Errorf("%w: %v", ErrUnknown, err)
	}
	return Location{CountryCode: l.CountryCode, Country: l.Country, Region: l.Region, City: l.City,
		Latitude: l.Latitude, Longitude: l.Longitude, ASN: l.ASN, ASOrg: l.ASOrg, Source: l.Source}, err
}
