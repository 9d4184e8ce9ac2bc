// Package registry builds the threat-intelligence engine from configuration:
// one provider per enabled spec of package intel/providers, built by the
// spec's New from its base URL, key, timeout and options, with its quota
// (the spec's free tier unless configured), the cache and request log, the
// organisation's private indicators, and the state of every provider:
// whether it runs and, if not, why.
package registry

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/providers"
	"github.com/triage-dev/triage/internal/ioc"
)

// Options are what Build needs besides the configuration.
type Options struct {
	// HTTP sends the providers' requests; nil means a default client.
	HTTP *http.Client
	// WorkspaceTI runs the workspace's threat-intelligence query; nil
	// leaves the providers that read the workspace (sentinel-ti) unable to
	// run.
	WorkspaceTI intel.WorkspaceTI
	// Cache and Requests are the persistent store (nil: none).
	Cache    intel.Cache
	Requests intel.RequestLog
	// All includes enabled providers that are not primary.
	All bool
	// Only, when set, restricts the engine to these provider names.
	Only []string
	// Refresh bypasses the cache.
	Refresh bool
	Now     func() time.Time
	Notify  func(string)
}

// Status is what the configuration makes of one provider.
type Status struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	Primary bool   `json:"primary"`
	Running bool   `json:"running"` // part of the engine
	// State is what the other fields come to, for people; Reason says
	// why a provider that is not ProviderRuns does not run, or is skipped.
	State       intel.ProviderState `json:"state"`
	External    bool                `json:"external"`
	NeedsKey    bool                `json:"needs_key"`
	KeySet      bool                `json:"key_set"`
	BaseURL     string              `json:"base_url,omitempty"`
	Kinds       []ioc.Kind          `json:"kinds"`
	Quota       intel.Quota         `json:"quota"`
	Reason      string              `json:"reason,omitempty"`
	Origins     []string            `json:"origins,omitempty"`
	Fingerprint string              `json:"-"`
	// ReadsWorkspace is set for a provider that reads the workspace
	// (sentinel-ti): the workspace is named beside it.
	ReadsWorkspace bool `json:"-"`
}

// Build returns the engine for cfg and the status of every provider of
// providers.All, in its order. Providers that are enabled but cannot run
// (no key, a bad setting) give not_configured results with the reason;
// disabled ones are left out.
func Build(ctx context.Context, cfg *config.Config, o Options) (*intel.Engine, []Status, error) {
	e := &intel.Engine{
		NoExternal: cfg.Intel.NoExternal, Cache: o.Cache, Requests: o.Requests, Refresh: o.Refresh,
		Now: o.Now, Notify: o.Notify, Settings: map[string]intel.Settings{}, NotConfigured: map[string]string{},
		Private: Private(cfg.Intel), MaxWait: cfg.Intel.MaxWait,
	}
	var out []Status
	for _, spec := range providers.All {
		id := spec.Name
		pc := cfg.Providers[id]
		st := Status{Name: id, Enabled: pc.Enabled, Primary: pc.Primary, KeySet: pc.APIKey.IsSet(), BaseURL: pc.BaseURL,
			Kinds: spec.Kinds, External: spec.External, NeedsKey: spec.NeedsKey, ReadsWorkspace: spec.ReadsWorkspace}
		for _, og := range pc.Origins {
			st.Origins = append(st.Origins, og.String())
		}
		p, err := newProvider(spec, pc, cfg, o)
		st.Quota = quota(spec, pc)
		wanted := pc.Enabled && (pc.Primary || o.All || len(o.Only) > 0)
		if len(o.Only) > 0 {
			wanted = pc.Enabled && contains(o.Only, id)
		}
		switch {
		case !pc.Enabled:
			st.State, st.Reason = intel.ProviderOff, cmp.Or(pc.DisabledBy, "not enabled")
			if contains(o.Only, id) {
				// Asked for by name (--provider): its rows say why it cannot
				// answer, rather than the provider missing from the answer.
				e.NotConfigured[id] = offReason(id, pc, err)
			}
		case err != nil:
			st.State, st.Reason = intel.ProviderNotConfigured, err.Error()
			if wanted {
				e.NotConfigured[id] = st.Reason
			}
		case !wanted:
			st.State = intel.ProviderOnRequest
			st.Reason = "not primary: looked up only when asked for (--all or --provider " + id + ")"
		case st.External && cfg.Intel.NoExternal:
			st.State, st.Reason = intel.ProviderSkipped, "external lookups are turned off (intel.no_external)"
			st.Running = true
		default:
			st.State, st.Running = intel.ProviderRuns, true
		}
		if err == nil && wanted {
			st.Fingerprint = fingerprint(id, pc)
			e.Providers = append(e.Providers, p)
			e.Settings[id] = intel.Settings{
				Concurrency: pc.Concurrency, Quota: st.Quota, Fingerprint: st.Fingerprint,
				CacheTTL:    cmp.Or(pc.CacheTTL, cfg.Intel.CacheTTL),
				NegativeTTL: cmp.Or(pc.NegativeCacheTTL, cfg.Intel.NegativeCacheTTL),
			}
		}
		out = append(out, st)
	}
	return e, out, nil
}

// offReason says why a provider that is not enabled cannot run and what to
// set: err is what building it said (no key, no feed files) when the
// configuration never mentions it.
func offReason(id string, pc config.Provider, err error) string {
	switch {
	case pc.DisabledBy != "":
		return fmt.Sprintf("turned off (%s): set providers.%s.enabled: true to use it", pc.DisabledBy, id)
	case err != nil:
		return err.Error()
	}
	return fmt.Sprintf("not enabled: add providers.%s to triage.yaml to use it", id)
}

