// Package greynoise asks GreyNoise whether an IPv4 address has been seen
// scanning the internet, and whether it belongs to a known benign business
// service (RIOT: Google DNS, Microsoft 365, CDNs and the like).
//
// Endpoints, GET on DefaultBaseURL; the key, when there is one, goes in the
// "key" header:
//
//	/v3/community/{ip}      the Community API: no key needed (a free
//	                        account's key raises the limit); used unless
//	                        Options.Enterprise is set
//	/v2/noise/context/{ip}  the context API (paid plans; needs a key and
//	                        Options.Enterprise): classification, actor,
//	                        tags, VPN, metadata
//
// Only IPv4 addresses are looked up. The Community API answers 404 for an
// address GreyNoise has neither seen scanning nor lists in RIOT (an answer
// of 200 with noise and riot false means the same), and the context API
// answers {"seen": false}: all are returned as errors wrapping
// intel.ErrNotFound that say "not observed scanning the internet".
//
// Severity follows msticpy's GreyNoise provider:
//
//	classification "malicious"                 high
//	anything else ("benign", "unknown", ...)   information
//
// An address in RIOT is information too, and its summary says it is a known
// business service (a malicious classification still wins).
package greynoise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/ioc"
)

// DefaultBaseURL is the GreyNoise API's address.
const DefaultBaseURL = "https://api.greynoise.io"

// webURL is where the GreyNoise Visualizer shows an address.
const webURL = "https://viz.greynoise.io/ip/"

// DefaultQuota is the budget of the free Community API, counted in lookups.
//
// GreyNoise's free community plan allows about 50 lookups a week, and the
// published limits of unkeyed use are lower still and differ between
// sources (10 a day in one, 50 a day per source address in another); the
// API answers 429 once they are used up. Quota has no weekly window, so the
// default is 7 a day: a whole week stays under 50. Paid plans have limits set
// by contract; configure them.
var DefaultQuota = intel.Quota{PerDay: 7}

// Spec declares the provider to the rest of triage.
var Spec = intel.Spec{
	Name:           "greynoise",
	MsticpyNames:   []string{"greynoise"},
	Kinds:          []ioc.Kind{ioc.IPv4},
	External:       true,
	OptionalKey:    true,
	DefaultBaseURL: DefaultBaseURL,
	DefaultQuota:   DefaultQuota,
	New: func(s intel.Setup) (intel.Provider, error) {
		return intel.Provide(New(Options{BaseURL: s.BaseURL, AllowInsecureHTTP: s.AllowInsecureHTTP, HTTP: s.HTTP, APIKey: s.APIKey, Timeout: s.Timeout,
			Enterprise: s.Options["enterprise"] == "true"}))
	},
}

// Options configures a Provider.
type Options struct {
	// BaseURL replaces DefaultBaseURL (tests, proxies).
	BaseURL string
	// AllowInsecureHTTP lets the key go over http:// to another machine
	// (httpapi.Client.AllowInsecureHTTP).
	AllowInsecureHTTP bool
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// APIKey is the GreyNoise key; optional for the Community API.
	APIKey string
	// Timeout bounds one request; 0 means httpapi.DefaultTimeout.
	Timeout time.Duration
	// Enterprise uses the context API of paid plans instead of the
	// Community API; it needs APIKey.
	Enterprise bool
}

// maxBody bounds an answer: a few KB normally, more for a context answer
// with much raw scan data.
const maxBody = 2 << 20

// Provider looks IPv4 addresses up in GreyNoise. It is safe for concurrent use.
type Provider struct {
	c          httpapi.Client
	enterprise bool
}

var _ intel.Provider = (*Provider)(nil)

