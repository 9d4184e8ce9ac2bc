package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/intel/providers"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/triage"
)

// Defaults.
const (
	DefaultMaxConcurrentQueries = 5               // the Log Analytics per-user limit
	DefaultQueryTimeout         = 5 * time.Minute // msticpy's server timeout
	DefaultIntelTimeout         = 30 * time.Second
	DefaultCacheTTL             = 24 * time.Hour
	DefaultNegativeCacheTTL     = time.Hour
	// DefaultGeoIPDownloadURL is MaxMind's download service.
	DefaultGeoIPDownloadURL = "https://download.maxmind.com/geoip/databases/{edition}/download?suffix=tar.gz"
)

// DefaultGeoIPDatabases are the databases looked for in GeoIP.DBFolder when
// none are configured.
var DefaultGeoIPDatabases = []string{"GeoLite2-City.mmdb", "GeoLite2-ASN.mmdb"}

// merge returns base with every setting over sets in place of base's own,
// field by field; neither is modified. Workspace names match ignoring case
// (the name triage.yaml uses wins); Origins add up.
func merge(base, over *fileConfig) *fileConfig {
	out := &fileConfig{}
	if base != nil {
		mergeValue(refValue(out), refValue(base))
	}
	if over != nil {
		for name := range over.Workspaces {
			for old := range out.Workspaces {
				if old != name && strings.EqualFold(old, name) {
					out.Workspaces[name] = out.Workspaces[old]
					delete(out.Workspaces, old)
					if out.DefaultWorkspace != nil && *out.DefaultWorkspace == old {
						out.DefaultWorkspace = ptr(name)
					}
				}
			}
		}
		mergeValue(refValue(out), refValue(over))
	}
	return out
}

func mergeValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		elem := src.Type().Elem()
		cp := reflect.New(elem)
		if elem.Kind() != reflect.Struct || reflect.PointerTo(elem).Implements(unmarshalerType) {
			cp.Elem().Set(src.Elem()) // a value: src's replaces dst's
			dst.Set(cp)
			return
		}
		if !dst.IsNil() {
			cp.Elem().Set(dst.Elem())
		}
		mergeValue(cp.Elem(), src.Elem())
		dst.Set(cp)
	case reflect.Struct:
		if reflect.PointerTo(src.Type()).Implements(unmarshalerType) {
			dst.Set(src)
			return
		}
		for i := range src.NumField() {
			f := src.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Type == originsType {
				dst.Field(i).Set(reflect.ValueOf(slices.Concat(dst.Field(i).Interface().([]Origin), src.Field(i).Interface().([]Origin))))
				continue
			}
			mergeValue(dst.Field(i), src.Field(i))
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMap(src.Type())
		if !dst.IsNil() {
			for it := dst.MapRange(); it.Next(); {
				m.SetMapIndex(it.Key(), it.Value())
			}
		}
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(src.Type().Elem()).Elem()
			if cur := m.MapIndex(it.Key()); cur.IsValid() {
				v.Set(cur)
			}
			mergeValue(v, it.Value())
			m.SetMapIndex(it.Key(), v)
		}
		dst.Set(m)
	case reflect.Slice:
		if !src.IsNil() {
			dst.Set(src)
		}
	default:
		if !src.IsZero() {
			dst.Set(src)
		}
	}
}

// builder turns the merged file settings into a Config: it fills in
// defaults, expands paths, reads environment variables for secrets and checks
// what depends on several settings. A problem with a setting triage.yaml
// gives is an error; one msticpyconfig.yaml gives is a warning.
type builder struct {
	getenv       func(string) string
	home         string
	userCacheDir string
	workDir      string
	triageFile   string
	lines        map[string]int // triage.yaml's settings and their lines
	cfg          *Config
	errs         []error
}

// problem reports a problem with setting key: an error when triage.yaml sets
// it, else a warning at o.
func (b *builder) problem(key string, o Origin, format string, args ...any) {
	if line, ok := b.lines[key]; ok {
		b.errs = append(b.errs, &Error{File: b.triageFile, Line: line, Key: key, Err: fmt.Errorf(format, args...)})
		return
	}
	b.warn(o, format, args...)
}

