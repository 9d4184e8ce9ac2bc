package virustotal_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/providertest"
	"github.com/triage-dev/triage/internal/intel/virustotal"
	"github.com/triage-dev/triage/internal/ioc"
)

const (
	fileSHA256 = "03bd9a94482f180bb047626cb2f27ccf8daa0e201345480b43585580e09c311b"
	fileMD5    = "b61a4b8883ba9b9d4d85bdaecab71722"
	urlValue   = "http://218.54.47.77/"
	urlID      = "aHR0cDovLzIxOC41NC40Ny43Ny8" // base64url of urlValue, unpadded
	urlVTID    = "380269259e1f607fb07769fee779f0dc3144924f865e76a3c05c8898295d02f8"
)

// call is one request the fake server received.
type call struct {
	Path  string // escaped, as sent
	Query string
	Key   string
}

// fake is a VirusTotal stand-in that serves routes by escaped path and
// fails the test on any other request.
type fake struct {
	*httptest.Server
	mu    sync.Mutex
	calls []call
}

// anyPath routes every request to one handler.
const anyPath = "*"

func newFake(t *testing.T, routes map[string]http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, call{Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Key: r.Header.Get("x-apikey")})
		f.mu.Unlock()
		h, ok := routes[r.URL.EscapedPath()]
		if !ok {
			h, ok = routes[anyPath]
		}
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fake) provider(t *testing.T, resolutions bool) *virustotal.Provider {
	t.Helper()
	p, err := virustotal.New(virustotal.Options{
		BaseURL:     f.URL,
		HTTP:        f.Client(),
		APIKey:      providertest.Key,
		Timeout:     5 * time.Second,
		Resolutions: resolutions,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testdata reads a payload; msticpy's files hold the bare object, so
// enveloped wraps them in the API's {"data": …}.
func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func enveloped(t *testing.T, name string) []byte {
	t.Helper()
	return []byte(`{"data": ` + string(testdata(t, name)) + `}`)
}

func serve(code int, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write(body)
	}
}

// minimal is the smallest object the provider accepts.
var minimal = []byte(`{"data": {"id": "x", "type": "t", "attributes": {"last_analysis_stats": {"harmless": 1}}}}`)

func TestNew(t *testing.T) {
	for _, base := range []string{"www.virustotal.example", "ftp://vt.example", "https://vt.example/?a=1", "https://"} {
		if _, err := virustotal.New(virustotal.Options{APIKey: "k", BaseURL: base}); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
			t.Errorf("New(base URL %q) = %v, want an error saying it is not an http(s) URL", base, err)
		}
	}
	for _, key := range []string{"", "   ", "abc\ndef", "abc def"} {
		p, err := virustotal.New(virustotal.Options{APIKey: key})
		if err == nil {
			t.Errorf("New(key %q) = %v, want an error", key, p)
			continue
		}
		if key != "" && strings.TrimSpace(key) != "" && strings.Contains(err.Error(), key) {
			t.Errorf("New(key %q): the key is in the error %q", key, err)
		}
	}
	p, err := virustotal.New(virustotal.Options{APIKey: providertest.Key})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)} {
		if strings.Contains(s, providertest.Key) {
			t.Errorf("printing the provider shows the key: %s", s)
		}
	}
}