// New returns a provider configured by o. It makes no request.
func New(o Options) (*Provider, error) {
	key := strings.TrimSpace(o.APIKey)
	if o.Enterprise && key == "" {
		return nil, errors.New("greynoise: the enterprise (context) API needs an API key")
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, errors.New("greynoise: the API key contains control characters")
	}
	base, err := httpapi.BaseURL("greynoise", o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	var h http.Header
	if key != "" {
		h = http.Header{}
		h.Set("key", key)
	}
	return &Provider{
		c: httpapi.Client{
			Provider:          "greynoise",
			AllowInsecureHTTP: o.AllowInsecureHTTP,
			BaseURL:           base,
			HTTP:              o.HTTP,
			Header:            h,
			Timeout:           o.Timeout,
			MaxBody:           maxBody,
		},
		enterprise: o.Enterprise,
	}, nil
}

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec, IPv4 addresses only.
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// String describes the provider without its key.
func (p *Provider) String() string {
	api := "community"
	if p.enterprise {
		api = "context"
	}
	return fmt.Sprintf("greynoise provider at %s (%s API, key set %t)", p.c.BaseURL, api, p.c.Header.Get("key") != "")
}

// GoString is String, so that %#v does not print the key either.
func (p *Provider) GoString() string { return p.String() }

// Lookup implements intel.Provider.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	if ind.Kind != ioc.IPv4 {
		return intel.Result{}, fmt.Errorf("greynoise: %s indicators: %w", ind.Kind, intel.ErrUnsupported)
	}
	a, err := netip.ParseAddr(ind.Value)
	a = a.Unmap()
	if err != nil || !a.Is4() {
		return intel.Result{}, fmt.Errorf("greynoise: %q is not an IPv4 address", ind.Value)
	}
	ip := a.String()
	var r intel.Result
	if p.enterprise {
		r, err = p.context(ctx, ip)
	} else {
		r, err = p.community(ctx, ip)
	}
	if err != nil {
		return intel.Result{}, err
	}
	r.Link = webURL + url.PathEscape(ip)
	return r, nil
}

// notObserved is the error for an address GreyNoise knows nothing about.
func notObserved(ip string) error {
	return fmt.Errorf("greynoise: %s not observed scanning the internet and not a known business service: %w", ip, intel.ErrNotFound)
}

// lookupError names the address of a failed lookup. The httpapi error it
// wraps already starts with "greynoise: ", which is not repeated.
type lookupError struct {
	ip  string
	err error
}

func (e *lookupError) Error() string {
	return "greynoise: lookup " + e.ip + ": " + strings.TrimPrefix(e.err.Error(), "greynoise: ")
}

func (e *lookupError) Unwrap() error { return e.err }

// community is the Community API's answer.
type community struct {
	IP             string `json:"ip"`
	Noise          bool   `json:"noise"`
	RIOT           bool   `json:"riot"`
	Classification string `json:"classification"`
	Name           string `json:"name"`
	Link           string `json:"link"`
	LastSeen       string `json:"last_seen"`
	Message        string `json:"message"`
}

func (p *Provider) community(ctx context.Context, ip string) (intel.Result, error) {
	var c community
	raw, err := p.c.GetJSON(ctx, "/v3/community/"+url.PathEscape(ip), nil, &c)
	if errors.Is(err, intel.ErrNotFound) {
		return intel.Result{}, notObserved(ip)
	}
	if err != nil {
		return intel.Result{}, &lookupError{ip: ip, err: err}
	}
	class := httpapi.OneLine(c.Classification, 40)
	name := httpapi.OneLine(c.Name, 80)
	d := map[string]any{"noise": c.Noise, "riot": c.RIOT}
	for k, v := range map[string]string{"classification": class, "name": name, "last_seen": httpapi.OneLine(c.LastSeen, 40)} {
		if v != "" {
			d[k] = v
		}
	}
	if m := httpapi.OneLine(c.Message, 200); m != "" && !strings.EqualFold(m, "success") {
		d["message"] = m
	}
	sev := severity(class)
	var s string
	switch {
	case c.RIOT && sev != intel.SeverityHigh:
		s = "known benign business service (RIOT)"
		if name != "" && !strings.EqualFold(name, "unknown") {
			s += ": " + name
		}
		if c.Noise {
			s += "; also seen scanning the internet"
		}
	case c.Noise || class != "":
		s = scanner(class, name, "", c.LastSeen)
		if c.RIOT {
			s += "; listed as a known business service (RIOT)"
		}
	default:
		// Some answers say so with a 200 rather than a 404.
		return intel.Result{}, notObserved(ip)
	}
	return intel.Result{Severity: sev, Summary: s, Details: d, Raw: raw}, nil
}

// noiseContext is the context API's answer, as far as it is read.
type noiseContext struct {
	IP             string            `json:"ip"`
	Seen           *bool             `json:"seen"`
	Classification string            `json:"classification"`
	FirstSeen      string            `json:"first_seen"`
	LastSeen       string            `json:"last_seen"`
	Actor          string            `json:"actor"`
	Tags           []json.RawMessage `json:"tags"`
	CVE            []string          `json:"cve"`
	Spoofable      bool              `json:"spoofable"`
	Bot            bool              `json:"bot"`
	Tor            bool              `json:"tor"`
	VPN            bool              `json:"vpn"`
	VPNService     string            `json:"vpn_service"`
	Metadata       struct {
		ASN          string `json:"asn"`
		Organization string `json:"organization"`
		Category     string `json:"category"`
		Country      string `json:"country"`
		CountryCode  string `json:"country_code"`
		City         string `json:"city"`
		Region       string `json:"region"`
		RDNS         string `json:"rdns"`
		OS           string `json:"os"`
	} `json:"metadata"`
}

