package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/intel/providers"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/timespan"
	"github.com/triage-dev/triage/internal/triage"
)

// fileConfig is the shape of triage.yaml. msticpyconfig.yaml is translated
// into it too, so that both merge field by field (nil: not set) and are
// built by one code path.
type fileConfig struct {
	DefaultWorkspace *string                   `yaml:"default_workspace"`
	MsticpyConfig    *string                   `yaml:"msticpy_config"`
	DataDir          *string                   `yaml:"data_dir"`
	Azure            *fileAzure                `yaml:"azure"`
	KeyVault         *fileKeyVault             `yaml:"key_vault"`
	Workspaces       map[string]*fileWorkspace `yaml:"workspaces"`
	Providers        map[string]*fileProvider  `yaml:"providers"`
	GeoIP            *fileGeoIP                `yaml:"geoip"`
	Intel            *fileIntel                `yaml:"intel"`
	Triage           *fileTriage               `yaml:"triage"`
	Priority         *filePriority             `yaml:"priority"`
	History          *fileHistory              `yaml:"history"`
}

// filePriority is triage.yaml's priority: the points of the factors
// (priority.Factors) it changes, and the lists of hosts and accounts that
// matter most.
type filePriority struct {
	Weights     map[string]int `yaml:"weights"`
	CrownJewels []string       `yaml:"crown_jewels"`
	VIPAccounts []string       `yaml:"vip_accounts"`
	// Lookback is how far back first_seen_address,
	// closed_benign_history and privileged_account look.
	Lookback *duration `yaml:"lookback"`
}

type fileHistory struct {
	Retention *duration `yaml:"retention"`
}

type fileTriage struct {
	MaxEntitiesPerAlert    *int `yaml:"max_entities_per_alert"`
	MaxEntitiesPerIncident *int `yaml:"max_entities_per_incident"`
}

type fileAzure struct {
	Cloud     *string        `yaml:"cloud"`
	Endpoints *fileEndpoints `yaml:"endpoints"`
	Auth      *fileAuth      `yaml:"auth"`
}

type fileEndpoints struct {
	ResourceManager         *string `yaml:"resource_manager"`
	ResourceManagerAudience *string `yaml:"resource_manager_audience"`
	LogAnalytics            *string `yaml:"log_analytics"`
	AuthorityHost           *string `yaml:"authority_host"`
	Graph                   *string `yaml:"graph"`
	KeyVaultSuffix          *string `yaml:"key_vault_suffix"`
}

type fileAuth struct {
	Method                  stringList  `yaml:"method"`
	TenantID                *string     `yaml:"tenant_id"`
	ClientID                *string     `yaml:"client_id"`
	ClientSecret            *secretSpec `yaml:"client_secret"`
	ManagedIdentityClientID *string     `yaml:"managed_identity_client_id"`
}

type fileKeyVault struct {
	VaultName *string        `yaml:"vault_name"`
	TenantID  *string        `yaml:"tenant_id"`
	Cloud     *string        `yaml:"cloud"`
	Endpoints *fileEndpoints `yaml:"endpoints"`
	Auth      *fileAuth      `yaml:"auth"`
	Origins   []Origin       `yaml:"-"`
}

type fileWorkspace struct {
	Kind                 *string        `yaml:"kind"`
	TenantID             *string        `yaml:"tenant_id"`
	SubscriptionID       *string        `yaml:"subscription_id"`
	ResourceGroup        *string        `yaml:"resource_group"`
	WorkspaceName        *string        `yaml:"workspace_name"`
	WorkspaceID          *string        `yaml:"workspace_id"`
	Cloud                *string        `yaml:"cloud"`
	Endpoints            *fileEndpoints `yaml:"endpoints"`
	Auth                 *fileAuth      `yaml:"auth"`
	MaxConcurrentQueries *int           `yaml:"max_concurrent_queries"`
	QueryTimeout         *duration      `yaml:"query_timeout"`
	Portal               *string        `yaml:"portal"`
	Path                 *string        `yaml:"path"`
	Origins              []Origin       `yaml:"-"`
}

