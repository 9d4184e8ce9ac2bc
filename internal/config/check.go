package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/intel/providers"
	"github.com/triage-dev/triage/internal/triage"
)

// Level grades a Finding.
type Level string

// The levels.
const (
	LevelOK      Level = "ok"      // usable
	LevelWarning Level = "warning" // usable, with a limit or a caveat
	LevelError   Level = "error"   // not usable until fixed
	LevelOff     Level = "off"     // turned off or not configured
)

// Finding is one statement of Check about one subject: a workspace, a
// provider, GeoIP, Key Vault or the configuration files.
type Finding struct {
	// Subject is e.g. "workspace Default", "provider virustotal", "geoip",
	// "key vault" or "config".
	Subject string `json:"subject"`
	// OK reports whether the subject is usable as configured (perhaps with
	// a limit a warning describes); it is false for errors and for subjects
	// that are off.
	OK    bool  `json:"ok"`
	Level Level `json:"level"`
	// Message says what the subject is, or what is wrong and how to fix it.
	Message string `json:"message"`
}

// String returns "subject: message".
func (f Finding) String() string { return f.Subject + ": " + f.Message }

// Check examines every workspace and provider, GeoIP and Key Vault without
// calling out (it only looks at local files) and says whether each is usable
// and exactly what to fix. Every subject gets at least one Finding: one per
// problem, and a summary when nothing stops it from working. The load
// warnings come last, with subject "config". Secret values never appear.
func (c *Config) Check() []Finding {
	var out []Finding
	for _, name := range c.workspaceOrder() {
		out = append(out, c.checkWorkspace(c.Workspaces[name])...)
	}
	out = append(out, c.checkDataDir()...)
	for _, id := range providers.Names() {
		if p, ok := c.Providers[id]; ok {
			out = append(out, c.checkProvider(p)...)
		}
	}
	out = append(out, c.checkGeoIP()...)
	out = append(out, c.checkKeyVault()...)
	for _, w := range c.Warnings {
		out = append(out, Finding{Subject: "config", OK: true, Level: LevelWarning, Message: w})
	}
	return out
}

// workspaceOrder puts the default workspace first, then the others by name.
func (c *Config) workspaceOrder() []string {
	names := sortedKeys(c.Workspaces)
	if i := slices.Index(names, c.DefaultWorkspace); i > 0 {
		names = slices.Insert(slices.Delete(names, i, i+1), 0, c.DefaultWorkspace)
	}
	return names
}

// checkDataDir reports the workspaces triage import made in the data dir,
// and those a configured workspace's name hides.
func (c *Config) checkDataDir() []Finding {
	found, shadowed, err := c.scanDataDir()
	if err != nil {
		return []Finding{{Subject: "data dir", OK: true, Level: LevelWarning, Message: err.Error()}}
	}
	var out []Finding
	for _, w := range found {
		out = append(out, c.checkWorkspace(w)...)
	}
	for _, w := range shadowed {
		out = append(out, Finding{Subject: "data dir", OK: true, Level: LevelWarning,
			Message: fmt.Sprintf("%s is not used: --workspace %s selects the configured workspace of that name; rename the file to use it", w.Path, w.Name)})
	}
	return out
}

// report collects the findings of one subject.
type report struct {
	subject string
	errs    []string
	warns   []string
}

func (r *report) err(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *report) warn(format string, args ...any) {
	r.warns = append(r.warns, fmt.Sprintf(format, args...))
}

// findings returns the problems, then summary unless there are errors.
func (r *report) findings(summary string) []Finding {
	var out []Finding
	for _, e := range r.errs {
		out = append(out, Finding{Subject: r.subject, Level: LevelError, Message: e})
	}
	for _, w := range r.warns {
		out = append(out, Finding{Subject: r.subject, OK: len(r.errs) == 0, Level: LevelWarning, Message: w})
	}
	if len(r.errs) == 0 && summary != "" {
		out = append(out, Finding{Subject: r.subject, OK: true, Level: LevelOK, Message: summary})
	}
	return out
}

