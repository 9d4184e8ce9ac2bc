package cli

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/enrich/domain"
	"github.com/triage-dev/triage/internal/enrich/geoip"
	"github.com/triage-dev/triage/internal/enrich/rdap"
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
	var static map[netip.Prefix]enrich.Location
	if isDemo {
		static = demo.Locations()
	}
	if len(files) > 0 || len(static) > 0 {
		db := geoip.Open(geoip.Options{Files: files, Static: static})
		for _, p := range db.Problems() {
			fmt.Fprintln(s.Err, "triage: warning: geoip:", p)
		}
		e.Geo, e.closeGeo = db, db
	}
	switch {
	case isDemo:
		e.Registry, e.DNS = demo.Registry{}, demo.DNS{}
		return
	case e.cfg.Intel.NoExternal:
		return
	}
	e.Registry = &rdap.Client{CacheDir: filepath.Join(e.cfg.DataDir, "rdap")}
	e.DNS = domain.Resolver{}
}