type fileProvider struct {
	Enabled           *bool             `yaml:"enabled"`
	Primary           *bool             `yaml:"primary"`
	APIKey            *secretSpec       `yaml:"api_key"`
	APIID             *secretSpec       `yaml:"api_id"`
	BaseURL           *string           `yaml:"base_url"`
	AllowInsecureHTTP *bool             `yaml:"allow_insecure_http"`
	Timeout           *duration         `yaml:"timeout"`
	Concurrency       *int              `yaml:"concurrency"`
	Quota             *fileQuota        `yaml:"quota"`
	CacheTTL          *duration         `yaml:"cache_ttl"`
	NegativeCacheTTL  *duration         `yaml:"negative_cache_ttl"`
	Files             stringList        `yaml:"files"`
	Options           map[string]string `yaml:"options"`
	Origins           []Origin          `yaml:"-"`
	DisabledBy        string            `yaml:"-"`
}

type fileQuota struct {
	PerSecond *int `yaml:"per_second"`
	PerMinute *int `yaml:"per_minute"`
	PerHour   *int `yaml:"per_hour"`
	PerDay    *int `yaml:"per_day"`
	PerMonth  *int `yaml:"per_month"`
}

type fileGeoIP struct {
	DBFolder     *string     `yaml:"db_folder"`
	Databases    stringList  `yaml:"databases"`
	AccountID    *string     `yaml:"account_id"`
	LicenseKey   *secretSpec `yaml:"license_key"`
	DownloadURL  *string     `yaml:"download_url"`
	AutoDownload *bool       `yaml:"auto_download"`
	Origins      []Origin    `yaml:"-"`
}

type fileIntel struct {
	NoExternal       *bool      `yaml:"no_external"`
	InternalDomains  stringList `yaml:"internal_domains"`
	InternalAccounts stringList `yaml:"internal_accounts"`
	InternalNetworks stringList `yaml:"internal_networks"`
	Timeout          *duration  `yaml:"timeout"`
	CacheTTL         *duration  `yaml:"cache_ttl"`
	NegativeCacheTTL *duration  `yaml:"negative_cache_ttl"`
	MaxWait          *wait      `yaml:"max_wait"`
}

// wait is a wait budget: a duration, 0 or forever (intel.ParseWait).
type wait time.Duration

func (w *wait) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a wait such as 20s or 2m, 0 for none, or forever, got %s", describe(n))
	}
	d, err := intel.ParseWait(n.Value)
	if err != nil {
		return err
	}
	*w = wait(d)
	return nil
}

// secretSpec is a secret as configured: the value, an environment variable
// or a Key Vault reference ("", "default", "secret", "vault/secret" or a
// secret URL).
type secretSpec struct {
	kind   SecretKind
	value  string // the value, the variable name, or the Key Vault reference
	origin Origin
}

func (s *secretSpec) setOrigin(o Origin) { s.origin = o }

// UnmarshalYAML accepts a plain scalar, {env: NAME} or {keyvault: REF}.
// Messages never repeat the value.
func (s *secretSpec) UnmarshalYAML(n *yaml.Node) error {
	const want = "want the secret itself, {env: VARIABLE} or {keyvault: [VAULT/]SECRET}"
	switch n.Kind {
	case yaml.ScalarNode:
		*s = secretSpec{kind: SecretPlain, value: n.Value}
		return nil
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return errors.New(want)
		}
		k, v := n.Content[0], n.Content[1]
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s: the value of %s must be a string", want, k.Value)
		}
		// Only the names env and keyvault are echoed: anything else may
		// be the secret itself, put in the wrong place.
		switch k.Value {
		case "env":
			if !validEnvName(v.Value) {
				return errors.New("env: not an environment variable name (letters, digits and _, not starting with a digit)")
			}
			*s = secretSpec{kind: SecretEnv, value: v.Value}
		case "keyvault":
			val := v.Value
			if isNull(v) {
				val = ""
			}
			*s = secretSpec{kind: SecretKeyVault, value: val}
		case "EnvironmentVar", "KeyVault":
			return fmt.Errorf("%s is msticpy's spelling: %s", k.Value, want)
		default:
			return fmt.Errorf("unknown key (not shown, in case it is the secret): %s", want)
		}
		return nil
	}
	return errors.New(want)
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validEnvName(s string) bool { return envName.MatchString(s) }

// duration is a positive time.Duration as timespan.Parse reads it: written
// as Go does (90s, 5m, 1h30m) or in days (7d).
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a duration such as 30s, 5m, 24h or 7d, got %s", describe(n))
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	if v, err := timespan.Parse(s); err == nil && v > 0 {
		return v, nil
	}
	return 0, fmt.Errorf("want a positive duration such as 30s, 5m, 24h or 7d, got %q", strings.TrimSpace(s))
}

