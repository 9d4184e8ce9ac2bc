// Package xforce looks indicators up in IBM X-Force Exchange.
//
// Requests go to DefaultBaseURL with HTTP Basic authentication, the API ID
// as user name and the API key as password (X-Force calls the pair "API key"
// and "API password"); both are required. One GET per lookup:
//
//	ipv4, ipv6                 GET /ipr/{ip}        IP reputation report
//	domain, hostname, url      GET /url/{value}     URL reputation report
//	md5, sha1, sha256          GET /malware/{hash}  malware report
//
// The value is one path segment, escaped with url.PathEscape, so a URL's
// slashes, query and fragment cannot leave it. X-Force answers 404 for a URL
// or hash it has no record of, which is returned as intel.ErrNotFound; an IP
// always has a report.
//
// Severity follows msticpy's XForce provider. For IP and URL reports the risk
// score (0–10) is the report's: result.score in a URL answer, the top-level
// score in an IP answer, null or missing taken as 0:
//
//	score < 2       information
//	2 ≤ score < 5   warning
//	score ≥ 5       high
//
// For a hash, a non-empty malware object is high whatever its risk field
// says, and an answer without one is information.
//
// Details hold score, cats, categoryDescriptions, reason, reasonDescription
// and tags for reputation reports, and risk, family, type, malwareType and
// tags for malware; empty fields are left out. Link is the indicator's page
// on https://exchange.xforce.ibmcloud.com.
//
// Errors never contain the API ID, the API key or the Authorization header,
// even when the service echoes them back in an error message.
package xforce

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/ioc"
)

// DefaultBaseURL is X-Force Exchange's API.
const DefaultBaseURL = "https://api.xforce.ibmcloud.com"

// webURL is the X-Force Exchange portal, for links to an indicator's page.
const webURL = "https://exchange.xforce.ibmcloud.com"

// MaxBody limits an answer to 1 MiB. Reports are usually kilobytes; a larger
// answer is refused as malformed rather than read into memory.
const MaxBody = 1 << 20

// DefaultQuota is the free tier's budget: 5,000 API requests a month. That
// is the allowance usually given for X-Force Exchange's free API access; IBM's
// API reference does not state it, so a configured quota overrides it.
var DefaultQuota = intel.Quota{PerMonth: 5000}

