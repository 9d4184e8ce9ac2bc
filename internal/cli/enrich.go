package cli

import "github.com/triage-dev/triage/internal/summary"

// enrich returns the sources the entity summaries are enriched from: GeoIP,
// registration (RDAP) and DNS. A nil source is off; the summaries say so.
func (e *env) enrich() (summary.Locator, summary.Registry, summary.Resolver) {
	return e.geo, e.registry, e.dns
}