// stringList is a list of strings that may be written as one string.
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = stringList{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(stringList, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode || isNull(item) {
				return fmt.Errorf("line %d: want a string in the list, got %s", item.Line, describe(item))
			}
			out = append(out, item.Value)
		}
		*l = out
		return nil
	}
	return fmt.Errorf("want a string or a list of strings, got %s", describe(n))
}

// decodeTriage decodes and checks triage.yaml with d, which records the
// lines of its settings.
func decodeTriage(d *decoder, data []byte) (*fileConfig, error) {
	root, err := parseYAML(d.file, data)
	if err != nil {
		return nil, err
	}
	fc := &fileConfig{}
	if root == nil {
		return fc, nil
	}
	d.decode(root, refValue(fc), "", 0)
	if len(d.errs) == 0 {
		validateTriage(d, fc)
	}
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}
	return fc, nil
}

// validateTriage checks the values of triage.yaml that its types do not, and
// puts provider ids and aliases in their canonical form.
func validateTriage(d *decoder, fc *fileConfig) {
	at := func(key string) int { return d.lines[key] }
	bad := func(key, format string, args ...any) { d.errorf(at(key), key, format, args...) }

	if fc.DefaultWorkspace != nil && strings.TrimSpace(*fc.DefaultWorkspace) == "" {
		bad("default_workspace", "must name a workspace")
	}
	if fc.Azure != nil {
		checkCloud(fc.Azure.Cloud, "azure.cloud", bad)
		checkEndpoints(fc.Azure.Endpoints, "azure.endpoints", bad)
		checkAuth(fc.Azure.Auth, "azure.auth", bad)
	}
	if kv := fc.KeyVault; kv != nil {
		if kv.VaultName != nil {
			if _, err := vaultURL(*kv.VaultName, "vault.azure.net"); err != nil {
				bad("key_vault.vault_name", "%v", err)
			}
		}
		checkTenant(kv.TenantID, "key_vault.tenant_id", bad)
		checkCloud(kv.Cloud, "key_vault.cloud", bad)
		checkEndpoints(kv.Endpoints, "key_vault.endpoints", bad)
		checkAuth(kv.Auth, "key_vault.auth", bad)
	}
	byLine := func(prefix string, names []string) []string {
		sort.SliceStable(names, func(i, j int) bool { return at(prefix+names[i]) < at(prefix+names[j]) })
		return names
	}
	if ft := fc.Triage; ft != nil {
		for _, f := range []struct {
			key string
			v   *int
		}{{"max_entities_per_alert", ft.MaxEntitiesPerAlert}, {"max_entities_per_incident", ft.MaxEntitiesPerIncident}} {
			if f.v != nil && *f.v < 1 {
				bad("triage."+f.key, "must be at least 1, got %d", *f.v)
			}
		}
	}
	if fp := fc.Priority; fp != nil {
		for _, name := range byLine("priority.weights.", sortedKeys(fp.Weights)) {
			if _, ok := priority.Lookup(name); !ok {
				bad("priority.weights."+name, "unknown factor %q; the factors are %s", name, strings.Join(priority.Names(), ", "))
			} else if p := fp.Weights[name]; p < -100 || p > 100 {
				bad("priority.weights."+name, "must be between -100 and 100, got %d", p)
			}
		}
		for key, list := range map[string][]string{"priority.crown_jewels": fp.CrownJewels, "priority.vip_accounts": fp.VIPAccounts} {
			for _, v := range list {
				if strings.TrimSpace(v) == "" {
					bad(key, "an entry is empty")
				}
			}
		}
	}
	for _, name := range byLine("workspaces.", sortedKeys(fc.Workspaces)) {
		w := fc.Workspaces[name]
		key := "workspaces." + name
		if strings.EqualFold(name, DemoWorkspace) {
			bad(key, "the name %q is taken by the built-in demo workspace; choose another", name)
			continue
		}
		if strings.ContainsAny(name, " \t./") {
			bad(key, "a workspace name may not contain spaces, dots or slashes")
		}
		if w.Kind != nil && *w.Kind != KindSentinel && *w.Kind != KindLocal && *w.Kind != KindDefender {
			bad(key+".kind", "want %s, %s or %s, got %q", KindSentinel, KindDefender, KindLocal, *w.Kind)
		}
		if w.Portal != nil && *w.Portal != PortalAzure && *w.Portal != PortalDefender {
			bad(key+".portal", "want %s or %s, got %q", PortalAzure, PortalDefender, *w.Portal)
		}
		checkTenant(w.TenantID, key+".tenant_id", bad)
		checkGUID(w.SubscriptionID, key+".subscription_id", "subscription id", bad)
		checkGUID(w.WorkspaceID, key+".workspace_id", "workspace id (the Log Analytics workspace GUID)", bad)
		checkNonEmpty(w.ResourceGroup, key+".resource_group", bad)
		checkNonEmpty(w.WorkspaceName, key+".workspace_name", bad)
		checkNonEmpty(w.Path, key+".path", bad)
		checkCloud(w.Cloud, key+".cloud", bad)
		checkEndpoints(w.Endpoints, key+".endpoints", bad)
		checkAuth(w.Auth, key+".auth", bad)
		if w.MaxConcurrentQueries != nil && *w.MaxConcurrentQueries < 1 {
			bad(key+".max_concurrent_queries", "must be at least 1, got %d", *w.MaxConcurrentQueries)
		}
	}
	byName := map[string]*fileProvider{}
	for _, name := range byLine("providers.", sortedKeys(fc.Providers)) {
		p := fc.Providers[name]
		key := "providers." + name
		spec, ok := providers.Find(name)
		if !ok {
			bad(key, "unknown provider %q (known: %s)", name, strings.Join(providers.Names(), ", "))
			continue
		}
		id := spec.Name
		if _, dup := byName[id]; dup {
			bad(key, "provider %s is configured twice", id)
			continue
		}
		byName[id] = p
		checkURL(p.BaseURL, key+".base_url", bad)
		if p.Concurrency != nil && *p.Concurrency < 1 {
			bad(key+".concurrency", "must be at least 1, got %d", *p.Concurrency)
		}
		if q := p.Quota; q != nil {
			for _, f := range []struct {
				k string
				v *int
			}{{"per_second", q.PerSecond}, {"per_minute", q.PerMinute}, {"per_hour", q.PerHour}, {"per_day", q.PerDay}, {"per_month", q.PerMonth}} {
				if f.v != nil && *f.v < 0 {
					bad(key+".quota."+f.k, "must not be negative, got %d", *f.v)
				}
			}
		}
		if p.Files != nil && spec.Files == "" {
			bad(key+".files", "only %s reads files", strings.Join(readingFiles(), ", "))
		}
		if p.APIID != nil && !spec.NeedsID {
			bad(key+".api_id", "%s takes no api_id", id)
		}
	}
	if fc.Providers != nil {
		fc.Providers = byName
	}
	if g := fc.GeoIP; g != nil {
		checkNonEmpty(g.DBFolder, "geoip.db_folder", bad)
		if g.DownloadURL != nil {
			if u, err := url.Parse(strings.ReplaceAll(*g.DownloadURL, "{edition}", "x")); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
				bad("geoip.download_url", "want an absolute https:// URL, with {edition} for the database edition, got %q", *g.DownloadURL)
			}
		}
	}
	if in := fc.Intel; in != nil {
		for i, s := range in.InternalNetworks {
			if _, err := parsePrefix(s); err != nil {
				bad("intel.internal_networks", "item %d: %v", i+1, err)
			}
		}
		for i, s := range in.InternalDomains {
			if normalizeDomain(s) == "" {
				bad("intel.internal_domains", "item %d: %q is not a domain name", i+1, s)
			}
		}
	}
}

