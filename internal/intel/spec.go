package intel

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
)

// Spec is everything the rest of triage knows about one provider, declared
// once by the provider's own package (its exported Spec) and registered by
// one line in package intel/providers. The registry builds providers from
// their specs; the configuration, the CLI and the web UI read names, kinds
// and needs from them, so adding a provider touches only its package and
// that line.
type Spec struct {
	// Name is the stable lower-case id used in triage.yaml, cache keys and
	// output; the provider's Name returns it.
	Name string
	// Aliases are other names triage.yaml accepts for the provider, lower
	// case.
	Aliases []string
	// MsticpyNames are the names msticpyconfig.yaml's TIProviders give the
	// provider (msticpy's TI_PROVIDERS keys and the section names people
	// use), lower case; none when msticpy has no such provider.
	MsticpyNames []string
	// Kinds are the indicator kinds the provider looks up, in ioc.Kinds
	// order; its Supports is Spec.Supports.
	Kinds []ioc.Kind
	// External is set when lookups leave the organisation: withheld
	// indicators are never given to the provider, and intel.no_external
	// turns it off. The provider's External returns it.
	External bool
	// NeedsKey: no lookups without providers.<name>.api_key. OptionalKey:
	// a key is optional and gives more answers. NeedsID: an api_id is
	// needed as well.
	NeedsKey, OptionalKey, NeedsID bool
	// Files says what providers.<name>.files holds, for messages ("CSV or
	// STIX 2.1 files"); "" for a provider that reads no files.
	Files string
	// ReadsWorkspace is set for a provider that looks values up in the
	// workspace through Setup.WorkspaceTI: it cannot run without one.
	ReadsWorkspace bool
	// OnByDefault providers are enabled without any configuration.
	OnByDefault bool
	// DefaultBaseURL is the service's address ("" for a provider that has
	// none). A configured base URL without a path takes this one's path.
	DefaultBaseURL string
	// DefaultQuota is the service's free tier, in requests.
	DefaultQuota Quota
	// RequestsPerLookup says how many requests one lookup costs with the
	// provider's options; nil means one. The engine counts lookups, so the
	// quota is divided by it.
	RequestsPerLookup func(options map[string]string) int
	// Note is a line `triage config check` adds to an enabled provider's
	// summary ("" for none).
	Note string
	// New builds the provider from s, which the registry has checked
	// against the needs above (a key is set when NeedsKey, and so on). It
	// makes no request.
	New func(s Setup) (Provider, error)
}

// Supports reports whether k is one of the spec's Kinds.
func (s Spec) Supports(k ioc.Kind) bool { return slices.Contains(s.Kinds, k) }

// Setup is what Spec.New builds a provider from: one shape for every
// provider, filled by the registry from the provider's settings and what
// the program supplies. Zero values mean the provider's own defaults.
type Setup struct {
	// BaseURL is the configured address of the service, completed with
	// the default's path; "" for the default.
	BaseURL string
	// AllowInsecureHTTP is the provider's allow_insecure_http setting: its
	// key may go over http:// to another machine (httpapi.Client).
	AllowInsecureHTTP bool
	// APIKey and APIID are the credentials, "" when not configured.
	APIKey, APIID string
	// Timeout bounds one request.
	Timeout time.Duration
	// HTTP sends the requests; nil means a default client.
	HTTP *http.Client
	// Options are the provider-specific settings (providers.<name>.options).
	Options map[string]string
	// Files are the files the provider reads, absolute.
	Files []string
	// CacheTTL is the provider's configured cache_ttl (0 when unset); a
	// provider that keeps data of its own, such as a downloaded list, takes
	// it as the age at which that data is fetched again.
	CacheTTL time.Duration
	// Dir is a directory of the provider's own in the data directory, for
	// what it keeps between runs; it is created when first written.
	Dir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WorkspaceTI reads the workspace's threat-intelligence table; nil when
	// there is no workspace.
	WorkspaceTI WorkspaceTI
}

// WorkspaceTI returns the active rows of the workspace's own
// threat-intelligence table whose observable value is one of values
// (lower-cased). It is called once per batch. The caller binds it to the
// workspace's named query, so a provider never sees the workspace.
type WorkspaceTI func(ctx context.Context, values []string) ([]TIMatch, error)

// TIMatch is one active indicator row of a workspace's threat-intelligence
// table.
type TIMatch struct {
	ObservableKey   string // "ipv4-addr:value", "file:hashes.'SHA-256'", ...
	ObservableValue string
	Confidence      int
	Name            string // the STIX indicator's name, if any
	Description     string
	Tags            []string
	Source          string
}

// ProviderState is what the configuration makes of one provider. The
// registry works it out once, with the reason beside it; `triage providers`
// and the web UI's providers page show it as it is.
type ProviderState string

// The provider states.
const (
	// ProviderRuns: the provider is part of the engine and looked up.
	ProviderRuns ProviderState = "runs"
	// ProviderSkipped: part of the engine, but its lookups are skipped
	// (external lookups are turned off).
	ProviderSkipped ProviderState = "skipped"
	// ProviderOnRequest: enabled but not primary, looked up when asked for
	// (--all, --provider).
	ProviderOnRequest ProviderState = "on request"
	// ProviderOff: not enabled.
	ProviderOff ProviderState = "off"
	// ProviderNotConfigured: enabled, but it cannot run: a key, a file or
	// the workspace is missing, or a setting is wrong.
	ProviderNotConfigured ProviderState = "not configured"
)

// Provide returns a constructor's provider as a Provider, or its error
// alone: a failed constructor's nil pointer never becomes a non-nil
// Provider.
func Provide[P Provider](p P, err error) (Provider, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}
