// Package registry builds the threat-intelligence engine from configuration:
// one client per enabled provider with its base URL, key, timeout and quota
// (the provider's free tier unless configured), the cache and request log,
// the organisation's private indicators, and a status line for every
// provider saying whether it runs and, if not, why.
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
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/abuseipdb"
	"github.com/triage-dev/triage/internal/intel/greynoise"
	"github.com/triage-dev/triage/internal/intel/localfeed"
	"github.com/triage-dev/triage/internal/intel/otx"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/intel/tor"
	"github.com/triage-dev/triage/internal/intel/virustotal"
	"github.com/triage-dev/triage/internal/intel/xforce"
	"github.com/triage-dev/triage/internal/ioc"
)

// Options are what Build needs besides the configuration.
type Options struct {
	// HTTP sends the providers' requests; nil means a default client.
	HTTP *http.Client
	// SentinelTI runs the workspace's threat-intelligence query; nil turns
	// the sentinel-ti provider off (no workspace).
	SentinelTI sentinelti.QueryFunc
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
	Name        string      `json:"name"`
	Enabled     bool        `json:"enabled"`
	Primary     bool        `json:"primary"`
	Running     bool        `json:"running"` // part of the engine
	External    bool        `json:"external"`
	KeySet      bool        `json:"key_set"`
	BaseURL     string      `json:"base_url,omitempty"`
	Kinds       []ioc.Kind  `json:"kinds"`
	Quota       intel.Quota `json:"quota"`
	Reason      string      `json:"reason,omitempty"` // why it does not run
	Origins     []string    `json:"origins,omitempty"`
	Fingerprint string      `json:"-"`
}