// readingFiles names the providers that read files.
func readingFiles() []string {
	var out []string
	for _, s := range providers.All {
		if s.Files != "" {
			out = append(out, s.Name)
		}
	}
	return out
}

type badFunc func(key, format string, args ...any)

func checkCloud(c *string, key string, bad badFunc) {
	if c == nil {
		return
	}
	_, name, ok := CloudEndpoints(*c)
	switch {
	case !ok:
		bad(key, "unknown cloud %q (want one of %s)", *c, strings.Join(CloudNames, ", "))
	case name == CloudGermany:
		bad(key, "Azure Germany was closed in October 2021 and is not supported (want one of %s)", strings.Join(CloudNames, ", "))
	}
}

func checkEndpoints(e *fileEndpoints, key string, bad badFunc) {
	if e == nil {
		return
	}
	checkURL(e.ResourceManager, key+".resource_manager", bad)
	checkURL(e.ResourceManagerAudience, key+".resource_manager_audience", bad)
	checkURL(e.LogAnalytics, key+".log_analytics", bad)
	checkURL(e.AuthorityHost, key+".authority_host", bad)
	checkURL(e.Graph, key+".graph", bad)
	for _, f := range []struct {
		name string
		v    *string
	}{{"resource_manager", e.ResourceManager}, {"log_analytics", e.LogAnalytics}, {"authority_host", e.AuthorityHost}, {"graph", e.Graph}} {
		if f.v != nil && httpapi.Cleartext(*f.v) {
			bad(key+"."+f.name, "%s", cleartextEndpoint(*f.v))
		}
	}
	if s := e.KeyVaultSuffix; s != nil && (strings.Contains(*s, "/") || !strings.Contains(*s, ".")) {
		bad(key+".key_vault_suffix", "want a DNS suffix such as vault.azure.net, got %q", *s)
	}
}