func TestIdentity(t *testing.T) {
	p, err := virustotal.New(virustotal.Options{APIKey: providertest.Key})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "virustotal" || !p.External() {
		t.Errorf("Name, External = %q, %v; want virustotal, true", p.Name(), p.External())
	}
	for k, want := range map[ioc.Kind]bool{
		ioc.IPv4: true, ioc.IPv6: true, ioc.Domain: true, ioc.Hostname: true, ioc.URL: true,
		ioc.MD5: true, ioc.SHA1: true, ioc.SHA256: true, ioc.Email: false, "": false,
	} {
		if got := p.Supports(k); got != want {
			t.Errorf("Supports(%q) = %v, want %v", k, got, want)
		}
	}
	_, err = p.Lookup(context.Background(), ioc.Indicator{Kind: ioc.Email, Value: "a@example.com"})
	if !errors.Is(err, intel.ErrUnsupported) {
		t.Errorf("Lookup(email) error = %v, want ErrUnsupported", err)
	}
	if virustotal.DefaultBaseURL != "https://www.virustotal.com/api/v3" {
		t.Errorf("DefaultBaseURL = %q", virustotal.DefaultBaseURL)
	}
	if want := (intel.Quota{PerMinute: 4, PerDay: 500, PerMonth: 15500}); virustotal.DefaultQuota != want {
		t.Errorf("DefaultQuota = %+v, want %+v", virustotal.DefaultQuota, want)
	}
}

