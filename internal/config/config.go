// Package config is triage's configuration: its own triage.yaml and an
// existing msticpyconfig.yaml, read together so that an msticpy user runs with
// no new configuration.
//
// Load finds and reads both files (settings in triage.yaml win), resolves
// secrets given plainly or in environment variables, and fills in defaults;
// ResolveSecrets reads Key Vault references through an injected SecretStore;
// Check says, for every workspace and provider, whether it is usable and what
// to fix. Nothing in this package reaches the network: the environment and
// the Key Vault client are injected, and files are only read.
//
// The threat-intel providers are those of package intel/providers: their
// specs say the names (and aliases, and msticpy's names) triage.yaml and
// msticpyconfig.yaml may use, and what each needs (a key, an api_id,
// files). This package keeps each provider's settings by name and checks
// them against the specs; it never builds a provider (intel/registry does,
// from these settings), so the specs are read, not called.
package config

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/triage"
)

// Config is the whole configuration, as Load built it.
type Config struct {
	// TriageFile and MsticpyFile are the files read ("" when none); Files
	// lists those that were read, triage.yaml first.
	TriageFile  string   `json:"triage_file,omitempty"`
	MsticpyFile string   `json:"msticpy_file,omitempty"`
	Files       []string `json:"files"`

	// DefaultWorkspace names the workspace used when none is given: from
	// triage.yaml's default_workspace, else msticpy's Default entry (or its
	// only workspace), else "demo".
	DefaultWorkspace string `json:"default_workspace"`
	// Workspaces by name. "demo", the built-in demo workspace, is always
	// present.
	Workspaces map[string]Workspace `json:"workspaces"`
	// Providers by name (intel/providers): every known provider is
	// present, enabled or not.
	Providers map[string]Provider `json:"providers"`

	// Azure holds the defaults every Sentinel workspace starts from.
	Azure Azure `json:"azure"`
	// KeyVault is the vault secret references use when they name none, and
	// how to sign in to it.
	KeyVault KeyVault `json:"key_vault"`
	GeoIP    GeoIP    `json:"geoip"`
	Intel    Intel    `json:"intel"`
	// Limits caps the entities a triage reads of one alert and of one
	// incident (triage.yaml's triage.max_entities_per_alert and
	// triage.max_entities_per_incident; triage.Default... when unset).
	Limits triage.Limits `json:"limits"`
	// Priority is how an incident's priority is scored: triage.yaml's
	// priority.weights over priority.Factors' defaults, and its lists of
	// crown-jewel hosts and VIP accounts.
	Priority priority.Settings `json:"priority"`
	// History is how the record of triages is kept.
	History History `json:"history"`
	// DataDir holds triage's own files: the store with the intel cache and
	// triage records, downloaded databases.
	DataDir string `json:"data_dir"`
	// DemoDir is where the demo workspace's file is kept, rebuilt when
	// missing: <user cache dir>/triage/demo. "" (no user cache dir) builds
	// the demo in memory for every command.
	DemoDir string `json:"demo_dir,omitempty"`

	// workDir is the working directory relative --workspace paths are
	// read from ("" for the process's own).
	workDir string

	// Warnings are problems that did not stop Load: an environment variable
	// that is not set, an msticpy provider triage does not support, a
	// setting ignored. Check repeats them.
	Warnings []string `json:"warnings,omitempty"`
}

// The kinds of workspace.
const (
	KindSentinel = "sentinel" // a Microsoft Sentinel workspace, through Azure
	KindDefender = "defender" // Microsoft Defender XDR, through the Microsoft Graph security API
	KindLocal    = "local"    // a SQLite file of imported exports
	KindDemo     = "demo"     // the built-in demo workspace
)

// The portals a Sentinel workspace's incidents are linked to.
const (
	PortalAzure    = "azure"    // the Azure portal: the incident's own URL
	PortalDefender = "defender" // the Microsoft Defender portal (security.microsoft.com)
)

// DemoWorkspace is the name of the built-in demo workspace.
const DemoWorkspace = "demo"