// Limits on what a context result carries.
const (
	maxTags        = 20
	maxCVEs        = 10
	maxSummaryTags = 3
)

func (p *Provider) context(ctx context.Context, ip string) (intel.Result, error) {
	var c noiseContext
	raw, err := p.c.GetJSON(ctx, "/v2/noise/context/"+url.PathEscape(ip), nil, &c)
	if errors.Is(err, intel.ErrNotFound) {
		return intel.Result{}, notObserved(ip)
	}
	if err != nil {
		return intel.Result{}, &lookupError{ip: ip, err: err}
	}
	class := httpapi.OneLine(c.Classification, 40)
	if (c.Seen != nil && !*c.Seen) || (c.Seen == nil && class == "") {
		return intel.Result{}, notObserved(ip)
	}
	actor := httpapi.OneLine(c.Actor, 80)
	d := map[string]any{"vpn": c.VPN}
	for k, v := range map[string]string{
		"classification": class, "actor": actor,
		"first_seen": httpapi.OneLine(c.FirstSeen, 40), "last_seen": httpapi.OneLine(c.LastSeen, 40),
	} {
		if v != "" {
			d[k] = v
		}
	}
	if vs := httpapi.OneLine(c.VPNService, 80); c.VPN && vs != "" && vs != "N/A" {
		d["vpn_service"] = vs
	}
	for k, v := range map[string]bool{"spoofable": c.Spoofable, "bot": c.Bot, "tor": c.Tor} {
		if v {
			d[k] = true
		}
	}
	tags := tagNames(c.Tags)
	if len(tags) > 0 {
		d["tags"] = tags
	}
	var cves []string
	for _, cve := range c.CVE {
		if cve = httpapi.OneLine(cve, 40); cve != "" && len(cves) < maxCVEs {
			cves = append(cves, cve)
		}
	}
	if len(cves) > 0 {
		d["cve"] = cves
	}
	m := c.Metadata
	meta := map[string]string{}
	for k, v := range map[string]string{
		"asn": m.ASN, "organization": m.Organization, "category": m.Category, "country": m.Country,
		"country_code": m.CountryCode, "city": m.City, "region": m.Region, "rdns": m.RDNS, "os": m.OS,
	} {
		if v = httpapi.OneLine(v, 120); v != "" && v != "unknown" {
			meta[k] = v
		}
	}
	if len(meta) > 0 {
		d["metadata"] = meta
	}
	var tagText string
	if len(tags) > 0 {
		shown := tags[:min(len(tags), maxSummaryTags)]
		tagText = "tags " + strings.Join(shown, ", ")
		if len(tags) > len(shown) {
			tagText += fmt.Sprintf(" and %d more", len(tags)-len(shown))
		}
	}
	s := scanner(class, actor, tagText, c.LastSeen)
	if c.VPN {
		s += "; a VPN exit"
	}
	return intel.Result{Severity: severity(class), Summary: s, Details: d, Raw: raw}, nil
}

// tagNames reads tags given as strings (the v2 API) or as objects with a
// name (later versions), distinct, at most maxTags.
func tagNames(raw []json.RawMessage) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) != nil {
			var o struct{ Name string }
			if json.Unmarshal(r, &o) != nil {
				continue
			}
			s = o.Name
		}
		if s = httpapi.OneLine(s, 60); s != "" && !seen[s] && len(out) < maxTags {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// severity maps a classification as msticpy does.
func severity(classification string) intel.Severity {
	if strings.EqualFold(classification, "malicious") {
		return intel.SeverityHigh
	}
	return intel.SeverityInformation
}

// scanner is the summary of an address seen scanning: "malicious internet
// scanner (actor), tags a, b, last seen 2024-05-01".
func scanner(class, who, extra, lastSeen string) string {
	var s string
	switch c := strings.ToLower(class); c {
	case "malicious", "benign", "suspicious":
		s = c + " internet scanner"
	case "", "unknown":
		s = "internet scanner of unknown intent"
	default:
		s = "internet scanner classified " + class
	}
	if who != "" && !strings.EqualFold(who, "unknown") {
		s += " (" + who + ")"
	}
	if extra != "" {
		s += ", " + extra
	}
	if ls := httpapi.OneLine(lastSeen, 40); ls != "" {
		s += ", last seen " + ls
	}
	return s
}
