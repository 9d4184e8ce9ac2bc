// Package virustotal is a thin client for the VirusTotal API v3, as an
// intel.Provider.
//
// # Endpoints
//
// Every request is a GET under BaseURL (DefaultBaseURL) with the key in the
// x-apikey header. The indicator is path-escaped; IP addresses and hashes
// are checked first and never sent when they are not what their kind says.
//
//	ipv4, ipv6        /ip_addresses/{ip}
//	domain, hostname  /domains/{name}
//	url               /urls/{id}   id = the URL in base64url without "=" padding
//	md5, sha1, sha256 /files/{hash}
//
// With Options.Resolutions set (options: {resolutions: "true"} in
// triage.yaml), an IP, domain or host-name lookup that succeeds also asks
// for the object's passive DNS, /ip_addresses/{ip}/resolutions?limit=10 or
// /domains/{name}/resolutions?limit=10, into Result.PassiveDNS. That second
// request costs quota too, so such a lookup spends two requests of the
// budget (Spec.RequestsPerLookup). When it fails, the lookup does not:
// PassiveDNS.Err says why.
//
// An answer of 404 (VirusTotal's NotFoundError) is intel.ErrNotFound; the
// other HTTP failures are mapped by httpapi.
//
// # Severity
//
// msticpy's VirusTotal provider (API v2) reads a count of positives: more
// than 1 is high, 1 a warning, 0 information. Here the count is the
// object's last_analysis_stats.malicious, and a "suspicious" verdict is
// taken as a weak positive that can raise a clean answer to a warning but
// never to high:
//
//	malicious >= 2                     high
//	malicious == 1, or suspicious >= 1 warning
//	otherwise                          information
//	no last_analysis_stats             unknown (never analysed)
//
// The Summary counts engines that gave a verdict (harmless, malicious,
// suspicious and undetected; not timeouts, failures or unsupported types):
// "12/94 engines flag it malicious, 1 suspicious".
package virustotal

import (
	"context"
	"encoding/base64"
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

// DefaultBaseURL is the address of the VirusTotal API v3.
const DefaultBaseURL = "https://www.virustotal.com/api/v3"

// guiURL is where the links in results point, whatever BaseURL is.
const guiURL = "https://www.virustotal.com/gui"

// DefaultQuota is the public (free) API's request budget.
var DefaultQuota = intel.Quota{PerMinute: 4, PerDay: 500, PerMonth: 15500}

// Spec declares the provider to the rest of triage.
var Spec = intel.Spec{
	Name:           "virustotal",
	Aliases:        []string{"vt"},
	MsticpyNames:   []string{"virustotal"},
	Kinds:          []ioc.Kind{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256},
	External:       true,
	NeedsKey:       true,
	DefaultBaseURL: DefaultBaseURL,
	DefaultQuota:   DefaultQuota,
	RequestsPerLookup: func(options map[string]string) int {
		if options[resolutionsOption] == "true" {
			return 2
		}
		return 1
	},
	New: func(s intel.Setup) (intel.Provider, error) {
		return intel.Provide(New(Options{BaseURL: s.BaseURL, AllowInsecureHTTP: s.AllowInsecureHTTP, HTTP: s.HTTP, APIKey: s.APIKey, Timeout: s.Timeout,
			Resolutions: s.Options[resolutionsOption] == "true"}))
	},
}

// resolutionsOption is the setting that turns Options.Resolutions on.
const resolutionsOption = "resolutions"

// resolutionsLimit is how many passive DNS records a lookup asks for.
const resolutionsLimit = 10

// maxNames bounds the file names kept in Details.
const maxNames = 5

// Options configure a Provider.
type Options struct {
	// BaseURL replaces DefaultBaseURL (tests, proxies).
	BaseURL string
	// AllowInsecureHTTP lets the key go over http:// to another machine
	// (httpapi.Client.AllowInsecureHTTP).
	AllowInsecureHTTP bool
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// APIKey is the VirusTotal API key; required.
	APIKey string
	// Timeout bounds one request; 0 means httpapi.DefaultTimeout.
	Timeout time.Duration
	// Resolutions makes IP, domain and host-name lookups also fetch the
	// last 10 passive DNS resolutions, at the cost of a second request.
	Resolutions bool
}

// Provider looks indicators up in VirusTotal. It is safe for concurrent use.
type Provider struct {
	c           httpapi.Client
	resolutions bool
}

var _ intel.Provider = (*Provider)(nil)

// New returns a Provider for o. It makes no request.
func New(o Options) (*Provider, error) {
	key := strings.TrimSpace(o.APIKey)
	if key == "" {
		return nil, errors.New("virustotal: no API key")
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return nil, errors.New("virustotal: the API key contains spaces or control characters")
	}
	base, err := httpapi.BaseURL("virustotal", o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	return &Provider{
		c: httpapi.Client{
			Provider:          "virustotal",
			AllowInsecureHTTP: o.AllowInsecureHTTP,
			BaseURL:           base,
			HTTP:              o.HTTP,
			Header:            http.Header{"X-Apikey": {key}},
			Timeout:           o.Timeout,
		},
		resolutions: o.Resolutions,
	}, nil
}

// String names the provider without its key, so printing one is safe.
func (p *Provider) String() string { return "virustotal" }

// GoString is String, for %#v.
func (p *Provider) GoString() string { return p.String() }

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec.
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// Lookup implements intel.Provider.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	path, link, err := route(ind)
	if err != nil {
		return intel.Result{}, err
	}
	var env struct {
		Data *object `json:"data"`
	}
	raw, err := p.c.GetJSON(ctx, path, nil, &env)
	if err != nil {
		return intel.Result{}, fmt.Errorf("virustotal: lookup %s %s: %w", ind.Kind, clip(ind.Value), unwrapProvider(err))
	}
	if env.Data == nil {
		return intel.Result{}, fmt.Errorf("virustotal: lookup %s %s: %w: the answer has no data object", ind.Kind, clip(ind.Value), intel.ErrMalformed)
	}
	a := &env.Data.Attributes
	if ind.Kind == ioc.URL {
		link = urlLink(env.Data.ID, ind.Value)
	}
	sev, summary := grade(a.LastAnalysisStats)
	r := intel.Result{
		Indicator: ind.Value,
		Type:      ind.Kind,
		Provider:  p.Name(),
		Status:    intel.StatusOK,
		Severity:  sev,
		Summary:   summary,
		Details:   details(ind.Kind, a),
		Link:      link,
		Raw:       raw,
	}
	if p.resolutions && (ind.Kind.IsIP() || ind.Kind == ioc.Domain || ind.Kind == ioc.Hostname) {
		res, err := p.lookupResolutions(ctx, ind.Kind, path)
		if err != nil {
			r.PassiveDNS = &intel.PassiveDNS{Records: []intel.Resolution{}, Err: err.Error()}
		} else {
			r.PassiveDNS = &intel.PassiveDNS{Records: res}
		}
	}
	return r, nil
}

// unwrapProvider drops httpapi's "virustotal: " prefix, which Lookup adds
// back with the indicator.
func unwrapProvider(err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "virustotal: ") {
		return err
	}
	return prefixless{err, strings.TrimPrefix(msg, "virustotal: ")}
}

