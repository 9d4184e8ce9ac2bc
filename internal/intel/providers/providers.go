// Package providers is the list of threat-intelligence providers triage
// knows: one line per provider, naming its package's Spec. Adding a
// provider is writing its package, with its Spec, and adding its line here;
// the registry, the configuration, the CLI and the web UI read this list.
//
// The list is a package of its own so that both the configuration (which
// reads names, aliases, msticpy's names and what each provider needs) and
// the registry (which builds the providers from the configuration) can
// import it: the provider packages import neither.
package providers

import (
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/abuseipdb"
	"github.com/triage-dev/triage/internal/intel/greynoise"
	"github.com/triage-dev/triage/internal/intel/localfeed"
	"github.com/triage-dev/triage/internal/intel/otx"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/intel/tor"
	"github.com/triage-dev/triage/internal/intel/virustotal"
	"github.com/triage-dev/triage/internal/intel/xforce"
)

// All are the providers, in the order they are listed everywhere.
var All = []intel.Spec{
	virustotal.Spec,
	otx.Spec,
	greynoise.Spec,
	xforce.Spec,
	abuseipdb.Spec,
	tor.Spec,
	localfeed.Spec,
	sentinelti.Spec,
}

// Names returns the providers' names, in the order of All.
func Names() []string {
	out := make([]string, len(All))
	for i, s := range All {
		out[i] = s.Name
	}
	return out
}

// Find returns the provider called name, by its name or one of its
// aliases, ignoring case and surrounding space.
func Find(name string) (intel.Spec, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, s := range All {
		if s.Name == name || slices.Contains(s.Aliases, name) {
			return s, true
		}
	}
	return intel.Spec{}, false
}

// FindMsticpy returns the provider msticpyconfig.yaml calls name (a
// TIProviders section or its Provider setting), ignoring case.
func FindMsticpy(name string) (intel.Spec, bool) {
	name = strings.ToLower(name)
	for _, s := range All {
		if slices.Contains(s.MsticpyNames, name) {
			return s, true
		}
	}
	return intel.Spec{}, false
}
