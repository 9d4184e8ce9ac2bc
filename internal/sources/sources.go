// Package sources declares, once, what a triage reads from: the workspace,
// the threat-intel engine, and the enrichment sources of the entity
// summaries. The pipeline, the summaries, the web UI and the CLI carry one
// Sources value instead of each its own list of fields.
//
// It is a package of its own rather than part of package enrich so that the
// enrichment types and the sources that produce them (geoip, rdap, domain,
// the demo's) do not depend on the workspace and threat-intel packages:
// enrich imports nothing of the project; this package imports enrich, intel
// and workspace, and none of them imports it or each other.
package sources

import (
	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/workspace"
)

// Sources is what a triage reads from. A nil source is off: the steps and
// summary sections that need it say so rather than fail, except where a
// field says it is required.
type Sources struct {
	// Workspace holds the incidents and their logs and runs the named
	// queries. pipeline.Run and the web UI require it; without one, the
	// summaries' query sections say there is no workspace to query.
	Workspace workspace.Workspace
	// Intel looks indicators up in the threat-intel providers. Nil means no
	// provider: the report says none is configured and lookups answer
	// nothing. The summaries do not use it; they are given the lookups'
	// results.
	Intel *intel.Engine
	// Geo locates addresses. Nil means no GeoIP database: the summaries'
	// geolocation is skipped.
	Geo enrich.Locator
	// Registry finds who registered an address's network or a domain
	// (RDAP). Nil means registration lookups are off (as with
	// intel.no_external).
	Registry enrich.Registry
	// DNS resolves names. Nil means DNS lookups are off.
	DNS enrich.Resolver
}
