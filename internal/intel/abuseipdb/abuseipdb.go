// Package abuseipdb looks IP addresses up in AbuseIPDB, the crowd-sourced
// database of abuse reports.
//
// One request per lookup, with the API key in the Key header and
// Accept: application/json:
//
//	ipv4, ipv6   GET /check?ipAddress={ip}&maxAgeInDays=90
//
// The address is query-escaped (an IPv6 address's colons included, as the
// API asks). The verbose flag is not sent: it adds countryName and every
// report of the window (up to 10,000, with their comments), so the most
// reported addresses, the ones that matter, would answer with megabytes
// that hit the body limit, while every field used here is in the plain
// answer.
//
// AbuseIPDB has no "not found": an address nobody reported answers with a
// confidence score of 0, which is an ok result of severity information. A
// 404 (which the API does not document for /check) is still returned as
// intel.ErrNotFound. Errors come as {"errors":[{"detail":…,"status":…}]}; the
// first detail ends up in the error message.
//
// Severity follows msticpy's AbuseIPDB provider, on abuseConfidenceScore
// (0–100):
//
//	score = 0        information
//	0 < score ≤ 50   warning
//	score > 50       high
//
// Details hold abuseConfidenceScore, countryCode, usageType, isp, domain,
// hostnames, totalReports, numDistinctUsers, lastReportedAt, isWhitelisted
// and isTor; fields the answer leaves null or empty are left out. Link is
// the address's page on https://www.abuseipdb.com.
//
// Errors never contain the API key, even when the service echoes it back.
package abuseipdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/ioc"
)

// DefaultBaseURL is AbuseIPDB's API, version 2.
const DefaultBaseURL = "https://api.abuseipdb.com/api/v2"

// webURL is the address of AbuseIPDB's pages, for links.
const webURL = "https://www.abuseipdb.com"

// MaxBody limits an answer to 1 MiB. A check answer is about a kilobyte; a
// larger one is refused as malformed rather than read into memory.
const MaxBody = 1 << 20

// MaxAgeInDays is how far back reports count, in days.
const MaxAgeInDays = 90

// DefaultQuota is the free plan's budget for the check endpoint: 1,000
// requests a day. Paid plans allow more; a configured quota overrides it.
var DefaultQuota = intel.Quota{PerDay: 1000}

// Spec declares the provider to the rest of triage.
var Spec = intel.Spec{
	Name:           "abuseipdb",
	MsticpyNames:   []string{"abuseipdb"},
	Kinds:          []ioc.Kind{ioc.IPv4, ioc.IPv6},
	External:       true,
	NeedsKey:       true,
	DefaultBaseURL: DefaultBaseURL,
	DefaultQuota:   DefaultQuota,
	New: func(s intel.Setup) (intel.Provider, error) {
		return intel.Provide(New(Options{BaseURL: s.BaseURL, AllowInsecureHTTP: s.AllowInsecureHTTP, HTTP: s.HTTP, APIKey: s.APIKey, Timeout: s.Timeout}))
	},
}

// Options configure a Provider.
type Options struct {
	// BaseURL is the API's address; "" means DefaultBaseURL.
	BaseURL string
	// AllowInsecureHTTP lets the key go over http:// to another machine
	// (httpapi.Client.AllowInsecureHTTP).
	AllowInsecureHTTP bool
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// APIKey is the AbuseIPDB v2 API key; required.
	APIKey string
	// Timeout bounds one request; 0 means httpapi.DefaultTimeout.
	Timeout time.Duration
}

// Provider is AbuseIPDB as an intel.Provider. It is safe for concurrent use.
type Provider struct {
	c   httpapi.Client
	key string // never shown in an error
}

var _ intel.Provider = (*Provider)(nil)

