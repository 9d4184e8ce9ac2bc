package cli

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/enrich/domain"
	"github.com/triage-dev/triage/internal/enrich/geoip"
	"github.com/triage-dev/triage/internal/enrich/rdap"
	"github.com/triage-dev/triage/internal/summary"
)

// openEnrich sets up the sources the entity summaries are enriched from:
// the GeoIP databases that exist, RDAP registration lookups and DNS. RDAP
// and DNS reach outside: they are off with intel.no_external. The demo
// workspace's names and addresses are reserved ones no outside service
// knows: it uses the demo's own locations, registry and DNS instead, so its
// summaries are whole with no network access.
func (e *env) openEnrich(s *IO, wc config.Workspace) {
	isDemo := wc.Kind == config.KindDemo
	var files []string
	for _, f := range e.cfg.GeoIP.Databases {
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	var static map[netip.Prefix]geoip.Location
	if isDemo {
		static = map[netip.Prefix]geoip.Location{}
		for _, l := range demo.Locations() {
			a, err := netip.ParseAddr(l.IP)
			if err != nil {
				continue
			}
			static[netip.PrefixFrom(a, a.BitLen())] = geoip.Location{
				CountryCode: l.CountryCode, Country: l.CountryName, Region: l.Region, City: l.City,
				Latitude: l.Latitude, Longitude: l.Longitude, ASN: uint(l.ASN), ASOrg: l.Org,
			}
		}
	}
	if len(files) > 0 || len(static) > 0 {
		db := geoip.Open(geoip.Options{Files: files, Static: static})
		for _, p := range db.Problems() {
			fmt.Fprintln(s.Err, "triage: warning: geoip:", p)
		}
		e.geo, e.closeGeo = summary.GeoFrom(db), db
	}
	switch {
	case isDemo:
		e.registry, e.dns = demoRegistry{}, demoDNS{}
		return
	case e.cfg.Intel.NoExternal:
		return
	}
	e.registry = summary.RegistryFrom(&rdap.Client{CacheDir: filepath.Join(e.cfg.DataDir, "rdap")})
	e.dns = summary.DNSFrom(domain.Resolver{})
}

// enrich returns the sources the entity summaries are enriched from: GeoIP,
// registration (RDAP) and DNS. A nil source is off; the summaries say so.
func (e *env) enrich() (summary.Locator, summary.Registry, summary.Resolver) {
	return e.geo, e.registry, e.dns
}

// demoRegistry answers registration questions from the demo's registry.
type demoRegistry struct{}

const demoSource = "the demo's registry"

func (demoRegistry) Network(_ context.Context, addr netip.Addr) (summary.Network, error) {
	n, ok := demo.NetworkOf(addr.String())
	if !ok {
		return summary.Network{}, summary.ErrUnknown
	}
	return summary.Network{Name: n.Name, Handle: n.Handle, CIDR: n.CIDR, Country: n.Country, Org: n.Org,
		AbuseEmail: n.AbuseEmail, Registered: n.Registered, Source: demoSource}, nil
}

func (demoRegistry) Domain(_ context.Context, name string) (summary.DomainRecord, error) {
	d, ok := demo.DomainOf(name)
	if !ok {
		return summary.DomainRecord{}, summary.ErrUnknown
	}
	return summary.DomainRecord{Registrar: d.Registrar, Created: d.Created, Updated: d.Updated, Expires: d.Expires,
		Nameservers: d.Nameservers, Status: d.Status, Source: demoSource}, nil
}

// demoDNS answers DNS questions from the demo's DNS records.
type demoDNS struct{}

func (demoDNS) Resolve(_ context.Context, name string) (summary.DNSAnswers, error) {
	if a, ok := demo.Resolve(name); ok {
		return summary.DNSAnswers{A: a}, nil
	}
	return summary.DNSAnswers{Errors: map[string]string{"A": "no such host in the demo's DNS"}}, nil
}