// inMsticpy returns " (or FIELDS under KEY in FILE)" when one of origins is
// in msticpyconfig.yaml.
func (c *Config) inMsticpy(origins []Origin, fields string) string {
	for _, o := range origins {
		if o.File != "" && o.File == c.MsticpyFile {
			return fmt.Sprintf(" (or %s under %s in %s)", fields, o.Key, o.File)
		}
	}
	return ""
}

func (c *Config) checkWorkspace(w Workspace) []Finding {
	r := &report{subject: "workspace " + w.Name}
	def := ""
	if w.Name == c.DefaultWorkspace {
		def = "the default workspace: "
	}
	key := "workspaces." + w.Name
	switch w.Kind {
	case KindDemo:
		return r.findings(def + "built-in demo workspace: generated incidents and logs, no network")
	case KindLocal:
		fi, err := os.Stat(w.Path)
		switch {
		case w.Path == "":
			r.err("no path: set %s.path in triage.yaml to the workspace's SQLite file", key)
		case errors.Is(err, os.ErrNotExist):
			r.warn("%s does not exist yet: triage import creates it", w.Path)
		case err != nil:
			r.err("%s: %v", w.Path, err)
		case fi.IsDir():
			r.err("%s is a directory: set %s.path to a SQLite file", w.Path, key)
		}
		summary := fmt.Sprintf("%slocal workspace in %s", def, w.Path)
		if w.Found == FoundDataDir {
			summary += ", found in the data dir (made by triage import -w " + w.Name + "; needs no configuration)"
		}
		return r.findings(summary)
	case KindSentinel:
	case KindDefender:
		return c.checkDefender(r, w, def, key)
	default:
		r.err("unknown kind %q", w.Kind)
		return r.findings("")
	}

	set := func(field, msticpyField string) string {
		return fmt.Sprintf("set %s.%s in triage.yaml%s", key, field, c.inMsticpy(w.Origins, msticpyField))
	}
	switch {
	case w.Cloud == CloudGermany:
		r.err("Azure Germany was closed in October 2021 and is not supported: set azure.cloud in triage.yaml to %s", strings.Join(CloudNames, ", "))
	case w.Endpoints.ResourceManager == "" || w.Endpoints.LogAnalytics == "":
		r.err("cloud %q has no resource_manager or log_analytics endpoint: set them under %s.endpoints in triage.yaml", w.Cloud, key)
	}
	switch {
	case w.WorkspaceID == "":
		r.err("no workspace id (the Log Analytics workspace GUID, \"Workspace ID\" on the workspace's Overview page in the Azure portal): %s", set("workspace_id", "WorkspaceId"))
	case !triage.IsGUID(w.WorkspaceID):
		r.err("workspace id %q is not a GUID: %s", w.WorkspaceID, set("workspace_id", "WorkspaceId"))
	}
	switch {
	case w.TenantID == "":
		r.warn("no tenant id: signing in uses the account's home tenant; if the workspace is in another tenant, %s", set("tenant_id", "TenantId"))
	case !validTenant(w.TenantID):
		r.err("tenant id %q is neither a GUID nor a domain: %s", w.TenantID, set("tenant_id", "TenantId"))
	}
	if w.SubscriptionID != "" && !triage.IsGUID(w.SubscriptionID) {
		r.err("subscription id %q is not a GUID: %s", w.SubscriptionID, set("subscription_id", "SubscriptionId"))
	}
	if !w.IncidentsAPI() {
		var missing []string
		for _, f := range []struct{ name, v string }{
			{"subscription_id", w.SubscriptionID}, {"resource_group", w.ResourceGroup}, {"workspace_name", w.WorkspaceName},
		} {
			if f.v == "" {
				missing = append(missing, f.name)
			}
		}
		r.warn("Log Analytics queries only: the incidents API (listing, showing, commenting on and updating incidents) also needs %s: set %s under %s in triage.yaml%s; the workspace's Overview page in the Azure portal shows them",
			strings.Join(missing, ", "), plural(missing), key, c.inMsticpy(w.Origins, msticpyNames(missing)))
	}
	warnHTTP(r, w.Endpoints)
	usable := c.checkAuth(r, w.Auth, w.TenantID, key+".auth")

	summary := fmt.Sprintf("%sSentinel workspace %s", def, w.WorkspaceID)
	if w.IncidentsAPI() {
		summary += fmt.Sprintf(" (%s in resource group %s, subscription %s)", w.WorkspaceName, w.ResourceGroup, w.SubscriptionID)
	}
	if w.TenantID != "" {
		summary += ", tenant " + w.TenantID
	}
	summary += ", " + w.Cloud + " cloud"
	if base := cloudEndpoints[w.Cloud]; w.Endpoints.ResourceManager != base.ResourceManager || w.Endpoints.LogAnalytics != base.LogAnalytics {
		summary += fmt.Sprintf(" (resource manager %s, Log Analytics %s)", w.Endpoints.ResourceManager, w.Endpoints.LogAnalytics)
	}
	summary += "; sign-in: " + strings.Join(usable, " then ")
	return r.findings(summary)
}

