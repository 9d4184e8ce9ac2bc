package cli

import (
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
// the GeoIP databases that exist (and, on the demo workspace, the demo's own
// locations, so its map needs no download), RDAP registration lookups and
// DNS. RDAP and DNS reach outside: they are off on the demo workspace (its
// names and addresses are reserved ones) and with intel.no_external.
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
	if isDemo || e.cfg.Intel.NoExternal {
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
