// Package otx looks indicators up in AlienVault OTX (Open Threat Exchange,
// now run by LevelBlue), where the community publishes "pulses": named
// collections of indicators with tags and references.
//
// Endpoints, all GET on DefaultBaseURL with the key in the X-OTX-API-KEY
// header (the key is required):
//
//	/api/v1/indicators/IPv4/{ip}/general
//	/api/v1/indicators/IPv6/{ip}/general
//	/api/v1/indicators/domain/{domain}/general
//	/api/v1/indicators/hostname/{hostname}/general
//	/api/v1/indicators/url/{url}/general        the URL escaped as one path segment
//	/api/v1/indicators/file/{hash}/general      MD5, SHA-1 and SHA-256
//	/api/v1/indicators/{IPv4|IPv6|domain|hostname}/{value}/passive_dns
//
// The passive DNS section is only asked for when Options.PassiveDNS is set
// (options: {passive_dns: "true"} in triage.yaml), and only after the
// general section has answered; up to ten of its records go into
// Result.PassiveDNS (with the total), and a failure there is noted in
// PassiveDNS.Err without failing the lookup.
//
// Severity follows msticpy's OTX provider, counting the pulses that name the
// indicator (pulse_info.count, or the length of pulse_info.pulses when that
// is larger or the count is missing):
//
//	0 pulses   information
//	1 pulse    warning
//	2 or more  high
//
// Details holds pulse_count, and for the first few pulses their names, tags
// and references; with no pulse, the sections OTX has for the indicator.
// Pulse names are written by OTX users, so they are cleaned to one line
// before they reach the summary.
package otx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/ioc"
)

// DefaultBaseURL is the OTX API's address.
const DefaultBaseURL = "https://otx.alienvault.com"

// webURL is where OTX shows an indicator to people.
const webURL = "https://otx.alienvault.com/indicator/"

// DefaultQuota is the budget for a free OTX key, counted in lookups.
//
// OTX publishes no hard limit for the free tier; the figure it has announced
// (and other clients quote) is about 10,000 requests an hour for a keyed
// user, with bursts throttled by 429. A lookup with PassiveDNS costs two
// requests, so 60 lookups a minute is at most 7,200 requests an hour: under
// that figure, with room for other tools sharing the key.
var DefaultQuota = intel.Quota{PerMinute: 60}

// Spec declares the provider to the rest of triage.
var Spec = intel.Spec{
	Name:           "otx",
	Aliases:        []string{"alienvault"},
	MsticpyNames:   []string{"otx"},
	Kinds:          []ioc.Kind{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256},
	External:       true,
	NeedsKey:       true,
	DefaultBaseURL: DefaultBaseURL,
	DefaultQuota:   DefaultQuota,
	RequestsPerLookup: func(options map[string]string) int {
		if options[passiveDNSOption] == "true" {
			return 2
		}
		return 1
	},
	New: func(s intel.Setup) (intel.Provider, error) {
		return intel.Provide(New(Options{BaseURL: s.BaseURL, AllowInsecureHTTP: s.AllowInsecureHTTP, HTTP: s.HTTP, APIKey: s.APIKey, Timeout: s.Timeout,
			PassiveDNS: s.Options[passiveDNSOption] == "true"}))
	},
}

// passiveDNSOption is the setting that turns Options.PassiveDNS on.
const passiveDNSOption = "passive_dns"

// Options configures a Provider.
type Options struct {
	// BaseURL replaces DefaultBaseURL (tests, proxies).
	BaseURL string
	// AllowInsecureHTTP lets the key go over http:// to another machine
	// (httpapi.Client.AllowInsecureHTTP).
	AllowInsecureHTTP bool
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// APIKey is the OTX key; required.
	APIKey string
	// Timeout bounds one request; 0 means httpapi.DefaultTimeout.
	Timeout time.Duration
	// PassiveDNS also fetches the passive DNS records of IPs, domains and
	// host names: one more request per such lookup.
	PassiveDNS bool
}

// Limits on the answers read. A general section lists at most a few dozen
// pulses (pulse_info.count says how many there are), a few hundred KB at
// worst; a passive DNS section for a popular name can be much larger.
const (
	maxGeneralBody    = 2 << 20
	maxPassiveDNSBody = 16 << 20
)

// Provider looks indicators up in OTX. It is safe for concurrent use.
type Provider struct {
	c          httpapi.Client
	passiveDNS bool
}

var _ intel.Provider = (*Provider)(nil)