// isHTTP reports whether u is an http:// URL.
func isHTTP(u string) bool { return len(u) >= 7 && strings.EqualFold(u[:7], "http://") }

// warnHTTP warns of every http:// endpoint among e's: what goes there is
// not encrypted (on this machine too), and the Azure SDK sends no sign-in
// token to one.
func warnHTTP(r *report, e Endpoints) {
	for _, f := range []struct{ name, u string }{
		{"resource_manager", e.ResourceManager}, {"log_analytics", e.LogAnalytics}, {"authority_host", e.AuthorityHost}, {"graph", e.Graph},
	} {
		if isHTTP(f.u) {
			r.warn("endpoint %s %s is http://: not encrypted, and the Azure SDK will not send a sign-in token to it; use https://", f.name, f.u)
		}
	}
}

func plural(s []string) string {
	if len(s) == 1 {
		return "it"
	}
	return "them"
}

// msticpyNames turns setting names into msticpy's.
func msticpyNames(fields []string) string {
	names := map[string]string{"subscription_id": "SubscriptionId", "resource_group": "ResourceGroup", "workspace_name": "WorkspaceName"}
	var out []string
	for _, f := range fields {
		out = append(out, names[f])
	}
	return strings.Join(out, ", ")
}

// checkAuth reports methods that cannot work and returns those that can.
func (c *Config) checkAuth(r *report, a Auth, tenant, key string) []string {
	var usable []string
	var problems []string
	for _, m := range a.Methods {
		if m != AuthClientSecret {
			usable = append(usable, m)
			continue
		}
		var why []string
		if a.ClientID == "" {
			why = append(why, fmt.Sprintf("no client id: set AZURE_CLIENT_ID or %s.client_id in triage.yaml", key))
		}
		if p := c.secretProblem("client secret", a.ClientSecret, key+".client_secret"); p != "" {
			why = append(why, p)
		}
		if a.TenantID == "" && tenant == "" {
			why = append(why, fmt.Sprintf("no tenant: set AZURE_TENANT_ID or %s.tenant_id in triage.yaml", key))
		}
		if len(why) == 0 {
			usable = append(usable, m)
			continue
		}
		problems = append(problems, strings.Join(why, "; "))
	}
	for _, p := range problems {
		if len(usable) == 0 {
			r.err("sign-in with %s cannot work: %s", AuthClientSecret, p)
		} else {
			r.warn("sign-in with %s will be skipped: %s", AuthClientSecret, p)
		}
	}
	return usable
}

var placeholder = regexp.MustCompile(`(?i)^(\[.*\]|<.*>|\{\{.*\}\}|.*placeholder.*|x+|changeme|todo|none|null)$`)