// Build returns the engine for cfg and the status of every provider.
// Providers that are enabled but cannot run (no key, a bad setting) give
// not_configured results with the reason; disabled ones are left out.
func Build(ctx context.Context, cfg *config.Config, o Options) (*intel.Engine, []Status, error) {
	e := &intel.Engine{
		NoExternal: cfg.Intel.NoExternal, Cache: o.Cache, Requests: o.Requests, Refresh: o.Refresh,
		Now: o.Now, Notify: o.Notify, Settings: map[string]intel.Settings{}, NotConfigured: map[string]string{},
		Private: Private(cfg.Intel), MaxWait: cfg.Intel.MaxWait,
	}
	var out []Status
	for _, id := range config.ProviderIDs {
		pc := cfg.Providers[id]
		st := Status{Name: id, Enabled: pc.Enabled, Primary: pc.Primary, KeySet: pc.APIKey.IsSet(), BaseURL: pc.BaseURL}
		for _, og := range pc.Origins {
			st.Origins = append(st.Origins, og.String())
		}
		p, quota, err := newProvider(id, pc, cfg, o)
		st.Kinds, st.External = kinds[id], id != config.ProviderTor && id != config.ProviderLocalFeed && id != config.ProviderSentinelTI
		st.Quota = quota
		wanted := pc.Enabled && (pc.Primary || o.All || len(o.Only) > 0)
		if len(o.Only) > 0 {
			wanted = pc.Enabled && contains(o.Only, id)
		}
		switch {
		case !pc.Enabled:
			st.Reason = cmp.Or(pc.DisabledBy, "not enabled")
			if contains(o.Only, id) {
				// Asked for by name (--provider): its rows say why it cannot
				// answer, rather than the provider missing from the answer.
				e.NotConfigured[id] = offReason(id, pc, err)
			}
		case err != nil:
			st.Reason = err.Error()
			if wanted {
				e.NotConfigured[id] = st.Reason
			}
		case !wanted:
			st.Reason = "not primary: looked up only when asked for (--all or --provider " + id + ")"
		case st.External && cfg.Intel.NoExternal:
			st.Reason = "external lookups are turned off (intel.no_external)"
			st.Running = true
		default:
			st.Running = true
		}
		if err == nil && wanted {
			st.Fingerprint = fingerprint(id, pc)
			e.Providers = append(e.Providers, p)
			e.Settings[id] = intel.Settings{
				Concurrency: pc.Concurrency, Quota: quota, Fingerprint: st.Fingerprint,
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

// newProvider builds one provider's client and its quota (the configured
// windows over the provider's free tier).
func newProvider(id string, pc config.Provider, cfg *config.Config, o Options) (intel.Provider, intel.Quota, error) {
	key := func() (string, error) {
		if err := pc.APIKey.Err(); err != nil {
			return "", fmt.Errorf("api_key: %v", err)
		}
		if !pc.APIKey.IsSet() {
			return "", fmt.Errorf("no API key: set providers.%s.api_key", id)
		}
		return pc.APIKey.Reveal(), nil
	}
	timeout := cmp.Or(pc.Timeout, cfg.Intel.Timeout)
	var (
		p   intel.Provider
		q   intel.Quota
		err error
	)
	switch id {
	case config.ProviderVirusTotal:
		q = virustotal.DefaultQuota
		var k string
		if k, err = key(); err == nil {
			p, err = virustotal.New(virustotal.Options{BaseURL: base(pc.BaseURL, virustotal.DefaultBaseURL), HTTP: o.HTTP, APIKey: k, Timeout: timeout,
				Resolutions: pc.Options["resolutions"] == "true"})
		}
	case config.ProviderOTX:
		q = otx.DefaultQuota
		var k string
		if k, err = key(); err == nil {
			p, err = otx.New(otx.Options{BaseURL: base(pc.BaseURL, otx.DefaultBaseURL), HTTP: o.HTTP, APIKey: k, Timeout: timeout,
				PassiveDNS: pc.Options["passive_dns"] == "true"})
		}
	case config.ProviderGreyNoise:
		q = greynoise.DefaultQuota
		k := ""
		if pc.APIKey.IsSet() {
			k = pc.APIKey.Reveal()
		}
		p, err = greynoise.New(greynoise.Options{BaseURL: base(pc.BaseURL, greynoise.DefaultBaseURL), HTTP: o.HTTP, APIKey: k, Timeout: timeout,
			Enterprise: pc.Options["enterprise"] == "true"})
	case config.ProviderXForce:
		q = xforce.DefaultQuota
		var k string
		if k, err = key(); err == nil {
			if !pc.APIID.IsSet() {
				err = fmt.Errorf("no API id: set providers.%s.api_id", id)
			} else {
				p, err = xforce.New(xforce.Options{BaseURL: base(pc.BaseURL, xforce.DefaultBaseURL), HTTP: o.HTTP, APIKey: k, APIID: pc.APIID.Reveal(), Timeout: timeout})
			}
		}
	case config.ProviderAbuseIPDB:
		q = abuseipdb.DefaultQuota
		var k string
		if k, err = key(); err == nil {
			p, err = abuseipdb.New(abuseipdb.Options{BaseURL: base(pc.BaseURL, abuseipdb.DefaultBaseURL), HTTP: o.HTTP, APIKey: k, Timeout: timeout})
		}
	case config.ProviderTor:
		p, err = tor.New(tor.Options{URL: base(pc.BaseURL, tor.DefaultURL), HTTP: o.HTTP, Timeout: timeout,
			CacheDir: filepath.Join(cfg.DataDir, "tor"), MaxAge: pc.CacheTTL, Now: o.Now})
	case config.ProviderLocalFeed:
		minConf := 0
		if s := pc.Options["min_confidence"]; s != "" {
			if minConf, err = strconv.Atoi(s); err != nil {
				err = fmt.Errorf("options.min_confidence %q is not a number", s)
			}
		}
		if err == nil {
			if len(pc.Files) == 0 {
				err = fmt.Errorf("no feed files: set providers.%s.files", id)
			} else {
				p, err = localfeed.New(localfeed.Options{Files: pc.Files, MinConfidence: minConf, Now: o.Now})
			}
		}
	case config.ProviderSentinelTI:
		if o.SentinelTI == nil {
			err = fmt.Errorf("no workspace to read threat intelligence from")
		} else {
			p = sentinelti.New(o.SentinelTI)
		}
	default:
		err = fmt.Errorf("unknown provider %q", id)
	}
	q = mergeQuota(q, pc.Quota)
	if (id == config.ProviderVirusTotal && pc.Options["resolutions"] == "true") ||
		(id == config.ProviderOTX && pc.Options["passive_dns"] == "true") {
		// Two requests per lookup: the engine counts lookups.
		q = halve(q)
	}
	return p, q, err
}

// halve is the quota in lookups of two requests each.
func halve(q intel.Quota) intel.Quota {
	h := func(n int) int {
		if n == 0 {
			return 0
		}
		return max(n/2, 1)
	}
	return intel.Quota{PerSecond: h(q.PerSecond), PerMinute: h(q.PerMinute), PerHour: h(q.PerHour), PerDay: h(q.PerDay), PerMonth: h(q.PerMonth)}
}

// kinds are the indicator types each provider looks up.
var kinds = map[string][]ioc.Kind{
	config.ProviderVirusTotal: {ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256},
	config.ProviderOTX:        {ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256},
	config.ProviderGreyNoise:  {ioc.IPv4},
	config.ProviderXForce:     {ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256},
	config.ProviderAbuseIPDB:  {ioc.IPv4, ioc.IPv6},
	config.ProviderTor:        {ioc.IPv4, ioc.IPv6},
	config.ProviderLocalFeed:  ioc.Kinds,
	config.ProviderSentinelTI: ioc.Kinds,
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
// address and a hash of its key, never the key.
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