func (b *builder) warn(o Origin, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if o.File != "" {
		msg = (&Error{File: o.File, Line: o.Line, Key: o.Key, Err: errors.New(msg)}).Error()
	}
	// Workspaces inherit azure.auth: its secret is built once for each.
	if !slices.Contains(b.cfg.Warnings, msg) {
		b.cfg.Warnings = append(b.cfg.Warnings, msg)
	}
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func (b *builder) build(fc *fileConfig) *Config {
	c := &Config{Workspaces: map[string]Workspace{}, Providers: map[string]Provider{}, workDir: b.workDir}
	b.cfg = c

	c.DataDir = b.path(deref(fc.DataDir), b.triageFile)
	if c.DataDir == "" && b.userCacheDir != "" {
		c.DataDir = filepath.Join(b.userCacheDir, "triage")
	}
	if b.userCacheDir != "" {
		c.DemoDir = filepath.Join(b.userCacheDir, "triage", "demo")
	}

	az := deref(fc.Azure)
	c.Azure.Cloud = canonicalCloud(az.Cloud, CloudPublic)
	c.Azure.Endpoints, _ = endpoints(c.Azure.Cloud, nil, az.Endpoints)
	c.Azure.Auth = b.auth(az.Auth)

	b.keyVault(fc, az)
	b.workspaces(fc, az)
	b.intel(fc)
	c.Limits = triage.Limits{EntitiesPerAlert: triage.DefaultMaxEntitiesPerAlert, EntitiesPerIncident: triage.DefaultMaxEntitiesPerIncident}
	if ft := deref(fc.Triage); ft.MaxEntitiesPerAlert != nil {
		c.Limits.EntitiesPerAlert = *ft.MaxEntitiesPerAlert
	}
	if ft := deref(fc.Triage); ft.MaxEntitiesPerIncident != nil {
		c.Limits.EntitiesPerIncident = *ft.MaxEntitiesPerIncident
	}
	if fp := deref(fc.Priority); fc.Priority != nil {
		c.Priority = priority.Settings{Weights: fp.Weights, CrownJewels: fp.CrownJewels, VIPAccounts: fp.VIPAccounts}
		if fp.Lookback != nil {
			c.Priority.Lookback = time.Duration(*fp.Lookback)
		}
	}
	if fh := deref(fc.History); fh.Retention != nil {
		c.History.Retention = time.Duration(*fh.Retention)
	}
	b.providers(fc)
	b.geoIP(fc)

	c.DefaultWorkspace = DemoWorkspace
	if fc.DefaultWorkspace != nil {
		name := *fc.DefaultWorkspace
		ws, err := c.Workspace(name)
		switch {
		case err != nil:
			b.problem("default_workspace", Origin{}, "%v", err)
		case ws.Found == FoundPath:
			// A relative path would depend on where triage runs, unlike
			// every other path in triage.yaml.
			b.problem("default_workspace", Origin{}, "%q is a file path: configure it as a workspace with path: and name that workspace here", name)
		default:
			c.DefaultWorkspace = ws.Name
		}
	}
	return c
}

func canonicalCloud(p *string, def string) string {
	if p == nil {
		return def
	}
	if _, name, ok := CloudEndpoints(*p); ok {
		return name
	}
	return def
}

// endpoints returns a cloud's endpoints with inherited and then own ones in
// their place, normalised. For a custom cloud, the sign-in endpoint defaults
// to the public cloud's and the ARM audience to the ARM endpoint; missing
// lists what a custom cloud lacks.
func endpoints(cloud string, inherited, own *fileEndpoints) (e Endpoints, missing []string) {
	e = cloudEndpoints[cloud]
	for _, fe := range []*fileEndpoints{inherited, own} {
		if fe == nil {
			continue
		}
		e = e.override(Endpoints{
			ResourceManager:         normalizeURL(deref(fe.ResourceManager)),
			ResourceManagerAudience: normalizeURL(deref(fe.ResourceManagerAudience)),
			LogAnalytics:            strings.TrimSuffix(normalizeURL(deref(fe.LogAnalytics)), "/v1"),
			AuthorityHost:           normalizeURL(deref(fe.AuthorityHost)),
			Graph:                   normalizeURL(deref(fe.Graph)),
			KeyVaultSuffix:          strings.Trim(deref(fe.KeyVaultSuffix), ". "),
		})
	}
	if cloud == CloudCustom {
		if e.ResourceManager == "" {
			missing = append(missing, "resource_manager")
		}
		if e.LogAnalytics == "" {
			missing = append(missing, "log_analytics")
		}
		if e.AuthorityHost == "" {
			e.AuthorityHost = cloudEndpoints[CloudPublic].AuthorityHost
		}
		if e.ResourceManagerAudience == "" {
			e.ResourceManagerAudience = e.ResourceManager
		}
	}
	return e, missing
}

// defenderMissing lists the endpoints a defender workspace needs and lacks:
// Graph always, Log Analytics only with a workspace id (the resource
// manager never).
func defenderMissing(w Workspace) []string {
	var missing []string
	if w.Endpoints.Graph == "" {
		missing = append(missing, "graph")
	}
	if w.WorkspaceID != "" && w.Endpoints.LogAnalytics == "" {
		missing = append(missing, "log_analytics")
	}
	return missing
}

func normalizeURL(s string) string {
	if s == "" {
		return ""
	}
	if u, err := normalizeEndpoint(s); err == nil {
		return u
	}
	return s
}

// auth builds an Auth. The client secret method takes its id, tenant and
// secret from the AZURE_* environment variables when they are not given.
func (b *builder) auth(fa *fileAuth) Auth {
	a := Auth{Methods: []string{AuthDefault}}
	if fa == nil {
		return a
	}
	if fa.Method != nil {
		a.Methods = nil
		for _, m := range fa.Method {
			if c := canonicalAuth(m); c != "" && !slices.Contains(a.Methods, c) {
				a.Methods = append(a.Methods, c)
			}
		}
		if len(a.Methods) == 0 {
			a.Methods = []string{AuthDefault}
		}
	}
	a.TenantID = deref(fa.TenantID)
	a.ClientID = deref(fa.ClientID)
	a.ManagedIdentityClientID = deref(fa.ManagedIdentityClientID)
	if slices.Contains(a.Methods, AuthClientSecret) {
		if a.ClientID == "" {
			a.ClientID = b.getenv("AZURE_CLIENT_ID")
		}
		if a.TenantID == "" {
			a.TenantID = b.getenv("AZURE_TENANT_ID")
		}
		spec := fa.ClientSecret
		if spec == nil {
			spec = &secretSpec{kind: SecretEnv, value: "AZURE_CLIENT_SECRET"}
		}
		a.ClientSecret = b.secret(spec)
	}
	return a
}

// mergeAuth returns over's auth settings on top of base's.
func mergeAuth(base, over *fileAuth) *fileAuth {
	if over == nil {
		return base
	}
	out := &fileAuth{}
	if base != nil {
		mergeValue(refValue(out), refValue(base))
	}
	mergeValue(refValue(out), refValue(over))
	return out
}

func (b *builder) keyVault(fc *fileConfig, az fileAzure) {
	kv := &b.cfg.KeyVault
	fk := deref(fc.KeyVault)
	kv.Origins = fk.Origins
	kv.Cloud = canonicalCloud(fk.Cloud, b.cfg.Azure.Cloud)
	if fk.Cloud != nil {
		kv.Endpoints, _ = endpoints(kv.Cloud, nil, fk.Endpoints)
	} else {
		kv.Endpoints, _ = endpoints(kv.Cloud, az.Endpoints, fk.Endpoints)
	}
	kv.TenantID = deref(fk.TenantID)
	kv.Auth = b.auth(mergeAuth(az.Auth, fk.Auth))
	if fk.VaultName != nil {
		kv.VaultName = *fk.VaultName
		u, err := vaultURL(kv.VaultName, kv.Endpoints.KeyVaultSuffix)
		if err != nil {
			b.problem("key_vault.vault_name", firstOrigin(fk.Origins), "%v", err)
		}
		kv.VaultURL = u
	}
}

func firstOrigin(os []Origin) Origin {
	if len(os) == 0 {
		return Origin{}
	}
	return os[0]
}

func (b *builder) workspaces(fc *fileConfig, az fileAzure) {
	b.cfg.Workspaces[DemoWorkspace] = Workspace{Name: DemoWorkspace, Kind: KindDemo}
	for _, name := range sortedKeys(fc.Workspaces) {
		fw := fc.Workspaces[name]
		key := "workspaces." + name
		o := firstOrigin(fw.Origins)
		w := Workspace{Name: name, Origins: fw.Origins}
		switch {
		case fw.Kind != nil:
			w.Kind = *fw.Kind
		case fw.Path != nil:
			w.Kind = KindLocal
		default:
			w.Kind = KindSentinel
		}
		if w.Kind == KindLocal {
			for _, f := range []struct {
				k   string
				set bool
			}{
				{"workspace_id", fw.WorkspaceID != nil}, {"tenant_id", fw.TenantID != nil},
				{"subscription_id", fw.SubscriptionID != nil}, {"resource_group", fw.ResourceGroup != nil},
				{"workspace_name", fw.WorkspaceName != nil}, {"cloud", fw.Cloud != nil},
				{"endpoints", fw.Endpoints != nil}, {"auth", fw.Auth != nil},
				{"max_concurrent_queries", fw.MaxConcurrentQueries != nil}, {"query_timeout", fw.QueryTimeout != nil},
				{"portal", fw.Portal != nil},
			} {
				if f.set {
					b.problem(key+"."+f.k, o, "%s is only for Sentinel workspaces (this one is %s)", f.k, KindLocal)
				}
			}
			if fw.Path == nil {
				b.problem(key, o, "a local workspace needs path: the SQLite file")
			}
			w.Path = b.path(deref(fw.Path), originFile(fw.Origins, b.triageFile))
			b.cfg.Workspaces[name] = w
			continue
		}
		if fw.Path != nil {
			b.problem(key+".path", o, "path is only for local workspaces (this one is %s)", w.Kind)
		}
		if w.Kind == KindDefender {
			for _, f := range []struct {
				k   string
				set bool
			}{
				{"subscription_id", fw.SubscriptionID != nil}, {"resource_group", fw.ResourceGroup != nil},
				{"workspace_name", fw.WorkspaceName != nil}, {"portal", fw.Portal != nil},
			} {
				if f.set {
					b.problem(key+"."+f.k, o, "%s is only for Sentinel workspaces (this one is %s)", f.k, KindDefender)
				}
			}
		}
		w.Portal = deref(fw.Portal)
		w.TenantID = deref(fw.TenantID)
		w.SubscriptionID = deref(fw.SubscriptionID)
		w.ResourceGroup = deref(fw.ResourceGroup)
		w.WorkspaceName = deref(fw.WorkspaceName)
		w.WorkspaceID = deref(fw.WorkspaceID)
		var missing []string
		cloudKey := key + ".cloud"
		if fw.Cloud != nil {
			w.Cloud = canonicalCloud(fw.Cloud, CloudPublic)
			w.Endpoints, missing = endpoints(w.Cloud, nil, fw.Endpoints)
		} else {
			cloudKey = "azure.cloud"
			w.Cloud = b.cfg.Azure.Cloud
			w.Endpoints, missing = endpoints(w.Cloud, az.Endpoints, fw.Endpoints)
		}
		if w.Kind == KindDefender {
			missing = defenderMissing(w)
			if w.Cloud == CloudChina {
				b.problem(cloudKey, o, "workspace %s: Microsoft Graph's security API (Defender XDR incidents and advanced hunting) is not available in Azure China (21Vianet): a %s workspace cannot use cloud %s", name, KindDefender, CloudChina)
			}
		}
		if len(missing) > 0 {
			b.problem(cloudKey, o, "workspace %s: cloud %q needs %s under %s.endpoints (or azure.endpoints)", name, CloudCustom, strings.Join(missing, " and "), key)
		}
		w.Auth = b.auth(mergeAuth(az.Auth, fw.Auth))
		w.MaxConcurrentQueries = DefaultMaxConcurrentQueries
		if fw.MaxConcurrentQueries != nil {
			w.MaxConcurrentQueries = *fw.MaxConcurrentQueries
		}
		w.QueryTimeout = DefaultQueryTimeout
		if fw.QueryTimeout != nil {
			w.QueryTimeout = time.Duration(*fw.QueryTimeout)
		}
		b.cfg.Workspaces[name] = w
	}
}

// originFile is the file of the last origin, where relative paths start.
func originFile(os []Origin, def string) string {
	if len(os) == 0 {
		return def
	}
	return os[len(os)-1].File
}

func (b *builder) providers(fc *fileConfig) {
	for _, spec := range providers.All {
		id := spec.Name
		p := Provider{Name: id, Enabled: spec.OnByDefault, Primary: true}
		fp := fc.Providers[id]
		if fp == nil {
			b.cfg.Providers[id] = p
			continue
		}
		key := "providers." + id
		p.Origins = fp.Origins
		p.Enabled = fp.Enabled == nil || *fp.Enabled
		if fp.Primary != nil {
			p.Primary = *fp.Primary
		}
		if !p.Enabled {
			p.DisabledBy = fp.DisabledBy
			if line, ok := b.lines[key+".enabled"]; ok {
				p.DisabledBy = fmt.Sprintf("enabled: false in %s:%d", b.triageFile, line)
			}
			b.cfg.Providers[id] = p
			continue
		}
		p.APIKey = b.secret(fp.APIKey)
		if spec.NeedsID {
			p.APIID = b.secret(fp.APIID)
		}
		p.BaseURL = normalizeURL(deref(fp.BaseURL))
		p.AllowInsecureHTTP = deref(fp.AllowInsecureHTTP)
		if keyed := p.APIKey.Source().Kind != "" || p.APIID.Source().Kind != ""; keyed && httpapi.Cleartext(p.BaseURL) && !p.AllowInsecureHTTP {
			b.problem(key+".base_url", Origin{}, "%s is http:// to another machine: the API key would cross the network unencrypted; use https://, or set allow_insecure_http: true on %s to allow it", p.BaseURL, key)
		}
		p.Timeout = time.Duration(deref(fp.Timeout))
		p.Concurrency = deref(fp.Concurrency)
		if q := fp.Quota; q != nil {
			p.Quota = Quota{PerSecond: deref(q.PerSecond), PerMinute: deref(q.PerMinute), PerHour: deref(q.PerHour), PerDay: deref(q.PerDay), PerMonth: deref(q.PerMonth)}
		}
		p.CacheTTL = time.Duration(deref(fp.CacheTTL))
		p.NegativeCacheTTL = time.Duration(deref(fp.NegativeCacheTTL))
		for _, f := range fp.Files {
			p.Files = append(p.Files, b.path(f, originFile(fp.Origins, b.triageFile)))
		}
		if len(fp.Options) > 0 {
			p.Options = map[string]string{}
			for k, v := range fp.Options {
				p.Options[k] = v
			}
		}
		b.cfg.Providers[id] = p
	}
}

func (b *builder) geoIP(fc *fileConfig) {
	g := &b.cfg.GeoIP
	fg := deref(fc.GeoIP)
	g.Origins = fg.Origins
	from := originFile(fg.Origins, b.triageFile)
	if fg.DBFolder != nil {
		g.DBFolder = b.path(*fg.DBFolder, from)
	} else if b.cfg.DataDir != "" {
		g.DBFolder = filepath.Join(b.cfg.DataDir, "geoip")
	}
	dbs := []string(fg.Databases)
	if dbs == nil {
		dbs = DefaultGeoIPDatabases
	}
	for _, db := range dbs {
		p := b.expand(db)
		if !filepath.IsAbs(p) && g.DBFolder != "" {
			p = filepath.Join(g.DBFolder, p)
		}
		g.Databases = append(g.Databases, p)
	}
	g.AccountID = deref(fg.AccountID)
	g.LicenseKey = b.secret(fg.LicenseKey)
	g.DownloadURL = DefaultGeoIPDownloadURL
	if fg.DownloadURL != nil {
		g.DownloadURL = *fg.DownloadURL
	}
	g.AutoDownload = deref(fg.AutoDownload)
}

func (b *builder) intel(fc *fileConfig) {
	in := &b.cfg.Intel
	fi := deref(fc.Intel)
	in.NoExternal = deref(fi.NoExternal)
	for _, d := range fi.InternalDomains {
		if n := normalizeDomain(d); n != "" && !slices.Contains(in.InternalDomains, n) {
			in.InternalDomains = append(in.InternalDomains, n)
		}
	}
	for _, a := range fi.InternalAccounts {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" && !slices.Contains(in.InternalAccounts, a) {
			in.InternalAccounts = append(in.InternalAccounts, a)
		}
	}
	for _, s := range fi.InternalNetworks {
		if p, err := parsePrefix(s); err == nil {
			in.InternalNetworks = append(in.InternalNetworks, p)
		}
	}
	in.Timeout = durationOr(fi.Timeout, DefaultIntelTimeout)
	in.CacheTTL = durationOr(fi.CacheTTL, DefaultCacheTTL)
	in.NegativeCacheTTL = durationOr(fi.NegativeCacheTTL, DefaultNegativeCacheTTL)
	if fi.MaxWait != nil {
		in.MaxWait = time.Duration(*fi.MaxWait)
	}
}