// secretProblem says what is wrong with a secret that is needed, or "".
// key is the setting to fix it in, unless triage.yaml sets the secret
// elsewhere (azure.auth for a workspace). It never includes the value.
func (c *Config) secretProblem(what string, s Secret, key string) string {
	src := s.Source()
	if o := src.Origin; o.File != "" && o.File == c.TriageFile && o.Key != "" {
		key = o.Key
	}
	fix := "set " + key + " in triage.yaml"
	if s.IsSet() {
		if placeholder.MatchString(strings.TrimSpace(s.Reveal())) {
			return fmt.Sprintf("%s from %s looks like a placeholder, not a real one: %s", what, src, fix)
		}
		return ""
	}
	switch src.Kind {
	case SecretEnv:
		return fmt.Sprintf("%s from environment variable %s, which is not set: export %s=… or %s", what, src.Env, src.Env, fix)
	case SecretKeyVault:
		if errors.Is(s.Err(), ErrKeyVaultNotRead) {
			return fmt.Sprintf("%s is %s, which has not been read (no Key Vault access in this run): %s with the value or {env: VARIABLE}", what, src, fix)
		}
		return fmt.Sprintf("%s from %s cannot be read: %v: %s", what, src, s.Err(), fix)
	case SecretPlain:
		if src.Origin.File != "" {
			return fmt.Sprintf("%s in %s is empty: %s", what, src.Origin, fix)
		}
	}
	return fmt.Sprintf("no %s: %s", what, fix)
}

// describeSecret says where a set secret comes from.
func describeSecret(what string, s Secret) string {
	src := s.Source()
	if src.Kind == SecretPlain {
		if src.Origin.File != "" {
			return what + " in " + src.Origin.File
		}
		return what + " set"
	}
	return what + " from " + src.String()
}

func (c *Config) checkProvider(p Provider) []Finding {
	r := &report{subject: "provider " + p.Name}
	spec, _ := providers.Find(p.Name)
	key := "providers." + p.Name
	if !p.Enabled {
		msg := "off"
		switch {
		case p.DisabledBy != "":
			msg = "turned off by " + p.DisabledBy + fmt.Sprintf(": set %s.enabled: true in triage.yaml to use it", key)
		case spec.NeedsKey:
			msg = fmt.Sprintf("not configured: set %s.api_key in triage.yaml to use it", key)
		case spec.Files != "":
			msg = fmt.Sprintf("not configured: set %s.files in triage.yaml to %s to use it", key, spec.Files)
		default:
			msg = fmt.Sprintf("not configured: add %s: {} to triage.yaml to use it", key)
		}
		return []Finding{{Subject: r.subject, Level: LevelOff, Message: msg}}
	}
	if spec.External && c.Intel.NoExternal {
		return []Finding{{Subject: r.subject, Level: LevelOff, Message: "off: external lookups are turned off (intel.no_external in triage.yaml)"}}
	}
	var parts []string
	if p.Primary {
		parts = append(parts, "primary")
	} else {
		parts = append(parts, "secondary (looked up when asked for)")
	}
	keyKind := p.APIKey.Source().Kind
	switch {
	case spec.OptionalKey && (!p.APIKey.IsSet() && (keyKind == "" || keyKind == SecretPlain)):
		parts = append(parts, "no api key (community API)")
	case spec.NeedsKey || spec.OptionalKey:
		msg := c.secretProblem("api key", p.APIKey, key+".api_key")
		switch {
		case msg == "":
			parts = append(parts, describeSecret("api key", p.APIKey))
		case spec.OptionalKey:
			r.warn("%s; until then the keyless community API is used", msg)
		default:
			r.err("%s", msg)
		}
	}
	if spec.NeedsID {
		if msg := c.secretProblem("api id", p.APIID, key+".api_id"); msg != "" {
			r.err("%s", msg)
		} else {
			parts = append(parts, describeSecret("api id", p.APIID))
		}
	}
	if spec.Files != "" {
		if len(p.Files) == 0 {
			r.err("no files: set %s.files in triage.yaml to %s", key, spec.Files)
		}
		for _, f := range p.Files {
			if fi, err := os.Stat(f); err != nil {
				r.err("feed %s: %v", f, errNotThere(err))
			} else if fi.IsDir() {
				r.err("feed %s is a directory", f)
			}
		}
		if len(p.Files) > 0 {
			parts = append(parts, fmt.Sprintf("%d feed file(s)", len(p.Files)))
		}
	}
	if spec.Note != "" {
		parts = append(parts, spec.Note)
	}
	if p.BaseURL != "" {
		parts = append(parts, "at "+p.BaseURL)
	}
	if isHTTP(p.BaseURL) {
		what := "requests and answers cross"
		if p.AllowInsecureHTTP {
			what = "the api key, requests and answers cross (allow_insecure_http)"
		}
		r.warn("base_url %s is http://: %s the network unencrypted; use https://", p.BaseURL, what)
	}
	return r.findings("enabled, " + strings.Join(parts, ", "))
}