type prefixless struct {
	err error
	msg string
}

func (e prefixless) Error() string { return e.msg }
func (e prefixless) Unwrap() error { return e.err }

// route returns the API path for ind and the GUI page that shows it.
func route(ind ioc.Indicator) (path, link string, err error) {
	v := ind.Value
	if v == "" || v == "." || v == ".." {
		return "", "", fmt.Errorf("virustotal: not a valid %s: %q", ind.Kind, clip(v))
	}
	bad := func() (string, string, error) {
		return "", "", fmt.Errorf("virustotal: not a valid %s: %q", ind.Kind, clip(v))
	}
	switch ind.Kind {
	case ioc.IPv4, ioc.IPv6:
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" || a.Is4() != (ind.Kind == ioc.IPv4) {
			return bad()
		}
		s := url.PathEscape(a.String())
		return "/ip_addresses/" + s, guiURL + "/ip-address/" + s, nil
	case ioc.Domain, ioc.Hostname:
		s := url.PathEscape(v)
		return "/domains/" + s, guiURL + "/domain/" + s, nil
	case ioc.URL:
		// The link needs VirusTotal's own id (a SHA-256 of its canonical
		// form); Lookup takes it from the answer.
		return "/urls/" + url.PathEscape(base64.RawURLEncoding.EncodeToString([]byte(v))), "", nil
	case ioc.MD5, ioc.SHA1, ioc.SHA256:
		if !isHex(v, map[ioc.Kind]int{ioc.MD5: 32, ioc.SHA1: 40, ioc.SHA256: 64}[ind.Kind]) {
			return bad()
		}
		s := strings.ToLower(v)
		return "/files/" + s, guiURL + "/file/" + s, nil
	}
	return "", "", fmt.Errorf("virustotal: %s: %w", ind.Kind, intel.ErrUnsupported)
}