func checkAuth(a *fileAuth, key string, bad badFunc) {
	if a == nil {
		return
	}
	if a.Method != nil && len(a.Method) == 0 {
		bad(key+".method", "must name at least one method (%s)", strings.Join(AuthMethods, ", "))
	}
	for i, m := range a.Method {
		if canonicalAuth(m) == "" {
			bad(key+".method", "item %d: unknown method %q (want %s)", i+1, m, strings.Join(AuthMethods, ", "))
		}
	}
	checkTenant(a.TenantID, key+".tenant_id", bad)
	checkNonEmpty(a.ClientID, key+".client_id", bad)
}

// canonicalAuth maps a method name, ours or msticpy's, to ours.
func canonicalAuth(m string) string {
	switch strings.ToLower(strings.TrimSpace(m)) {
	case "default":
		return AuthDefault
	case "cli", "azurecli", "az":
		return AuthCLI
	case "devicecode", "device_code", "interactive":
		return AuthDeviceCode
	case "clientsecret", "client_secret", "env":
		return AuthClientSecret
	case "managedidentity", "managed_identity", "msi":
		return AuthManagedIdentity
	}
	return ""
}

func checkGUID(v *string, key, what string, bad badFunc) {
	if v != nil && !triage.IsGUID(*v) {
		bad(key, "want a %s, a GUID like 00000000-0000-0000-0000-000000000000, got %q", what, *v)
	}
}

// validTenant accepts a tenant GUID or a domain like contoso.onmicrosoft.com.
func validTenant(s string) bool {
	return triage.IsGUID(s) || normalizeDomain(s) != "" && strings.Contains(s, ".")
}

func checkTenant(v *string, key string, bad badFunc) {
	if v != nil && !validTenant(*v) {
		bad(key, "want a tenant id (a GUID) or domain (contoso.onmicrosoft.com), got %q", *v)
	}
}

func checkNonEmpty(v *string, key string, bad badFunc) {
	if v != nil && strings.TrimSpace(*v) == "" {
		bad(key, "must not be empty")
	}
}

// cleartextEndpoint says why an http:// Azure endpoint on another machine
// is refused. There is no setting to allow one: the Azure SDK never sends
// a token over http://.
func cleartextEndpoint(u string) string {
	return fmt.Sprintf("%s is http:// to another machine: Azure sign-in tokens would cross the network unencrypted (the Azure SDK refuses to send them); use https://", u)
}

func checkURL(v *string, key string, bad badFunc) {
	if v == nil {
		return
	}
	if _, err := normalizeEndpoint(*v); err != nil {
		bad(key, "%v", err)
	}
}

var domainLabel = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)

// normalizeDomain lower-cases s and trims a leading "*." or "." and a
// trailing dot; it returns "" when s is not a domain name.
func normalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "*.")
	s = strings.Trim(s, ".")
	if s == "" || len(s) > 253 {
		return ""
	}
	for l := range strings.SplitSeq(s, ".") {
		if !domainLabel.MatchString(l) {
			return ""
		}
	}
	return s
}

// parsePrefix parses a CIDR prefix or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
}