func (c *Config) checkGeoIP() []Finding {
	g := c.GeoIP
	r := &report{subject: "geoip"}
	if isHTTP(g.DownloadURL) {
		r.warn("download_url %s is http://: the license key and the databases cross the network unencrypted; use https://", g.DownloadURL)
	}
	var have, missing []string
	for _, db := range g.Databases {
		if fi, err := os.Stat(db); err == nil && !fi.IsDir() {
			have = append(have, db)
		} else {
			missing = append(missing, filepath.Base(db))
		}
	}
	canDownload := g.AccountID != "" && g.LicenseKey.IsSet()
	if g.LicenseKey.Source().Kind != "" {
		if p := c.secretProblem("MaxMind license key", g.LicenseKey, "geoip.license_key"); p != "" {
			r.warn("%s (only needed to download databases)", p)
		}
	}
	if g.AutoDownload && !canDownload {
		r.warn("auto_download needs geoip.account_id and geoip.license_key (a free MaxMind account) in triage.yaml")
	}
	switch {
	case len(have) == 0 && g.AutoDownload && canDownload:
		return r.findings(fmt.Sprintf("no database in %s yet: %s will be downloaded when needed", g.DBFolder, strings.Join(missing, ", ")))
	case len(have) == 0 && g.DBFolder == "":
		r.warn("no GeoIP database: IP locations and ASNs will be missing; set geoip.db_folder or geoip.databases in triage.yaml")
		return r.findings("")
	case len(have) == 0:
		r.warn("no GeoIP database in %s (looked for %s): IP locations and ASNs will be missing; put MaxMind GeoLite2 databases there, or set geoip.databases, or geoip.account_id, geoip.license_key and geoip.auto_download: true in triage.yaml",
			g.DBFolder, strings.Join(missing, ", "))
		return r.findings("")
	}
	summary := "using " + strings.Join(have, ", ")
	if len(missing) > 0 {
		summary += "; missing " + strings.Join(missing, ", ")
	}
	return r.findings(summary)
}

func (c *Config) checkKeyVault() []Finding {
	kv := c.KeyVault
	r := &report{subject: "key vault"}
	// Count distinct secrets: workspaces share azure.auth's.
	all, notRead := map[[2]string]bool{}, map[[2]string]bool{}
	c.eachSecret(func(_ string, s *Secret) {
		if src := s.Source(); src.Kind == SecretKeyVault {
			k := [2]string{src.VaultURL, src.Name}
			all[k] = true
			if !s.IsSet() {
				notRead[k] = true
			}
		}
	})
	refs, unread := len(all), len(notRead)
	if refs == 0 && kv.VaultName == "" {
		return nil
	}
	if refs == 0 {
		return r.findings(fmt.Sprintf("%s configured, no secret refers to it", kv.VaultURL))
	}
	warnHTTP(r, kv.Endpoints)
	if isHTTP(kv.VaultURL) {
		r.warn("vault %s is http://: secrets would cross the network unencrypted, and the Azure SDK will not send a sign-in token to it; use https://", kv.VaultURL)
	}
	if kv.TenantID == "" {
		r.warn("no tenant id: signing in to Key Vault uses the account's home tenant; set key_vault.tenant_id in triage.yaml%s", c.inMsticpy(kv.Origins, "TenantId"))
	}
	summary := fmt.Sprintf("%d secret(s) from Key Vault", refs)
	if kv.VaultURL != "" {
		summary += ", default vault " + kv.VaultURL
	}
	if unread > 0 {
		summary += fmt.Sprintf(", %d not read yet", unread)
	}
	return r.findings(summary)
}