func durationOr(d *duration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return time.Duration(*d)
}

// secret resolves a configured secret: a plain value as is, an environment
// variable now (warning when it is not set and the file names it), a Key
// Vault reference to where it is, to be read by ResolveSecrets.
func (b *builder) secret(s *secretSpec) Secret {
	if s == nil {
		return Secret{}
	}
	src := SecretSource{Kind: s.kind, Origin: s.origin}
	switch s.kind {
	case SecretEnv:
		src.Env = s.value
		v := b.getenv(s.value)
		if v == "" {
			err := fmt.Errorf("environment variable %s is not set", s.value)
			if s.origin.File != "" {
				b.warn(s.origin, "%v", err)
			}
			return newSecret("", src, err)
		}
		return newSecret(v, src, nil)
	case SecretKeyVault:
		vault, name, err := kvRef(s.value, s.origin.Key)
		src.Name = name
		switch {
		case err != nil:
		case vault != "":
			src.VaultURL, err = vaultURL(vault, b.cfg.KeyVault.Endpoints.KeyVaultSuffix)
		case b.cfg.KeyVault.VaultURL != "":
			src.VaultURL = b.cfg.KeyVault.VaultURL
		default:
			err = errors.New("the reference names no vault and no default vault is configured: set key_vault.vault_name in triage.yaml (or KeyVault.VaultName in msticpyconfig.yaml)")
		}
		if err != nil {
			err = fmt.Errorf("bad Key Vault reference: %w", err)
			b.warn(s.origin, "%v", err)
			return newSecret("", src, err)
		}
		return newSecret("", src, fmt.Errorf("%s: %w", src, ErrKeyVaultNotRead))
	}
	return newSecret(s.value, src, nil)
}