func TestRequestPath(t *testing.T) {
	tests := []struct {
		name string
		ind  ioc.Indicator
		want string
	}{
		{"ipv4", ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, "/ip_addresses/198.51.100.7"},
		{"ipv6", ioc.Indicator{Kind: ioc.IPv6, Value: "2001:db8::1"}, "/ip_addresses/2001:db8::1"},
		{"domain", ioc.Indicator{Kind: ioc.Domain, Value: "example.com"}, "/domains/example.com"},
		{"hostname", ioc.Indicator{Kind: ioc.Hostname, Value: "www.example.com"}, "/domains/www.example.com"},
		{"url", ioc.Indicator{Kind: ioc.URL, Value: urlValue}, "/urls/" + urlID},
		// Characters that base64 and base64url spell differently ('+' and
		// '/'), and padding that must be dropped.
		{"url with -", ioc.Indicator{Kind: ioc.URL, Value: "http://example.com/?>>>"}, "/urls/aHR0cDovL2V4YW1wbGUuY29tLz8-Pj4"},
		{"url with _", ioc.Indicator{Kind: ioc.URL, Value: "https://example.com/dl?f=a.exe&x=???~~"}, "/urls/aHR0cHM6Ly9leGFtcGxlLmNvbS9kbD9mPWEuZXhlJng9Pz8_fn4"},
		{"md5", ioc.Indicator{Kind: ioc.MD5, Value: fileMD5}, "/files/" + fileMD5},
		{"sha1", ioc.Indicator{Kind: ioc.SHA1, Value: "0c7fc8364e7ead164b5b612982984737fb50fc81"}, "/files/0c7fc8364e7ead164b5b612982984737fb50fc81"},
		{"sha256", ioc.Indicator{Kind: ioc.SHA256, Value: strings.ToUpper(fileSHA256)}, "/files/" + fileSHA256},
		{"hostile hostname", ioc.Indicator{Kind: ioc.Hostname, Value: "evil.example/../../files/x?y=1#z"}, "/domains/evil.example%2F..%2F..%2Ffiles%2Fx%3Fy=1%23z"},
		{"hostile domain", ioc.Indicator{Kind: ioc.Domain, Value: "a b;c,d%2F"}, "/domains/a%20b%3Bc%2Cd%252F"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, map[string]http.HandlerFunc{anyPath: serve(200, minimal)})
			if _, err := f.provider(t, false).Lookup(context.Background(), tc.ind); err != nil {
				t.Fatal(err)
			}
			want := []call{{Path: tc.want, Key: providertest.Key}}
			if diff := cmp.Diff(want, f.Calls()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRejected checks that values that cannot be what their kind says are
// never sent.
func TestRejected(t *testing.T) {
	f := newFake(t, nil)
	p := f.provider(t, true)
	for _, ind := range []ioc.Indicator{
		{Kind: ioc.IPv4, Value: "198.51.100.7/../../users/me"},
		{Kind: ioc.IPv4, Value: "2001:db8::1"},
		{Kind: ioc.IPv6, Value: "198.51.100.7"},
		{Kind: ioc.IPv6, Value: "fe80::1%eth0"},
		{Kind: ioc.Domain, Value: ".."},
		{Kind: ioc.Hostname, Value: "."},
		{Kind: ioc.Domain, Value: ""},
		{Kind: ioc.MD5, Value: "0c7fc8364e7ead164b5b612982984737fb50fc81"},
		{Kind: ioc.SHA256, Value: strings.Repeat("z", 64)},
		{Kind: ioc.SHA1, Value: "../../../../users/me/00000000000000000000"},
	} {
		r, err := p.Lookup(context.Background(), ind)
		if err == nil {
			t.Errorf("Lookup(%s) = %+v, want an error", ind, r)
		}
		providertest.NoKey(t, r, err)
	}
	if c := f.Calls(); len(c) != 0 {
		t.Errorf("requests were sent: %+v", c)
	}
}

func TestLookup(t *testing.T) {
	fileStats := map[string]int{
		"harmless": 0, "type-unsupported": 5, "suspicious": 0, "confirmed-timeout": 0,
		"timeout": 0, "failure": 1, "malicious": 40, "undetected": 28,
	}
	fileDetails := map[string]any{
		"reputation":         0,
		"stats":              fileStats,
		"last_analysis_date": "2021-10-09T14:20:26Z",
		"tags": []string{"obfuscated", "peexe", "runtime-modules", "detect-debug-environment",
			"checks-network-adapters", "calls-wmi", "direct-cpu-clock-access", "64bits", "long-sleeps"},
		"meaningful_name": "itami.exe",
		"names":           []string{"itami.exe", `C:\\Windows\\System32\\services64.exe`},
		"type":            "Win32 EXE",
		"size":            int64(44032),
		"sha256":          fileSHA256,
		"threat_label":    "trojan.msil/tasker",
	}
	tests := []struct {
		name     string
		ind      ioc.Indicator
		path     string
		body     []byte
		severity intel.Severity
		summary  string
		link     string
		details  map[string]any
	}{
		{
			name: "file by sha256", ind: ioc.Indicator{Kind: ioc.SHA256, Value: fileSHA256},
			path: "/files/" + fileSHA256, body: enveloped(t, "vt3_file_1.json"),
			severity: intel.SeverityHigh, summary: "40/68 engines flag it malicious",
			link: "https://www.virustotal.com/gui/file/" + fileSHA256, details: fileDetails,
		},
		{
			name: "file by md5", ind: ioc.Indicator{Kind: ioc.MD5, Value: fileMD5},
			path: "/files/" + fileMD5, body: enveloped(t, "vt3_file_1.json"),
			severity: intel.SeverityHigh, summary: "40/68 engines flag it malicious",
			link: "https://www.virustotal.com/gui/file/" + fileMD5, details: fileDetails,
		},
		{
			name: "url", ind: ioc.Indicator{Kind: ioc.URL, Value: urlValue},
			path: "/urls/" + urlID, body: enveloped(t, "vt3_url_0.json"),
			severity: intel.SeverityInformation, summary: "0/66 engines flag it malicious",
			link: "https://www.virustotal.com/gui/url/" + urlVTID,
			details: map[string]any{
				"reputation":         0,
				"stats":              map[string]int{"harmless": 57, "malicious": 0, "suspicious": 0, "undetected": 9, "timeout": 0},
				"last_analysis_date": "2019-01-08T14:25:49Z",
				"categories":         map[string]string{"Forcepoint ThreatSeeker": "uncategorized"},
				"url":                urlValue,
			},
		},
		{
			name: "ip", ind: ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"},
			path: "/ip_addresses/198.51.100.7", body: testdata(t, "ip_address.json"),
			severity: intel.SeverityHigh, summary: "3/90 engines flag it malicious, 1 suspicious",
			link: "https://www.virustotal.com/gui/ip-address/198.51.100.7",
			details: map[string]any{
				"reputation":         -11,
				"stats":              map[string]int{"harmless": 55, "malicious": 3, "suspicious": 1, "undetected": 31, "timeout": 0},
				"last_analysis_date": "2024-06-05T12:20:00Z",
				"as_owner":           "EXAMPLE-HOSTING-AS",
				"asn":                64500,
				"country":            "NL",
				"network":            "198.51.100.0/24",
			},
		},
		{
			name: "domain", ind: ioc.Indicator{Kind: ioc.Domain, Value: "example.com"},
			path: "/domains/example.com", body: testdata(t, "domain.json"),
			severity: intel.SeverityInformation, summary: "0/93 engines flag it malicious",
			link: "https://www.virustotal.com/gui/domain/example.com",
			details: map[string]any{
				"reputation":         4,
				"stats":              map[string]int{"harmless": 66, "malicious": 0, "suspicious": 0, "undetected": 27, "timeout": 0},
				"last_analysis_date": "2024-06-04T11:20:00Z",
				"categories":         map[string]string{"Forcepoint ThreatSeeker": "information technology", "BitDefender": "computersandsoftware"},
				"registrar":          "RESERVED-Internet Assigned Numbers Authority",
				"creation_date":      "1995-08-14T04:00:00Z",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, map[string]http.HandlerFunc{tc.path: serve(200, tc.body)})
			r, err := f.provider(t, false).Lookup(context.Background(), tc.ind)
			if err != nil {
				t.Fatal(err)
			}
			providertest.NoKey(t, r, err)
			want := intel.Result{
				Indicator: tc.ind.Value, Type: tc.ind.Kind, Provider: "virustotal", Status: intel.StatusOK,
				Severity: tc.severity, Summary: tc.summary, Link: tc.link, Details: tc.details, Raw: tc.body,
			}
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]call{{Path: tc.path, Key: providertest.Key}}, f.Calls()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		stats    string // last_analysis_stats, or "" for none
		severity intel.Severity
		summary  string
	}{
		{`{"harmless": 70, "malicious": 0, "suspicious": 0, "undetected": 20, "timeout": 2}`, intel.SeverityInformation, "0/90 engines flag it malicious"},
		{`{"harmless": 70, "malicious": 0, "suspicious": 1, "undetected": 20}`, intel.SeverityWarning, "0/91 engines flag it malicious, 1 suspicious"},
		{`{"harmless": 70, "malicious": 1, "suspicious": 0, "undetected": 20}`, intel.SeverityWarning, "1/91 engines flag it malicious"},
		{`{"harmless": 70, "malicious": 1, "suspicious": 4, "undetected": 20}`, intel.SeverityWarning, "1/95 engines flag it malicious, 4 suspicious"},
		{`{"harmless": 70, "malicious": 2, "suspicious": 0, "undetected": 20}`, intel.SeverityHigh, "2/92 engines flag it malicious"},
		{`{"harmless": 60, "malicious": 12, "suspicious": 1, "undetected": 21, "timeout": 3, "type-unsupported": 4, "failure": 1}`, intel.SeverityHigh, "12/94 engines flag it malicious, 1 suspicious"},
		{`{}`, intel.SeverityUnknown, "not analysed yet"},
		{``, intel.SeverityUnknown, "not analysed yet"},
	}
	for _, tc := range tests {
		t.Run(tc.summary+" "+tc.stats, func(t *testing.T) {
			attrs := `{"reputation": 0}`
			if tc.stats != "" {
				attrs = `{"last_analysis_stats": ` + tc.stats + `}`
			}
			body := []byte(`{"data": {"id": "example.net", "type": "domain", "attributes": ` + attrs + `}}`)
			f := newFake(t, map[string]http.HandlerFunc{"/domains/example.net": serve(200, body)})
			r, err := f.provider(t, false).Lookup(context.Background(), ioc.Indicator{Kind: ioc.Domain, Value: "example.net"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Severity != tc.severity || r.Summary != tc.summary {
				t.Errorf("Severity, Summary = %s, %q; want %s, %q", r.Severity, r.Summary, tc.severity, tc.summary)
			}
		})
	}
}

func TestResolutions(t *testing.T) {
	ipRes := &intel.PassiveDNS{Records: []intel.Resolution{
		{Name: "cdn-update.example.net", Date: rfc3339("2024-06-03T07:33:20Z")},
		{Name: "mail.example.org", Date: rfc3339("2024-03-01T00:00:00Z")},
	}}
	domainRes := &intel.PassiveDNS{Records: []intel.Resolution{{Address: "203.0.113.10", Date: rfc3339("2024-06-04T11:20:00Z")}}}
	tests := []struct {
		name        string
		ind         ioc.Indicator
		resolutions bool
		routes      map[string]http.HandlerFunc
		calls       []call
		want        *intel.PassiveDNS // nil for none
	}{
		{
			name: "ip", ind: ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, resolutions: true,
			routes: map[string]http.HandlerFunc{
				"/ip_addresses/198.51.100.7":             serve(200, testdata(t, "ip_address.json")),
				"/ip_addresses/198.51.100.7/resolutions": serve(200, testdata(t, "ip_resolutions.json")),
			},
			calls: []call{
				{Path: "/ip_addresses/198.51.100.7", Key: providertest.Key},
				{Path: "/ip_addresses/198.51.100.7/resolutions", Query: "limit=10", Key: providertest.Key},
			},
			want: ipRes,
		},
		{
			name: "domain", ind: ioc.Indicator{Kind: ioc.Domain, Value: "example.com"}, resolutions: true,
			routes: map[string]http.HandlerFunc{
				"/domains/example.com":             serve(200, testdata(t, "domain.json")),
				"/domains/example.com/resolutions": serve(200, testdata(t, "domain_resolutions.json")),
			},
			calls: []call{
				{Path: "/domains/example.com", Key: providertest.Key},
				{Path: "/domains/example.com/resolutions", Query: "limit=10", Key: providertest.Key},
			},
			want: domainRes,
		},
		{
			name: "hostname", ind: ioc.Indicator{Kind: ioc.Hostname, Value: "www.example.com"}, resolutions: true,
			routes: map[string]http.HandlerFunc{
				"/domains/www.example.com":             serve(200, testdata(t, "domain.json")),
				"/domains/www.example.com/resolutions": serve(200, []byte(`{"data": [], "meta": {"count": 0}}`)),
			},
			calls: []call{
				{Path: "/domains/www.example.com", Key: providertest.Key},
				{Path: "/domains/www.example.com/resolutions", Query: "limit=10", Key: providertest.Key},
			},
			want: &intel.PassiveDNS{Records: []intel.Resolution{}},
		},
		{
			name: "off by default", ind: ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"},
			routes: map[string]http.HandlerFunc{"/ip_addresses/198.51.100.7": serve(200, testdata(t, "ip_address.json"))},
			calls:  []call{{Path: "/ip_addresses/198.51.100.7", Key: providertest.Key}},
		},
		{
			name: "not for files", ind: ioc.Indicator{Kind: ioc.SHA256, Value: fileSHA256}, resolutions: true,
			routes: map[string]http.HandlerFunc{"/files/" + fileSHA256: serve(200, enveloped(t, "vt3_file_1.json"))},
			calls:  []call{{Path: "/files/" + fileSHA256, Key: providertest.Key}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.routes)
			r, err := f.provider(t, tc.resolutions).Lookup(context.Background(), tc.ind)
			if err != nil {
				t.Fatal(err)
			}
			providertest.NoKey(t, r, err)
			if diff := cmp.Diff(tc.calls, f.Calls()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, r.PassiveDNS); diff != "" {
				t.Errorf("PassiveDNS (-want +got):\n%s", diff)
			}
			for _, k := range []string{"resolutions", "resolutions_error"} {
				if v, ok := r.Details[k]; ok {
					t.Errorf("Details[%s] = %v: passive DNS belongs in PassiveDNS", k, v)
				}
			}
		})
	}
}

// TestResolutionsFailure checks that a failing passive DNS request leaves
// the lookup standing, with the failure noted.
func TestResolutionsFailure(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"500":        serve(500, []byte(`oops`)),
		"429":        serve(429, []byte(`{"error": {"code": "QuotaExceededError", "message": "Quota exceeded"}}`)),
		"403":        serve(403, []byte(`{"error": {"code": "ForbiddenError", "message": "forbidden"}}`)),
		"not JSON":   serve(200, []byte(`<html>`)),
		"no answer":  func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		"wrong type": serve(200, []byte(`{"data": {"attributes": {}}}`)),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, map[string]http.HandlerFunc{
				"/ip_addresses/198.51.100.7":             serve(200, testdata(t, "ip_address.json")),
				"/ip_addresses/198.51.100.7/resolutions": h,
			})
			p, err := virustotal.New(virustotal.Options{BaseURL: f.URL, HTTP: f.Client(), APIKey: providertest.Key,
				Timeout: 300 * time.Millisecond, Resolutions: true})
			if err != nil {
				t.Fatal(err)
			}
			r, err := p.Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"})
			if err != nil {
				t.Fatalf("Lookup failed: %v", err)
			}
			providertest.NoKey(t, r, err)
			if r.Severity != intel.SeverityHigh || r.Summary != "3/90 engines flag it malicious, 1 suspicious" {
				t.Errorf("Severity, Summary = %s, %q", r.Severity, r.Summary)
			}
			if r.PassiveDNS == nil || len(r.PassiveDNS.Records) != 0 || !strings.HasPrefix(r.PassiveDNS.Err, "resolutions: ") {
				t.Errorf("PassiveDNS = %+v, want no records and the failure", r.PassiveDNS)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	f := newFake(t, map[string]http.HandlerFunc{"/ip_addresses/198.51.100.8": serve(404, testdata(t, "not_found.json"))})
	r, err := f.provider(t, true).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.8"})
	if !errors.Is(err, intel.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	providertest.NoKey(t, r, err)
	if want := "virustotal: lookup ipv4 198.51.100.8: HTTP 404: Resource not found.: not found"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if len(f.Calls()) != 1 {
		t.Errorf("requests = %+v, want only the lookup", f.Calls())
	}
}

func TestMalformed(t *testing.T) {
	for _, body := range []string{
		`{}`,
		`{"data": null}`,
		`{"data": [{"id": "x"}]}`,
		`{"data": {"attributes": {"last_analysis_stats": "many"}}}`,
	} {
		f := newFake(t, map[string]http.HandlerFunc{anyPath: serve(200, []byte(body))})
		r, err := f.provider(t, false).Lookup(context.Background(), ioc.Indicator{Kind: ioc.SHA256, Value: fileSHA256})
		if !errors.Is(err, intel.ErrMalformed) {
			t.Errorf("body %s: error = %v, want ErrMalformed", body, err)
		}
		providertest.NoKey(t, r, err)
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		ind         ioc.Indicator
		resolutions bool
	}{
		{ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, true},
		{ioc.Indicator{Kind: ioc.Domain, Value: "example.com"}, false},
		{ioc.Indicator{Kind: ioc.URL, Value: urlValue}, false},
		{ioc.Indicator{Kind: ioc.SHA256, Value: fileSHA256}, false},
	} {
		t.Run(string(tc.ind.Kind), func(t *testing.T) {
			providertest.Faults(t, func(baseURL string, client *http.Client, timeout time.Duration) intel.Provider {
				p, err := virustotal.New(virustotal.Options{BaseURL: baseURL, HTTP: client, APIKey: providertest.Key,
					Timeout: timeout, Resolutions: tc.resolutions})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}, tc.ind, providertest.Options{})
		})
	}
}

// rfc3339 is the time s writes.
func rfc3339(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