// Spec declares the provider to the rest of triage.
var Spec = intel.Spec{
	Name:           "xforce",
	Aliases:        []string{"ibmxforce"},
	MsticpyNames:   []string{"xforce"},
	Kinds:          []ioc.Kind{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256},
	External:       true,
	NeedsKey:       true,
	NeedsID:        true,
	DefaultBaseURL: DefaultBaseURL,
	DefaultQuota:   DefaultQuota,
	New: func(s intel.Setup) (intel.Provider, error) {
		return intel.Provide(New(Options{BaseURL: s.BaseURL, AllowInsecureHTTP: s.AllowInsecureHTTP, HTTP: s.HTTP, APIKey: s.APIKey, APIID: s.APIID, Timeout: s.Timeout}))
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
	// APIID is what X-Force calls the API key (msticpy's ApiID), sent as
	// the Basic user name; required.
	APIID string
	// APIKey is what X-Force calls the API password (msticpy's AuthKey),
	// sent as the Basic password; required.
	APIKey string
	// Timeout bounds one request; 0 means httpapi.DefaultTimeout.
	Timeout time.Duration
}

// Provider is X-Force Exchange as an intel.Provider. It is safe for
// concurrent use.
type Provider struct {
	c httpapi.Client
}

var _ intel.Provider = (*Provider)(nil)

// New returns a provider for o. It fails when the API ID or key is missing
// or the base URL is not an http(s) URL; it makes no request.
func New(o Options) (*Provider, error) {
	switch {
	case o.APIID == "" && o.APIKey == "":
		return nil, errors.New("xforce: an API ID and an API key are required")
	case o.APIID == "":
		return nil, errors.New("xforce: an API ID is required")
	case o.APIKey == "":
		return nil, errors.New("xforce: an API key is required")
	}
	base, err := httpapi.BaseURL("xforce", o.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	cred := base64.StdEncoding.EncodeToString([]byte(o.APIID + ":" + o.APIKey))
	return &Provider{
		c: httpapi.Client{
			Provider:          "xforce",
			AllowInsecureHTTP: o.AllowInsecureHTTP,
			BaseURL:           base,
			HTTP:              o.HTTP,
			Header: http.Header{
				"Authorization": {"Basic " + cred},
				"Accept":        {"application/json"},
			},
			Timeout: o.Timeout,
			MaxBody: MaxBody,
			Secrets: []string{o.APIKey, o.APIID},
		},
	}, nil
}

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider: lookups go to IBM.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec (IPs, names, URLs
// and hashes).
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// endpoint is where one kind is looked up: the API path prefix and the
// portal's page prefix.
type endpoint struct{ api, web string }

var (
	ipEndpoint      = endpoint{"/ipr/", "/ip/"}
	urlEndpoint     = endpoint{"/url/", "/url/"}
	malwareEndpoint = endpoint{"/malware/", "/malware/"}
)

var endpoints = map[ioc.Kind]endpoint{
	ioc.IPv4:     ipEndpoint,
	ioc.IPv6:     ipEndpoint,
	ioc.Domain:   urlEndpoint,
	ioc.Hostname: urlEndpoint,
	ioc.URL:      urlEndpoint,
	ioc.MD5:      malwareEndpoint,
	ioc.SHA1:     malwareEndpoint,
	ioc.SHA256:   malwareEndpoint,
}

// Lookup implements intel.Provider.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	ep, ok := endpoints[ind.Kind]
	if !ok {
		return intel.Result{}, fmt.Errorf("xforce: %s indicators: %w", ind.Kind, intel.ErrUnsupported)
	}
	seg := url.PathEscape(ind.Value)
	if seg == "" || seg == "." || seg == ".." {
		return intel.Result{}, fmt.Errorf("xforce: %q is not a %s", ind.Value, ind.Kind)
	}
	resp, err := p.c.Get(ctx, ep.api+seg, nil)
	if err != nil {
		return intel.Result{}, err
	}
	if !isObject(resp.Body) {
		return intel.Result{}, fmt.Errorf("xforce: %w: the answer is not a JSON object", intel.ErrMalformed)
	}
	r := intel.Result{
		Indicator: ind.Value,
		Type:      ind.Kind,
		Provider:  p.Name(),
		Status:    intel.StatusOK,
		Link:      webURL + ep.web + seg,
		Raw:       json.RawMessage(resp.Body),
	}
	if ep == malwareEndpoint {
		err = malwareResult(&r, resp.Body)
	} else {
		err = reputationResult(&r, resp.Body)
	}
	if err != nil {
		return intel.Result{}, p.c.Redact(fmt.Errorf("xforce: %w", err))
	}
	return r, nil
}

// report is the part of an IP or URL reputation answer that is rated.
type report struct {
	Score                *float64       `json:"score"`
	Cats                 map[string]any `json:"cats"`
	CategoryDescriptions map[string]any `json:"categoryDescriptions"`
	Reason               string         `json:"reason"`
	ReasonDescription    string         `json:"reasonDescription"`
	Tags                 []any          `json:"tags"`
}

// reputation is an IP answer (the report at the top level) or a URL answer
// (the report under result, tags at the top level).
type reputation struct {
	report
	Result *report `json:"result"`
}

func reputationResult(r *intel.Result, body []byte) error {
	var a reputation
	if err := httpapi.DecodeJSON(body, &a); err != nil {
		return err
	}
	rep := a.report
	if a.Result != nil {
		rep = *a.Result
		if len(rep.Tags) == 0 {
			rep.Tags = a.Tags
		}
	}
	var score float64
	if rep.Score != nil {
		score = *rep.Score
	}
	r.Severity = ScoreSeverity(score)

	d := map[string]any{}
	if rep.Score != nil {
		d["score"] = score
	}
	putMap(d, "cats", rep.Cats)
	putMap(d, "categoryDescriptions", rep.CategoryDescriptions)
	putString(d, "reason", rep.Reason)
	putString(d, "reasonDescription", rep.ReasonDescription)
	if len(rep.Tags) > 0 {
		d["tags"] = rep.Tags
	}
	r.Details = d

	s := "no risk score"
	if rep.Score != nil {
		s = "risk " + strconv.FormatFloat(score, 'f', -1, 64) + " of 10"
	}
	if cats := sortedKeys(rep.Cats); len(cats) > 0 {
		s += ": " + strings.Join(cats, ", ")
	} else {
		s += ", uncategorised"
	}
	r.Summary = httpapi.OneLine(s, 200)
	return nil
}

// ScoreSeverity maps an X-Force risk score onto msticpy's severities:
// below 2 information, from 2 up to 5 warning, 5 and above high.
func ScoreSeverity(score float64) intel.Severity {
	switch {
	case score >= 5:
		return intel.SeverityHigh
	case score >= 2:
		return intel.SeverityWarning
	}
	return intel.SeverityInformation
}

// malwareInfo is the malware object of a hash answer.
type malwareInfo struct {
	Risk    string   `json:"risk"`
	Family  nameList `json:"family"`
	Type    string   `json:"type"`
	Origins struct {
		External struct {
			MalwareType string   `json:"malwareType"`
			Family      nameList `json:"family"`
		} `json:"external"`
	} `json:"origins"`
}

func malwareResult(r *intel.Result, body []byte) error {
	var a struct {
		Malware json.RawMessage `json:"malware"`
		Tags    []any           `json:"tags"`
	}
	if err := httpapi.DecodeJSON(body, &a); err != nil {
		return err
	}
	d := map[string]any{}
	if len(a.Tags) > 0 {
		d["tags"] = a.Tags
	}
	if !isObject(a.Malware) || isEmptyObject(a.Malware) {
		// An answer without a malware record: nothing known against it.
		r.Severity = intel.SeverityInformation
		r.Summary = "no malware record"
		if len(d) > 0 {
			r.Details = d
		}
		return nil
	}
	var m malwareInfo
	if err := httpapi.DecodeJSON(a.Malware, &m); err != nil {
		return err
	}
	family := m.Family
	if len(family) == 0 {
		family = m.Origins.External.Family
	}
	putString(d, "risk", m.Risk)
	if len(family) > 0 {
		d["family"] = []string(family)
	}
	putString(d, "type", m.Type)
	putString(d, "malwareType", m.Origins.External.MalwareType)
	r.Details = d
	r.Severity = intel.SeverityHigh

	s := "malware"
	if len(family) > 0 {
		s += ": " + strings.Join(family, ", ")
	}
	if m.Risk != "" {
		s += " (risk " + m.Risk + ")"
	}
	r.Summary = httpapi.OneLine(s, 200)
	return nil
}

// nameList is a list of names that X-Force sends as an array of strings,
// a single string or null.
type nameList []string

func (l *nameList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		if one != "" {
			*l = nameList{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = slices.DeleteFunc(many, func(s string) bool { return s == "" })
	return nil
}

func putString(d map[string]any, k, v string) {
	if v != "" {
		d[k] = v
	}
}

func putMap(d map[string]any, k string, v map[string]any) {
	if len(v) > 0 {
		d[k] = v
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isObject reports whether b is a JSON object (after leading space).
func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

func isEmptyObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && len(m) == 0
}