var kvNameBad = regexp.MustCompile(`[^0-9a-zA-Z-]`)

// kvSecretName makes a Key Vault secret name as msticpy does: every
// character other than a letter, digit or hyphen becomes a hyphen.
func kvSecretName(s string) string { return kvNameBad.ReplaceAllString(s, "-") }

// kvRef splits a Key Vault reference, msticpy's way: "" or "default" is the
// secret named after the setting's path in the default vault; "SECRET" is in
// the default vault; "VAULT/SECRET" names both. A secret URL
// (https://VAULT.vault.azure.net/secrets/SECRET) is accepted too.
func kvRef(ref, settingPath string) (vault, name string, err error) {
	ref = strings.TrimSpace(ref)
	switch {
	case ref == "" || strings.EqualFold(ref, "default"):
		return "", kvSecretName(settingPath), nil
	case strings.Contains(ref, "://"):
		base, rest, ok := strings.Cut(ref, "/secrets/")
		name, _, _ = strings.Cut(rest, "/")
		if !ok || name == "" {
			return "", "", fmt.Errorf("want a secret URL like https://VAULT.vault.azure.net/secrets/NAME, got %q", ref)
		}
		return base, name, nil
	case strings.Contains(ref, "/"):
		vault, name, _ = strings.Cut(ref, "/")
		if vault == "" || name == "" {
			return "", "", fmt.Errorf("want VAULT/SECRET, got %q", ref)
		}
		return vault, kvSecretName(name), nil
	}
	return "", kvSecretName(ref), nil
}

