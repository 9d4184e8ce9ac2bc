package otx_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/otx"
	"github.com/triage-dev/triage/internal/intel/providertest"
	"github.com/triage-dev/triage/internal/ioc"
)

const key = providertest.Key

// reply is one canned answer of the fake server.
type reply struct {
	status int
	body   string
	wait   bool // hold the answer until the request is cancelled
}

// fake is an OTX stand-in: it answers the escaped paths it knows, checks the
// key header, and fails the test on any other request.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	routes map[string]reply

	mu   sync.Mutex
	reqs []*http.Request
}

func newFake(t *testing.T, routes map[string]reply) *fake {
	t.Helper()
	f := &fake{t: t, routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	if r.Method != http.MethodGet {
		f.t.Errorf("method %s, want GET", r.Method)
	}
	if got := r.Header.Get("X-OTX-API-KEY"); got != key {
		f.t.Errorf("%s: X-OTX-API-KEY = %q, want the key", r.URL.EscapedPath(), got)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	rep, ok := f.routes[r.URL.EscapedPath()]
	if !ok {
		f.t.Errorf("unexpected request %s", r.URL.EscapedPath())
		w.WriteHeader(http.StatusTeapot)
		return
	}
	if rep.wait {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.status != 0 {
		w.WriteHeader(rep.status)
	}
	fmt.Fprint(w, rep.body)
}

// paths are the escaped paths requested, in order.
func (f *fake) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.reqs {
		out = append(out, r.URL.EscapedPath())
	}
	return out
}

func (f *fake) provider(t *testing.T, o otx.Options) *otx.Provider {
	t.Helper()
	o.BaseURL, o.HTTP, o.APIKey = f.srv.URL, f.srv.Client(), key
	p, err := otx.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const empty = `{"pulse_info": {"count": 0, "pulses": []}, "sections": ["general"]}`

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    otx.Options
		want string // error substring, "" for none
	}{
		{"no key", otx.Options{}, "API key is required"},
		{"blank key", otx.Options{APIKey: " \t"}, "API key is required"},
		{"key with a newline", otx.Options{APIKey: "abc\r\nX-Injected: 1"}, "control characters"},
		{"base URL without scheme", otx.Options{APIKey: "k", BaseURL: "otx.example"}, "not an http(s) URL"},
		{"base URL with a query", otx.Options{APIKey: "k", BaseURL: "https://otx.example/?a=1"}, "not an http(s) URL"},
		{"ftp base URL", otx.Options{APIKey: "k", BaseURL: "ftp://otx.example"}, "not an http(s) URL"},
		{"defaults", otx.Options{APIKey: "k"}, ""},
		{"proxy base URL", otx.Options{APIKey: "k", BaseURL: "https://proxy.example/otx/"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := otx.New(tc.o)
			if tc.want == "" {
				if err != nil || p == nil {
					t.Fatalf("New = %v, %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New error = %v, want one containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "abc") {
				t.Errorf("the key leaked into the error: %v", err)
			}
		})
	}
}

func TestProvider(t *testing.T) {
	p, err := otx.New(otx.Options{APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "otx" || !p.External() {
		t.Errorf("Name, External = %q, %t; want otx, true", p.Name(), p.External())
	}
	want := map[ioc.Kind]bool{
		ioc.IPv4: true, ioc.IPv6: true, ioc.Domain: true, ioc.Hostname: true, ioc.URL: true,
		ioc.MD5: true, ioc.SHA1: true, ioc.SHA256: true, ioc.Email: false, "cve": false,
	}
	for k, w := range want {
		if got := p.Supports(k); got != w {
			t.Errorf("Supports(%s) = %t, want %t", k, got, w)
		}
	}
	if s := fmt.Sprintf("%v %+v %#v %s", p, p, p, p); strings.Contains(s, key) {
		t.Errorf("printing the provider shows the key: %s", s)
	}
	if otx.DefaultQuota.IsZero() {
		t.Error("DefaultQuota sets no limit")
	}
}

func TestRequests(t *testing.T) {
	const api = "/api/v1/indicators/"
	const web = "https://otx.alienvault.com/indicator/"
	for _, tc := range []struct {
		ind        ioc.Indicator
		path, link string
	}{
		{ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, api + "IPv4/198.51.100.7/general", web + "ip/198.51.100.7"},
		{ioc.Indicator{Kind: ioc.IPv6, Value: "2001:db8::7"}, api + "IPv6/2001:db8::7/general", web + "ip/2001:db8::7"},
		{ioc.Indicator{Kind: ioc.Domain, Value: "malicious.example"}, api + "domain/malicious.example/general", web + "domain/malicious.example"},
		{ioc.Indicator{Kind: ioc.Hostname, Value: "www.malicious.example"}, api + "hostname/www.malicious.example/general", web + "hostname/www.malicious.example"},
		{
			ioc.Indicator{Kind: ioc.URL, Value: "https://evil.example/a b/p.exe?x=1&y=%41#f"},
			api + "url/https:%2F%2Fevil.example%2Fa%20b%2Fp.exe%3Fx=1&y=%2541%23f/general",
			web + "url/https:%2F%2Fevil.example%2Fa%20b%2Fp.exe%3Fx=1&y=%2541%23f",
		},
		{ioc.Indicator{Kind: ioc.MD5, Value: "D41D8CD98F00B204E9800998ECF8427E"}, api + "file/d41d8cd98f00b204e9800998ecf8427e/general", web + "file/d41d8cd98f00b204e9800998ecf8427e"},
		{ioc.Indicator{Kind: ioc.SHA1, Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"}, api + "file/da39a3ee5e6b4b0d3255bfef95601890afd80709/general", web + "file/da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{
			ioc.Indicator{Kind: ioc.SHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
			api + "file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/general",
			web + "file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		},
	} {
		t.Run(string(tc.ind.Kind), func(t *testing.T) {
			f := newFake(t, map[string]reply{tc.path: {body: empty}})
			r, err := f.provider(t, otx.Options{}).Lookup(context.Background(), tc.ind)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tc.path}, f.paths()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if r.Link != tc.link {
				t.Errorf("Link = %q, want %q", r.Link, tc.link)
			}
			if string(r.Raw) != empty {
				t.Errorf("Raw = %s, want the body", r.Raw)
			}
			providertest.NoKey(t, r, err)
		})
	}
}

func TestSeverity(t *testing.T) {
	pulses := func(names ...string) string {
		var ps []string
		for _, n := range names {
			ps = append(ps, fmt.Sprintf(`{"id": "p-%s", "name": %q, "tags": ["t-%s"], "references": []}`, n, n, n))
		}
		return "[" + strings.Join(ps, ",") + "]"
	}
	for _, tc := range []struct {
		name    string
		body    string
		sev     intel.Severity
		summary string
	}{
		{"no pulse", `{"pulse_info": {"count": 0, "pulses": []}}`, intel.SeverityInformation, "in no OTX pulse"},
		{"null pulses", `{"pulse_info": {"count": 0, "pulses": null}}`, intel.SeverityInformation, "in no OTX pulse"},
		{"no pulse_info", `{"sections": ["general"]}`, intel.SeverityInformation, "in no OTX pulse"},
		{"one pulse", `{"pulse_info": {"count": 1, "pulses": ` + pulses("Alpha") + `}}`, intel.SeverityWarning, `in 1 OTX pulse: "Alpha"`},
		{"two pulses", `{"pulse_info": {"count": 2, "pulses": ` + pulses("Alpha", "Beta") + `}}`, intel.SeverityHigh, `in 2 OTX pulses, e.g. "Alpha"`},
		{"many pulses, few listed", `{"pulse_info": {"count": 37, "pulses": ` + pulses("Alpha") + `}}`, intel.SeverityHigh, `in 37 OTX pulses, e.g. "Alpha"`},
		{"count only", `{"pulse_info": {"count": 1}}`, intel.SeverityWarning, "in 1 OTX pulse"},
		{"count only, several", `{"pulse_info": {"count": 4}}`, intel.SeverityHigh, "in 4 OTX pulses"},
		{"pulses without count", `{"pulse_info": {"pulses": ` + pulses("Alpha", "Beta") + `}}`, intel.SeverityHigh, `in 2 OTX pulses, e.g. "Alpha"`},
		{"count below the pulses listed", `{"pulse_info": {"count": 1, "pulses": ` + pulses("Alpha", "Beta", "Gamma") + `}}`, intel.SeverityHigh, `in 3 OTX pulses, e.g. "Alpha"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const path = "/api/v1/indicators/IPv4/198.51.100.7/general"
			f := newFake(t, map[string]reply{path: {body: tc.body}})
			r, err := f.provider(t, otx.Options{}).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Severity != tc.sev || r.Summary != tc.summary {
				t.Errorf("Severity, Summary = %s, %q; want %s, %q", r.Severity, r.Summary, tc.sev, tc.summary)
			}
		})
	}
}

func TestFixtures(t *testing.T) {
	const api = "/api/v1/indicators/"
	const web = "https://otx.alienvault.com/indicator/"
	sha := "0f8e3c2a9b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"
	for _, tc := range []struct {
		file string
		ind  ioc.Indicator
		path string
		want intel.Result
	}{
		{
			"general_ipv4.json", ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, api + "IPv4/198.51.100.7/general",
			intel.Result{
				Severity: intel.SeverityHigh,
				Summary:  `in 3 OTX pulses, e.g. "Cobalt Strike team servers - March 2024"`,
				Details: map[string]any{
					"pulse_count": 3,
					"names": []string{
						"Cobalt Strike team servers - March 2024", "SSH brute force sources (honeypot feed)", "Emotet epoch 5 infrastructure",
					},
					"tags": []string{"cobalt strike", "c2", "beacon", "ssh", "bruteforce", "honeypot", "emotet", "botnet"},
					"references": []string{
						"https://research.example.org/2024/03/cobalt-strike-servers", "https://honeypot.example.net/feeds/ssh-2024-04.txt",
						"https://research.example.org/2024/02/emotet-e5", "https://cert.example.gov/advisories/2024-017",
					},
				},
				Link: web + "ip/198.51.100.7",
			},
		},
		{
			"general_domain.json", ioc.Indicator{Kind: ioc.Domain, Value: "malicious.example"}, api + "domain/malicious.example/general",
			intel.Result{
				Severity: intel.SeverityWarning,
				Summary:  `in 1 OTX pulse: "Phishing kit hosting - bank lures"`,
				Details: map[string]any{
					"pulse_count": 1,
					"names":       []string{"Phishing kit hosting - bank lures"},
					"tags":        []string{"phishing", "credential theft"},
					"references":  []string{"https://phish-tracker.example.com/campaigns/8812"},
				},
				Link: web + "domain/malicious.example",
			},
		},
		{
			"general_hostname_clean.json", ioc.Indicator{Kind: ioc.Hostname, Value: "www.example.com"}, api + "hostname/www.example.com/general",
			intel.Result{
				Severity: intel.SeverityInformation,
				Summary:  "in no OTX pulse",
				Details: map[string]any{
					"pulse_count": 0,
					"sections":    []string{"general", "geo", "url_list", "passive_dns", "malware", "whois", "http_scans"},
					"validation":  []string{"Whitelisted domain example.com"},
				},
				Link: web + "hostname/www.example.com",
			},
		},
		{
			"general_file.json", ioc.Indicator{Kind: ioc.SHA256, Value: sha}, api + "file/" + sha + "/general",
			intel.Result{
				Severity: intel.SeverityHigh,
				Summary:  `in 12 OTX pulses, e.g. "Qakbot loader samples"`,
				Details: map[string]any{
					"pulse_count": 12,
					"names": []string{
						"Qakbot loader samples", "Ransomware precursor tooling", "Malicious OneNote attachments",
						"Loader campaign week 14", "Infostealer droppers",
					},
					"tags": []string{"loader", "malware", "qakbot", "tag0", "stealer", "tag1", "tag2", "tag3", "tag4"},
					"references": []string{
						"https://sandbox.example.org/report/900", "https://research.example.org/loaders",
						"https://sandbox.example.org/report/901", "https://sandbox.example.org/report/902",
						"https://sandbox.example.org/report/903",
					},
				},
				Link: web + "file/" + sha,
			},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := fixture(t, tc.file)
			f := newFake(t, map[string]reply{tc.path: {body: body}})
			r, err := f.provider(t, otx.Options{}).Lookup(context.Background(), tc.ind)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Raw = json.RawMessage(body)
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("Lookup (-want +got):\n%s", diff)
			}
			providertest.NoKey(t, r, err)
		})
	}
}

func TestPassiveDNS(t *testing.T) {
	const (
		general = "/api/v1/indicators/IPv4/198.51.100.7/general"
		pdns    = "/api/v1/indicators/IPv4/198.51.100.7/passive_dns"
	)
	ip := ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}
	gen := fixture(t, "general_ipv4.json")

	t.Run("ten records kept", func(t *testing.T) {
		f := newFake(t, map[string]reply{general: {body: gen}, pdns: {body: fixture(t, "passive_dns_ipv4.json")}})
		r, err := f.provider(t, otx.Options{PassiveDNS: true}).Lookup(context.Background(), ip)
		if err != nil {
			t.Fatal(err)
		}
		if r.PassiveDNS == nil || len(r.PassiveDNS.Records) != 10 {
			t.Fatalf("PassiveDNS = %+v, want 10 records", r.PassiveDNS)
		}
		recs := r.PassiveDNS.Records
		want := intel.Resolution{
			Address: "198.51.100.7", Name: "h00.malicious.example", Type: "A",
			First: rfc3339("2024-01-10T08:10:03Z"), Last: rfc3339("2024-04-10T21:00:55Z"), ASN: "AS64500 example hosting b.v.",
		}
		if diff := cmp.Diff(want, recs[0]); diff != "" {
			t.Errorf("first record (-want +got):\n%s", diff)
		}
		if recs[9].Name != "h09.malicious.example" {
			t.Errorf("last record kept = %v, want h09", recs[9])
		}
		if r.PassiveDNS.Total != 12 || r.PassiveDNS.Err != "" {
			t.Errorf("PassiveDNS.Total, Err = %d, %q; want 12 and no error", r.PassiveDNS.Total, r.PassiveDNS.Err)
		}
		for _, k := range []string{"passive_dns", "passive_dns_count", "passive_dns_error"} {
			if v, ok := r.Details[k]; ok {
				t.Errorf("Details[%s] = %v: passive DNS belongs in PassiveDNS", k, v)
			}
		}
		if r.Severity != intel.SeverityHigh || string(r.Raw) != gen {
			t.Errorf("Severity = %s, Raw = %.40s…; want high and the general body", r.Severity, r.Raw)
		}
		if diff := cmp.Diff([]string{general, pdns}, f.paths()); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})

	for _, tc := range []struct {
		name string
		ind  ioc.Indicator
		path string
	}{
		{"ipv6", ioc.Indicator{Kind: ioc.IPv6, Value: "2001:db8::7"}, "/api/v1/indicators/IPv6/2001:db8::7/"},
		{"domain", ioc.Indicator{Kind: ioc.Domain, Value: "malicious.example"}, "/api/v1/indicators/domain/malicious.example/"},
		{"hostname", ioc.Indicator{Kind: ioc.Hostname, Value: "www.malicious.example"}, "/api/v1/indicators/hostname/www.malicious.example/"},
	} {
		t.Run("asked for "+tc.name, func(t *testing.T) {
			f := newFake(t, map[string]reply{tc.path + "general": {body: empty}, tc.path + "passive_dns": {body: `{"passive_dns": [], "count": 0}`}})
			r, err := f.provider(t, otx.Options{PassiveDNS: true}).Lookup(context.Background(), tc.ind)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tc.path + "general", tc.path + "passive_dns"}, f.paths()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if r.PassiveDNS == nil || r.PassiveDNS.Records == nil || len(r.PassiveDNS.Records) != 0 || r.PassiveDNS.Err != "" {
				t.Errorf("PassiveDNS = %#v, want an empty list", r.PassiveDNS)
			}
		})
	}

	t.Run("not for hashes and URLs", func(t *testing.T) {
		sha := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		f := newFake(t, map[string]reply{
			"/api/v1/indicators/file/" + sha + "/general":                 {body: empty},
			"/api/v1/indicators/url/https:%2F%2Fevil.example%2Fx/general": {body: empty},
		})
		p := f.provider(t, otx.Options{PassiveDNS: true})
		for _, ind := range []ioc.Indicator{{Kind: ioc.SHA256, Value: sha}, {Kind: ioc.URL, Value: "https://evil.example/x"}} {
			r, err := p.Lookup(context.Background(), ind)
			if err != nil {
				t.Fatal(err)
			}
			if r.PassiveDNS != nil {
				t.Errorf("%s: PassiveDNS present", ind)
			}
		}
		if len(f.paths()) != 2 {
			t.Errorf("requests = %v, want the two general sections only", f.paths())
		}
	})

	t.Run("off by default", func(t *testing.T) {
		f := newFake(t, map[string]reply{general: {body: gen}})
		r, err := f.provider(t, otx.Options{}).Lookup(context.Background(), ip)
		if err != nil {
			t.Fatal(err)
		}
		if r.PassiveDNS != nil {
			t.Error("PassiveDNS present without Options.PassiveDNS")
		}
	})

	for _, tc := range []struct {
		name string
		rep  reply
		want string
	}{
		{"500", reply{status: 500, body: `oops`}, "temporary failure"},
		{"429", reply{status: 429, body: `{}`}, "rate limited"},
		{"404", reply{status: 404, body: `{"detail": "Not found."}`}, "not found"},
		{"not JSON", reply{body: `<html>`}, "malformed answer"},
		{"no answer", reply{wait: true}, "no answer in time"},
	} {
		t.Run("failure "+tc.name+" does not fail the lookup", func(t *testing.T) {
			f := newFake(t, map[string]reply{general: {body: gen}, pdns: tc.rep})
			p := f.provider(t, otx.Options{PassiveDNS: true, Timeout: 300 * time.Millisecond})
			r, err := p.Lookup(context.Background(), ip)
			if err != nil {
				t.Fatalf("Lookup failed: %v", err)
			}
			if r.Severity != intel.SeverityHigh || r.Details["pulse_count"] != 3 {
				t.Errorf("Severity, pulse_count = %s, %v; want high, 3", r.Severity, r.Details["pulse_count"])
			}
			if r.PassiveDNS == nil {
				t.Fatal("no PassiveDNS after a failure")
			}
			if msg := r.PassiveDNS.Err; !strings.Contains(msg, "passive DNS") || !strings.Contains(msg, tc.want) {
				t.Errorf("PassiveDNS.Err = %q, want one mentioning passive DNS and %q", msg, tc.want)
			}
			if len(r.PassiveDNS.Records) != 0 {
				t.Error("passive DNS records present after a failure")
			}
			providertest.NoKey(t, r, err)
		})
	}

	t.Run("general failure fails the lookup without asking for passive DNS", func(t *testing.T) {
		f := newFake(t, map[string]reply{general: {status: 429, body: `{}`}, pdns: {body: `{"passive_dns": []}`}})
		_, err := f.provider(t, otx.Options{PassiveDNS: true}).Lookup(context.Background(), ip)
		var rl *intel.RateLimitError
		if !errors.As(err, &rl) {
			t.Fatalf("error = %v, want a *intel.RateLimitError", err)
		}
		if diff := cmp.Diff([]string{general}, f.paths()); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
}

func TestErrors(t *testing.T) {
	ip := ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}
	const path = "/api/v1/indicators/IPv4/198.51.100.7/general"

	t.Run("404", func(t *testing.T) {
		f := newFake(t, map[string]reply{path: {status: 404, body: `{"detail": "Not found."}`}})
		_, err := f.provider(t, otx.Options{}).Lookup(context.Background(), ip)
		if !errors.Is(err, intel.ErrNotFound) {
			t.Fatalf("error = %v, want ErrNotFound", err)
		}
		if want := "otx: lookup 198.51.100.7: HTTP 404: Not found.: not found"; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
	})

	t.Run("400 names the indicator", func(t *testing.T) {
		f := newFake(t, map[string]reply{path: {status: 400, body: `{"detail": "Invalid IP"}`}})
		_, err := f.provider(t, otx.Options{}).Lookup(context.Background(), ip)
		if err == nil || err.Error() != "otx: lookup 198.51.100.7: HTTP 400: Invalid IP" {
			t.Errorf("error = %v", err)
		}
	})

	t.Run("a key echoed by the service is redacted", func(t *testing.T) {
		echo := `{"detail": "Authentication failed for key ` + key + `"}`
		f := newFake(t, map[string]reply{
			path: {status: 403, body: echo},
			"/api/v1/indicators/IPv4/198.51.100.7/passive_dns":        {body: `{"passive_dns": []}`},
			"/api/v1/indicators/domain/malicious.example/general":     {body: empty},
			"/api/v1/indicators/domain/malicious.example/passive_dns": {status: 400, body: echo},
		})
		p := f.provider(t, otx.Options{PassiveDNS: true})
		r, err := p.Lookup(context.Background(), ip)
		if !errors.Is(err, intel.ErrUnauthorized) || !strings.Contains(err.Error(), "<secret>") {
			t.Errorf("error = %v, want ErrUnauthorized with the key redacted", err)
		}
		providertest.NoKey(t, r, err)
		r, err = p.Lookup(context.Background(), ioc.Indicator{Kind: ioc.Domain, Value: "malicious.example"})
		if err != nil {
			t.Fatal(err)
		}
		if r.PassiveDNS == nil || !strings.Contains(r.PassiveDNS.Err, "<secret>") {
			t.Errorf("PassiveDNS = %+v, want the failure with the key redacted", r.PassiveDNS)
		}
		providertest.NoKey(t, r, err)
	})

	t.Run("rate limit", func(t *testing.T) {
		f := newFake(t, map[string]reply{path: {status: 429, body: `{"detail": "Request was throttled."}`}})
		_, err := f.provider(t, otx.Options{}).Lookup(context.Background(), ip)
		var rl *intel.RateLimitError
		if !errors.As(err, &rl) {
			t.Fatalf("error = %v, want a *intel.RateLimitError", err)
		}
	})

	t.Run("unsupported kinds make no request", func(t *testing.T) {
		f := newFake(t, nil)
		p := f.provider(t, otx.Options{PassiveDNS: true})
		for _, ind := range []ioc.Indicator{{Kind: ioc.Email, Value: "a@b.example"}, {Kind: "cve", Value: "CVE-2021-44228"}} {
			if _, err := p.Lookup(context.Background(), ind); !errors.Is(err, intel.ErrUnsupported) {
				t.Errorf("%s: error = %v, want ErrUnsupported", ind, err)
			}
		}
		if n := len(f.paths()); n != 0 {
			t.Errorf("%d requests made", n)
		}
	})
}

// TestHostile checks that a value cannot leave its path segment: names and
// URLs are escaped as one segment, and values that cannot be of their kind
// are refused before any request.
func TestHostile(t *testing.T) {
	t.Run("escaped", func(t *testing.T) {
		for _, tc := range []struct {
			kind  ioc.Kind
			value string
		}{
			{ioc.Domain, "evil.example/../../../api/v1/users/me"},
			{ioc.Hostname, "a.example/general?x=1#frag"},
			{ioc.Hostname, "a b\r\nX-Injected: 1.example"},
			{ioc.Domain, "%2e%2e%2f.example"},
			{ioc.Domain, "..."},
			{ioc.URL, "http://evil.example/../../admin?next=/x#/y"},
			{ioc.URL, "https://evil.example/%2F..%2F/p"},
		} {
			t.Run(tc.value, func(t *testing.T) {
				typ := map[ioc.Kind]string{ioc.Domain: "domain", ioc.Hostname: "hostname", ioc.URL: "url"}[tc.kind]
				want := "/api/v1/indicators/" + typ + "/" + url.PathEscape(tc.value) + "/general"
				f := newFake(t, map[string]reply{want: {body: empty}})
				r, err := f.provider(t, otx.Options{}).Lookup(context.Background(), ioc.Indicator{Kind: tc.kind, Value: tc.value})
				if err != nil {
					t.Fatal(err)
				}
				f.mu.Lock()
				req := f.reqs[0]
				f.mu.Unlock()
				segs := strings.Split(req.URL.EscapedPath(), "/")
				if len(segs) != 7 {
					t.Errorf("path %s has %d segments, want 7", req.URL.EscapedPath(), len(segs))
				}
				if req.URL.RawQuery != "" || req.URL.Fragment != "" {
					t.Errorf("query %q or fragment %q sent", req.URL.RawQuery, req.URL.Fragment)
				}
				if got, _ := url.PathUnescape(segs[5]); got != tc.value {
					t.Errorf("segment decodes to %q, want %q", got, tc.value)
				}
				if req.Header.Get("X-Injected") != "" {
					t.Error("a header was injected")
				}
				if !strings.HasSuffix(r.Link, "/"+url.PathEscape(tc.value)) {
					t.Errorf("Link = %q, not escaped", r.Link)
				}
			})
		}
	})

	t.Run("refused", func(t *testing.T) {
		f := newFake(t, nil)
		p := f.provider(t, otx.Options{PassiveDNS: true})
		for _, ind := range []ioc.Indicator{
			{Kind: ioc.Domain, Value: ".."},
			{Kind: ioc.Hostname, Value: "."},
			{Kind: ioc.URL, Value: ""},
			{Kind: ioc.IPv4, Value: "198.51.100.7/../../users"},
			{Kind: ioc.IPv4, Value: "2001:db8::7"},
			{Kind: ioc.IPv6, Value: "198.51.100.7"},
			{Kind: ioc.IPv6, Value: "fe80::1%eth0"},
			{Kind: ioc.MD5, Value: "../../../../../etc/passwd/xxxxxx"},
			{Kind: ioc.SHA1, Value: "d41d8cd98f00b204e9800998ecf8427e"},
			{Kind: ioc.SHA256, Value: strings.Repeat("g", 64)},
		} {
			_, err := p.Lookup(context.Background(), ind)
			if err == nil || !strings.Contains(err.Error(), "is not a valid") {
				t.Errorf("%s: error = %v, want a refusal", ind, err)
			}
		}
		if n := len(f.paths()); n != 0 {
			t.Errorf("%d requests made: %v", n, f.paths())
		}
	})

	t.Run("pulse text is one line", func(t *testing.T) {
		body := `{"pulse_info": {"count": 2, "pulses": [
			{"name": "Evil\r\nInjected: line\t\u001b[31mred\u202e", "tags": ["a\nb", "  "], "references": [" https://x.example/r "]},
			{"name": "` + strings.Repeat("long ", 40) + `"}]}}`
		const path = "/api/v1/indicators/IPv4/198.51.100.7/general"
		f := newFake(t, map[string]reply{path: {body: body}})
		r, err := f.provider(t, otx.Options{}).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"})
		if err != nil {
			t.Fatal(err)
		}
		if want := `in 2 OTX pulses, e.g. "Evil Injected: line [31mred"`; r.Summary != want {
			t.Errorf("Summary = %q, want %q", r.Summary, want)
		}
		names := r.Details["names"].([]string)
		if n := len([]rune(names[1])); n > 80 || !strings.HasSuffix(names[1], "…") {
			t.Errorf("long name kept as %q (%d runes)", names[1], n)
		}
		if diff := cmp.Diff([]string{"a b"}, r.Details["tags"]); diff != "" {
			t.Errorf("tags (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"https://x.example/r"}, r.Details["references"]); diff != "" {
			t.Errorf("references (-want +got):\n%s", diff)
		}
	})
}

func newForFaults(o otx.Options) providertest.New {
	return func(baseURL string, client *http.Client, timeout time.Duration) intel.Provider {
		o.BaseURL, o.HTTP, o.APIKey, o.Timeout = baseURL, client, key, timeout
		p, err := otx.New(o)
		if err != nil {
			panic(err)
		}
		return p
	}
}

func TestFaults(t *testing.T) {
	t.Run("ipv4 with passive DNS", func(t *testing.T) {
		providertest.Faults(t, newForFaults(otx.Options{PassiveDNS: true}), ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, providertest.Options{})
	})
	t.Run("sha256", func(t *testing.T) {
		providertest.Faults(t, newForFaults(otx.Options{}),
			ioc.Indicator{Kind: ioc.SHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, providertest.Options{})
	})
	t.Run("url", func(t *testing.T) {
		providertest.Faults(t, newForFaults(otx.Options{}), ioc.Indicator{Kind: ioc.URL, Value: "https://evil.example/p.exe"}, providertest.Options{})
	})
}

// rfc3339 is the time s writes.
func rfc3339(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