// newProvider builds one provider from its spec and settings: what the
// spec says it needs is checked here, the rest by the spec's New.
func newProvider(spec intel.Spec, pc config.Provider, cfg *config.Config, o Options) (intel.Provider, error) {
	id := spec.Name
	su := intel.Setup{
		BaseURL: base(pc.BaseURL, spec.DefaultBaseURL), AllowInsecureHTTP: pc.AllowInsecureHTTP, Timeout: cmp.Or(pc.Timeout, cfg.Intel.Timeout), HTTP: o.HTTP,
		Options: pc.Options, Files: pc.Files, CacheTTL: pc.CacheTTL, Dir: filepath.Join(cfg.DataDir, id), Now: o.Now,
		WorkspaceTI: o.WorkspaceTI,
	}
	switch {
	case spec.NeedsKey:
		if err := pc.APIKey.Err(); err != nil {
			return nil, fmt.Errorf("api_key: %v", err)
		}
		if !pc.APIKey.IsSet() {
			return nil, fmt.Errorf("no API key: set providers.%s.api_key", id)
		}
		su.APIKey = pc.APIKey.Reveal()
	case spec.OptionalKey && pc.APIKey.IsSet():
		su.APIKey = pc.APIKey.Reveal()
	}
	if spec.NeedsID {
		if !pc.APIID.IsSet() {
			return nil, fmt.Errorf("no API id: set providers.%s.api_id", id)
		}
		su.APIID = pc.APIID.Reveal()
	}
	return spec.New(su)
}

// quota is a provider's budget in lookups: the configured windows over the
// spec's free tier, divided by the requests one lookup costs (the engine
// counts lookups).
func quota(spec intel.Spec, pc config.Provider) intel.Quota {
	q := mergeQuota(spec.DefaultQuota, pc.Quota)
	if spec.RequestsPerLookup == nil {
		return q
	}
	n := spec.RequestsPerLookup(pc.Options)
	if n <= 1 {
		return q
	}
	div := func(w int) int {
		if w == 0 {
			return 0
		}
		return max(w/n, 1)
	}
	return intel.Quota{PerSecond: div(q.PerSecond), PerMinute: div(q.PerMinute), PerHour: div(q.PerHour), PerDay: div(q.PerDay), PerMonth: div(q.PerMonth)}
}

// base is the configured address of a service, or "" for its default. An
// address without a path (https://mirror.example:8443) takes the default's
// path (/api/v3 for VirusTotal), so that a proxy or test double of the
// service is given as its host alone; an address with a path is used as it is.
func base(configured, def string) string {
	if configured == "" {
		return ""
	}
	u, err := url.Parse(configured)
	if err != nil || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return configured
	}
	d, err := url.Parse(def)
	if err != nil {
		return configured
	}
	u.Path = d.Path
	return u.String()
}

// mergeQuota takes each configured window over the default's.
func mergeQuota(def intel.Quota, c config.Quota) intel.Quota {
	return intel.Quota{
		PerSecond: cmp.Or(c.PerSecond, def.PerSecond),
		PerMinute: cmp.Or(c.PerMinute, def.PerMinute),
		PerHour:   cmp.Or(c.PerHour, def.PerHour),
		PerDay:    cmp.Or(c.PerDay, def.PerDay),
		PerMonth:  cmp.Or(c.PerMonth, def.PerMonth),
	}
}

// fingerprint stands for a provider's configuration in cache keys: its
// address, a hash of its key (never the key), its files and its options.
// Options change what an answer holds (passive DNS, the enterprise API), so
// answers cached under other options are not reused; that also keeps
// answers cached before passive DNS was a typed field of the result out.
func fingerprint(id string, pc config.Provider) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", id, pc.BaseURL)
	if pc.APIKey.IsSet() {
		fmt.Fprintf(h, "%s\x00", pc.APIKey.Fingerprint())
	}
	if pc.APIID.IsSet() {
		fmt.Fprintf(h, "%s\x00", pc.APIID.Fingerprint())
	}
	fmt.Fprintf(h, "%v", pc.Files)
	if len(pc.Options) > 0 {
		// fmt prints a map's keys sorted: the same options, the same text.
		fmt.Fprintf(h, "\x00%v", pc.Options)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Private returns the policy that keeps the organisation's own names,
// networks and accounts away from external providers.
func Private(in config.Intel) func(ioc.Indicator) string {
	return func(ind ioc.Indicator) string {
		v := strings.ToLower(ind.Value)
		host := v
		switch ind.Kind {
		case ioc.URL:
			host = urlHost(v)
		case ioc.Email:
			user, domain, _ := strings.Cut(v, "@")
			for _, a := range in.InternalAccounts {
				if strings.EqualFold(a, v) || strings.EqualFold(a, user) {
					return "an internal account (intel.internal_accounts) is never sent to external providers"
				}
			}
			host = domain
		case ioc.IPv4, ioc.IPv6:
			if a, err := netip.ParseAddr(v); err == nil {
				for _, n := range in.InternalNetworks {
					if n.Contains(a.Unmap()) {
						return fmt.Sprintf("%s is in internal network %s (intel.internal_networks)", v, n)
					}
				}
			}
			return ""
		}
		for _, d := range in.InternalDomains {
			d = strings.TrimPrefix(strings.ToLower(d), ".")
			if host == d || strings.HasSuffix(host, "."+d) {
				return fmt.Sprintf("%s is an internal domain (intel.internal_domains)", d)
			}
		}
		return ""
	}
}

func urlHost(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 && !strings.Contains(u[i:], "]") {
		u = u[:i]
	}
	return strings.Trim(u, "[]")
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