// path expands ~ and environment variables in p and makes a relative path
// relative to the directory of the file that set it.
func (b *builder) path(p, fromFile string) string {
	if p == "" {
		return ""
	}
	p = b.expand(p)
	if !filepath.IsAbs(p) && fromFile != "" {
		p = filepath.Join(filepath.Dir(fromFile), p)
	}
	return filepath.Clean(p)
}

var (
	winVar   = regexp.MustCompile(`%([A-Za-z_][A-Za-z0-9_]*)%`)
	unixVar  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)
	tildeDir = regexp.MustCompile(`^~([/\\]|$)`)
)

// expand replaces a leading ~ with the home directory and %VAR%, $VAR and
// ${VAR} with the environment's values, as msticpy (Python's expanduser and
// expandvars) does; unknown variables are left as they are.
func (b *builder) expand(p string) string {
	if b.home != "" && tildeDir.MatchString(p) {
		p = b.home + p[1:]
	}
	p = winVar.ReplaceAllStringFunc(p, func(m string) string {
		if v := b.getenv(m[1 : len(m)-1]); v != "" {
			return v
		}
		return m
	})
	return unixVar.ReplaceAllStringFunc(p, func(m string) string {
		name := strings.Trim(m, "${}")
		if v := b.getenv(name); v != "" {
			return v
		}
		return m
	})
}