// New returns a provider for o. It fails when the API key is missing or the
// base URL is not an http(s) URL; it makes no request.
func New(o Options) (*Provider, error) {
	if o.APIKey == "" {
		return nil, errors.New("abuseipdb: an API key is required")
	}
	base, err := httpapi.BaseURL("abuseipdb", o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	return &Provider{
		c: httpapi.Client{
			Provider:          "abuseipdb",
			AllowInsecureHTTP: o.AllowInsecureHTTP,
			BaseURL:           base,
			HTTP:              o.HTTP,
			Header: http.Header{
				"Key":    {o.APIKey},
				"Accept": {"application/json"},
			},
			Timeout: o.Timeout,
			MaxBody: MaxBody,
		},
	}, nil
}

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider: lookups go to AbuseIPDB.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec, IPv4 and IPv6
// addresses.
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// check is the answer of /check.
type check struct {
	Data *struct {
		AbuseConfidenceScore *float64 `json:"abuseConfidenceScore"`
		CountryCode          string   `json:"countryCode"`
		UsageType            string   `json:"usageType"`
		ISP                  string   `json:"isp"`
		Domain               string   `json:"domain"`
		Hostnames            []string `json:"hostnames"`
		TotalReports         int      `json:"totalReports"`
		NumDistinctUsers     int      `json:"numDistinctUsers"`
		LastReportedAt       string   `json:"lastReportedAt"`
		IsWhitelisted        *bool    `json:"isWhitelisted"`
		IsTor                *bool    `json:"isTor"`
	} `json:"data"`
}

// Lookup implements intel.Provider.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	if !p.Supports(ind.Kind) {
		return intel.Result{}, fmt.Errorf("abuseipdb: %s indicators: %w", ind.Kind, intel.ErrUnsupported)
	}
	if ind.Value == "" {
		return intel.Result{}, fmt.Errorf("abuseipdb: empty %s", ind.Kind)
	}
	q := url.Values{
		"ipAddress":    {ind.Value},
		"maxAgeInDays": {strconv.Itoa(MaxAgeInDays)},
	}
	var a check
	raw, err := p.c.GetJSON(ctx, "/check", q, &a)
	if err != nil {
		return intel.Result{}, err
	}
	if !isObject(raw) || a.Data == nil || a.Data.AbuseConfidenceScore == nil {
		return intel.Result{}, fmt.Errorf("abuseipdb: %w: no data.abuseConfidenceScore in the answer", intel.ErrMalformed)
	}
	d := a.Data
	score := *d.AbuseConfidenceScore

	details := map[string]any{
		"abuseConfidenceScore": score,
		"totalReports":         d.TotalReports,
		"numDistinctUsers":     d.NumDistinctUsers,
	}
	putString(details, "countryCode", d.CountryCode)
	putString(details, "usageType", d.UsageType)
	putString(details, "isp", d.ISP)
	putString(details, "domain", d.Domain)
	if len(d.Hostnames) > 0 {
		details["hostnames"] = d.Hostnames
	}
	putString(details, "lastReportedAt", d.LastReportedAt)
	if d.IsWhitelisted != nil {
		details["isWhitelisted"] = *d.IsWhitelisted
	}
	if d.IsTor != nil {
		details["isTor"] = *d.IsTor
	}

	return intel.Result{
		Indicator: ind.Value,
		Type:      ind.Kind,
		Provider:  p.Name(),
		Status:    intel.StatusOK,
		Severity:  ScoreSeverity(score),
		Summary:   summary(score, d.TotalReports, d.NumDistinctUsers, d.IsTor, d.IsWhitelisted),
		Details:   details,
		Link:      webURL + "/check/" + url.PathEscape(ind.Value),
		Raw:       json.RawMessage(raw),
	}, nil
}

// ScoreSeverity maps an abuse confidence score onto msticpy's severities:
// 0 information, up to 50 warning, above 50 high.
func ScoreSeverity(score float64) intel.Severity {
	switch {
	case score > 50:
		return intel.SeverityHigh
	case score > 0:
		return intel.SeverityWarning
	}
	return intel.SeverityInformation
}

// summary is e.g. "confidence 87%, 120 reports from 34 users; Tor exit".
func summary(score float64, reports, users int, tor, whitelisted *bool) string {
	s := "confidence " + strconv.FormatFloat(score, 'f', -1, 64) + "%"
	switch reports {
	case 0:
		s += fmt.Sprintf(", no reports in %d days", MaxAgeInDays)
	case 1:
		s += ", 1 report"
	default:
		s += fmt.Sprintf(", %d reports from %d user", reports, users)
		if users != 1 {
			s += "s"
		}
	}
	if tor != nil && *tor {
		s += "; Tor exit"
	}
	if whitelisted != nil && *whitelisted {
		s += "; whitelisted"
	}
	return httpapi.OneLine(s, 200)
}

func putString(d map[string]any, k, v string) {
	if v != "" {
		d[k] = v
	}
}

// isObject reports whether b is a JSON object (after leading space).
func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}
