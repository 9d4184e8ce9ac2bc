package cli

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/demo/demosrc"
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
		static = demosrc.Locations()
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
		e.registry, e.dns = demosrc.Registry{}, demosrc.DNS{}
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