// New returns a provider configured by o. It makes no request.
func New(o Options) (*Provider, error) {
	key := strings.TrimSpace(o.APIKey)
	if key == "" {
		return nil, errors.New("otx: an API key is required (sent as X-OTX-API-KEY)")
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, errors.New("otx: the API key contains control characters")
	}
	base, err := httpapi.BaseURL("otx", o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("X-OTX-API-KEY", key)
	return &Provider{
		c: httpapi.Client{
			Provider:          "otx",
			AllowInsecureHTTP: o.AllowInsecureHTTP,
			BaseURL:           base,
			HTTP:              o.HTTP,
			Header:            h,
			Timeout:           o.Timeout,
			MaxBody:           maxGeneralBody,
		},
		passiveDNS: o.PassiveDNS,
	}, nil
}

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec (IPs, domains, host
// names, URLs and hashes).
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// String describes the provider without its key.
func (p *Provider) String() string {
	return fmt.Sprintf("otx provider at %s (passive DNS %t)", p.c.BaseURL, p.passiveDNS)
}

// GoString is String, so that %#v does not print the key either.
func (p *Provider) GoString() string { return p.String() }

// apiType is the indicator type in API paths; webType the one in web links.
var (
	apiType = map[ioc.Kind]string{
		ioc.IPv4: "IPv4", ioc.IPv6: "IPv6", ioc.Domain: "domain", ioc.Hostname: "hostname",
		ioc.URL: "url", ioc.MD5: "file", ioc.SHA1: "file", ioc.SHA256: "file",
	}
	webType = map[ioc.Kind]string{
		ioc.IPv4: "ip", ioc.IPv6: "ip", ioc.Domain: "domain", ioc.Hostname: "hostname",
		ioc.URL: "url", ioc.MD5: "file", ioc.SHA1: "file", ioc.SHA256: "file",
	}
)

// hasPassiveDNS reports whether OTX keeps passive DNS for indicators of kind k.
func hasPassiveDNS(k ioc.Kind) bool {
	return k == ioc.IPv4 || k == ioc.IPv6 || k == ioc.Domain || k == ioc.Hostname
}

// Lookup implements intel.Provider.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	typ, ok := apiType[ind.Kind]
	if !ok {
		return intel.Result{}, fmt.Errorf("otx: %s indicators: %w", ind.Kind, intel.ErrUnsupported)
	}
	value, err := checkValue(ind)
	if err != nil {
		return intel.Result{}, err
	}
	seg := url.PathEscape(value)
	prefix := "/api/v1/indicators/" + typ + "/" + seg

	var g general
	raw, err := p.c.GetJSON(ctx, prefix+"/general", nil, &g)
	if err != nil {
		return intel.Result{}, &lookupError{value: value, err: err}
	}
	r := result(g)
	r.Raw = raw
	r.Link = webURL + webType[ind.Kind] + "/" + seg
	// Passive DNS is asked for only once the general section has answered,
	// so that a refused key or a throttled account costs one request.
	if p.passiveDNS && hasPassiveDNS(ind.Kind) {
		r.PassiveDNS = p.fetchPassiveDNS(ctx, prefix+"/passive_dns")
	}
	return r, nil
}

// checkValue returns the value to send for ind, or an error for one that
// cannot be an indicator of its kind. Names and URLs are only refused when
// escaping cannot make them one path segment ("", "." and "..").
func checkValue(ind ioc.Indicator) (string, error) {
	v := ind.Value
	bad := func() (string, error) {
		return "", fmt.Errorf("otx: %q is not a valid %s indicator", v, ind.Kind)
	}
	switch ind.Kind {
	case ioc.IPv4, ioc.IPv6:
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" || (ind.Kind == ioc.IPv4) != a.Is4() {
			return bad()
		}
		return a.String(), nil
	case ioc.MD5, ioc.SHA1, ioc.SHA256:
		n := map[ioc.Kind]int{ioc.MD5: 32, ioc.SHA1: 40, ioc.SHA256: 64}[ind.Kind]
		if len(v) != n || !isHex(v) {
			return bad()
		}
		return strings.ToLower(v), nil
	}
	if v == "" || v == "." || v == ".." {
		return bad()
	}
	return v, nil
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// lookupError names the indicator of a failed lookup. The httpapi error it
// wraps already starts with "otx: ", which is not repeated.
type lookupError struct {
	value string
	err   error
}

func (e *lookupError) Error() string {
	v := e.value
	if strings.ContainsFunc(v, func(r rune) bool { return r == ' ' || !strconv.IsGraphic(r) }) {
		v = strconv.Quote(v)
	}
	return "otx: lookup " + v + ": " + strings.TrimPrefix(e.err.Error(), "otx: ")
}

func (e *lookupError) Unwrap() error { return e.err }