// Workspace is where incidents and their logs live.
type Workspace struct {
	Name string `json:"name"`
	Kind string `json:"kind"`

	// The Sentinel fields. WorkspaceID (the Log Analytics "Workspace ID",
	// a GUID) is enough for queries; the incidents API also needs
	// SubscriptionID, ResourceGroup and WorkspaceName (see IncidentsAPI).
	TenantID       string `json:"tenant_id,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
	ResourceGroup  string `json:"resource_group,omitempty"`
	WorkspaceName  string `json:"workspace_name,omitempty"`
	WorkspaceID    string `json:"workspace_id,omitempty"`
	// Cloud is one of the Cloud constants; Endpoints are complete: the
	// cloud's own with any configured ones in their place.
	Cloud     string    `json:"cloud,omitempty"`
	Endpoints Endpoints `json:"endpoints,omitzero"`
	Auth      Auth      `json:"auth,omitzero"`
	// Portal is where a Sentinel workspace's incident links point:
	// PortalAzure (its incidents' own URLs, the default) or PortalDefender
	// (the Defender portal, for a workspace onboarded to it).
	Portal string `json:"portal,omitempty"`
	// MaxConcurrentQueries bounds the Log Analytics queries in flight (the
	// service allows 5 per user); QueryTimeout is the server timeout of one.
	MaxConcurrentQueries int           `json:"max_concurrent_queries,omitempty"`
	QueryTimeout         time.Duration `json:"query_timeout,omitempty"`

	// Path is the SQLite file of a local workspace.
	Path string `json:"path,omitempty"`
	// Found says how a workspace that is not configured was found:
	// FoundDataDir or FoundPath; "" for a configured one.
	Found string `json:"found,omitempty"`

	// Origins are where the workspace is configured.
	Origins []Origin `json:"origins,omitempty"`
}

// IncidentsAPI reports whether a Sentinel workspace has what the incidents
// API needs: subscription, resource group and workspace name.
func (w Workspace) IncidentsAPI() bool {
	return w.SubscriptionID != "" && w.ResourceGroup != "" && w.WorkspaceName != ""
}

// ResourceID is the workspace's Azure resource ID, or "" without
// IncidentsAPI.
func (w Workspace) ResourceID() string {
	if !w.IncidentsAPI() {
		return ""
	}
	return "/subscriptions/" + w.SubscriptionID + "/resourceGroups/" + w.ResourceGroup +
		"/providers/Microsoft.OperationalInsights/workspaces/" + w.WorkspaceName
}

// The authentication methods.
const (
	// AuthDefault is azidentity's default chain: environment, workload
	// identity, managed identity, Azure CLI, Azure Developer CLI, PowerShell.
	AuthDefault         = "default"
	AuthCLI             = "cli"             // the signed-in Azure CLI (az login)
	AuthDeviceCode      = "devicecode"      // a code to enter at a URL, prompt on stderr
	AuthClientSecret    = "clientsecret"    // a service principal's id and secret
	AuthManagedIdentity = "managedidentity" // the host's managed identity
)

// AuthMethods lists the authentication methods.
var AuthMethods = []string{AuthDefault, AuthCLI, AuthDeviceCode, AuthClientSecret, AuthManagedIdentity}

// Auth says how to sign in to Azure.
type Auth struct {
	// Methods are tried in order until one gives a token (one is usual).
	Methods []string `json:"methods"`
	// TenantID overrides the workspace's tenant for signing in.
	TenantID string `json:"tenant_id,omitempty"`
	// ClientID and ClientSecret are the service principal for
	// AuthClientSecret.
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret Secret `json:"client_secret,omitzero"`
	// ManagedIdentityClientID selects a user-assigned managed identity.
	ManagedIdentityClientID string `json:"managed_identity_client_id,omitempty"`
}

// Azure holds the Azure defaults of every Sentinel workspace.
type Azure struct {
	Cloud     string    `json:"cloud"`
	Endpoints Endpoints `json:"endpoints"`
	Auth      Auth      `json:"auth"`
}

// KeyVault is the Azure Key Vault that secret references without a vault
// name use, and how to reach it.
type KeyVault struct {
	// VaultName and VaultURL are the default vault ("" when none).
	VaultName string `json:"vault_name,omitempty"`
	VaultURL  string `json:"vault_url,omitempty"`
	// TenantID, Cloud, Endpoints and Auth are for signing in to Key Vault;
	// they default to Azure's.
	TenantID  string    `json:"tenant_id,omitempty"`
	Cloud     string    `json:"cloud"`
	Endpoints Endpoints `json:"endpoints"`
	Auth      Auth      `json:"auth"`
	Origins   []Origin  `json:"origins,omitempty"`
}

// Provider is one threat-intelligence provider's settings. Zero numbers and
// durations, and an empty BaseURL, mean the provider's own default.
type Provider struct {
	Name string `json:"name"`
	// Enabled providers are looked up; Primary ones by default, the others
	// when asked for.
	Enabled bool `json:"enabled"`
	Primary bool `json:"primary"`
	// APIKey is the key; APIID the second credential X-Force needs.
	APIKey Secret `json:"api_key,omitzero"`
	APIID  Secret `json:"api_id,omitzero"`
	// BaseURL replaces the service's address (tests, proxies, mirrors).
	BaseURL string `json:"base_url,omitempty"`
	// AllowInsecureHTTP lets the key go to an http:// BaseURL on another
	// machine, unencrypted; without it such a BaseURL is a configuration
	// error when the provider has a key (httpapi.Cleartext).
	AllowInsecureHTTP bool `json:"allow_insecure_http,omitempty"`
	// Timeout bounds one request; Concurrency the requests in flight.
	Timeout     time.Duration `json:"timeout,omitempty"`
	Concurrency int           `json:"concurrency,omitempty"`
	// Quota is the request budget; zero windows take the free tier's.
	Quota Quota `json:"quota,omitzero"`
	// CacheTTL and NegativeCacheTTL override Intel's.
	CacheTTL         time.Duration `json:"cache_ttl,omitempty"`
	NegativeCacheTTL time.Duration `json:"negative_cache_ttl,omitempty"`
	// Files are the feeds of localfeed: CSV files or STIX 2.1 bundles.
	Files []string `json:"files,omitempty"`
	// Options are provider-specific settings.
	Options map[string]string `json:"options,omitempty"`
	// Origins are where the provider is configured; DisabledBy says what
	// turned it off ("" when enabled or never configured).
	Origins    []Origin `json:"origins,omitempty"`
	DisabledBy string   `json:"disabled_by,omitempty"`
}

// Quota is a request budget over several windows; 0 means no limit of
// that length is configured.
type Quota struct {
	PerSecond int `json:"per_second,omitempty"`
	PerMinute int `json:"per_minute,omitempty"`
	PerHour   int `json:"per_hour,omitempty"`
	PerDay    int `json:"per_day,omitempty"`
	PerMonth  int `json:"per_month,omitempty"`
}

// GeoIP says where the geolocation databases are and how to download them.
type GeoIP struct {
	// DBFolder holds the databases (msticpy's DBFolder is reused).
	DBFolder string `json:"db_folder"`
	// Databases are the database files (MaxMind .mmdb, or ip-location-db
	// CSV), absolute.
	Databases []string `json:"databases"`
	// AccountID and LicenseKey are the MaxMind account, for downloads.
	AccountID  string `json:"account_id,omitempty"`
	LicenseKey Secret `json:"license_key,omitzero"`
	// DownloadURL is the download address; "{edition}" stands for the
	// database edition, e.g. GeoLite2-City.
	DownloadURL string `json:"download_url"`
	// AutoDownload allows downloading missing or stale databases.
	AutoDownload bool     `json:"auto_download"`
	Origins      []Origin `json:"origins,omitempty"`
}

// History is how the record of every triage (<data_dir>/history.db) is
// kept.
type History struct {
	// Retention is how long a triage's record is kept (triage.yaml's
	// history.retention); 0 when unset, for package history's default
	// (history.DefaultRetention).
	Retention time.Duration `json:"retention,omitempty"`
}

// Intel holds the threat-intelligence settings shared by every provider.
type Intel struct {
	// NoExternal turns off every provider whose lookups leave the
	// organisation.
	NoExternal bool `json:"no_external"`
	// InternalDomains (lower case, without a leading dot) and the names under
	// them, InternalAccounts, and addresses in InternalNetworks are never
	// sent to an external provider (private and reserved addresses never
	// are either).
	InternalDomains  []string       `json:"internal_domains,omitempty"`
	InternalAccounts []string       `json:"internal_accounts,omitempty"`
	InternalNetworks []netip.Prefix `json:"internal_networks,omitempty"`
	// Timeout bounds one lookup; CacheTTL is how long an answer is reused,
	// NegativeCacheTTL how long a not-found or failure is.
	Timeout          time.Duration `json:"timeout"`
	CacheTTL         time.Duration `json:"cache_ttl"`
	NegativeCacheTTL time.Duration `json:"negative_cache_ttl"`
	// MaxWait is how long a lookup may wait for providers' quotas (the
	// engine's MaxWait: intel.NoWait, intel.WaitForever); 0 is the
	// engine's default.
	MaxWait time.Duration `json:"max_wait,omitempty"`
}

// Origin is where a setting is: a file, a line and the setting's path in that
// file's own terms.
type Origin struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Key  string `json:"key,omitempty"`
}

// String returns "file:line (key)".
func (o Origin) String() string {
	s := o.File
	if o.Line > 0 {
		s += fmt.Sprintf(":%d", o.Line)
	}
	if o.Key != "" {
		s += " (" + o.Key + ")"
	}
	return s
}