// urlLink is the GUI page of a URL object: by VirusTotal's id when the
// answer has one, else a search for the URL.
func urlLink(id, u string) string {
	if isHex(id, 64) {
		return guiURL + "/url/" + strings.ToLower(id)
	}
	return guiURL + "/search/" + url.PathEscape(u)
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// object is the part of a VirusTotal object this package reads.
type object struct {
	ID         string     `json:"id"`
	Attributes attributes `json:"attributes"`
}

type attributes struct {
	LastAnalysisStats map[string]int    `json:"last_analysis_stats"`
	LastAnalysisDate  int64             `json:"last_analysis_date"`
	Reputation        int               `json:"reputation"`
	Tags              []string          `json:"tags"`
	Categories        map[string]string `json:"categories"`

	// IP addresses.
	ASOwner string `json:"as_owner"`
	ASN     int    `json:"asn"`
	Country string `json:"country"`
	Network string `json:"network"`

	// Domains.
	Registrar    string `json:"registrar"`
	CreationDate int64  `json:"creation_date"`

	// URLs.
	URL          string   `json:"url"`
	LastFinalURL string   `json:"last_final_url"`
	Title        string   `json:"title"`
	ThreatNames  []string `json:"threat_names"`

	// Files.
	MeaningfulName  string   `json:"meaningful_name"`
	Names           []string `json:"names"`
	TypeDescription string   `json:"type_description"`
	Size            int64    `json:"size"`
	SHA256          string   `json:"sha256"`
	Classification  struct {
		SuggestedThreatLabel string `json:"suggested_threat_label"`
	} `json:"popular_threat_classification"`
}

// grade maps last_analysis_stats onto a severity and a summary line (see
// the package doc).
func grade(stats map[string]int) (intel.Severity, string) {
	if len(stats) == 0 {
		return intel.SeverityUnknown, "not analysed yet"
	}
	mal, sus := stats["malicious"], stats["suspicious"]
	total := mal + sus + stats["harmless"] + stats["undetected"]
	summary := fmt.Sprintf("%d/%d engines flag it malicious", mal, total)
	if sus > 0 {
		summary += fmt.Sprintf(", %d suspicious", sus)
	}
	switch {
	case mal >= 2:
		return intel.SeverityHigh, summary
	case mal == 1 || sus >= 1:
		return intel.SeverityWarning, summary
	}
	return intel.SeverityInformation, summary
}

// details keeps the fields of a that help triage, leaving out empty ones.
func details(k ioc.Kind, a *attributes) map[string]any {
	d := map[string]any{"reputation": a.Reputation}
	if a.LastAnalysisStats != nil {
		d["stats"] = a.LastAnalysisStats
	}
	if a.LastAnalysisDate > 0 {
		d["last_analysis_date"] = date(a.LastAnalysisDate)
	}
	if len(a.Tags) > 0 {
		d["tags"] = a.Tags
	}
	if len(a.Categories) > 0 {
		d["categories"] = a.Categories
	}
	str := func(key, v string) {
		if v != "" {
			d[key] = v
		}
	}
	switch {
	case k.IsIP():
		str("as_owner", a.ASOwner)
		if a.ASN != 0 {
			d["asn"] = a.ASN
		}
		str("country", a.Country)
		str("network", a.Network)
	case k == ioc.Domain || k == ioc.Hostname:
		str("registrar", a.Registrar)
		if a.CreationDate > 0 {
			d["creation_date"] = date(a.CreationDate)
		}
	case k == ioc.URL:
		str("url", a.URL)
		if a.LastFinalURL != a.URL {
			str("final_url", a.LastFinalURL)
		}
		str("title", a.Title)
		if len(a.ThreatNames) > 0 {
			d["threat_names"] = a.ThreatNames
		}
	case k.IsHash():
		str("meaningful_name", a.MeaningfulName)
		if len(a.Names) > 0 {
			d["names"] = a.Names[:min(len(a.Names), maxNames)]
		}
		str("type", a.TypeDescription)
		if a.Size > 0 {
			d["size"] = a.Size
		}
		str("sha256", a.SHA256)
		str("threat_label", a.Classification.SuggestedThreatLabel)
	}
	return d
}

func date(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

// lookupResolutions fetches the passive DNS of the object at path: host
// names for an IP address, IP addresses for a domain, newest first.
func (p *Provider) lookupResolutions(ctx context.Context, k ioc.Kind, path string) ([]intel.Resolution, error) {
	var env struct {
		Data []struct {
			Attributes struct {
				Date      int64  `json:"date"`
				HostName  string `json:"host_name"`
				IPAddress string `json:"ip_address"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if _, err := p.c.GetJSON(ctx, path+"/resolutions", url.Values{"limit": {fmt.Sprint(resolutionsLimit)}}, &env); err != nil {
		return nil, fmt.Errorf("resolutions: %w", unwrapProvider(err))
	}
	out := make([]intel.Resolution, 0, len(env.Data))
	for _, r := range env.Data {
		a := r.Attributes
		var e intel.Resolution
		if k.IsIP() {
			e.Name = a.HostName
		} else {
			e.Address = a.IPAddress
		}
		if a.Date > 0 {
			e.Date = time.Unix(a.Date, 0).UTC()
		}
		out = append(out, e)
	}
	return out, nil
}
