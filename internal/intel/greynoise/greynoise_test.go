package greynoise_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/greynoise"
	"github.com/triage-dev/triage/internal/intel/providertest"
	"github.com/triage-dev/triage/internal/ioc"
)

const key = providertest.Key

type reply struct {
	status int
	body   string
}

// fake is a GreyNoise stand-in: it answers the escaped paths it knows,
// checks the key header (absent when wantKey is ""), and fails the test on
// any other request.
type fake struct {
	t       *testing.T
	srv     *httptest.Server
	wantKey string
	routes  map[string]reply

	mu   sync.Mutex
	reqs []*http.Request
}

func newFake(t *testing.T, wantKey string, routes map[string]reply) *fake {
	t.Helper()
	f := &fake{t: t, wantKey: wantKey, routes: routes}
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
	got, sent := r.Header["Key"]
	switch {
	case f.wantKey == "" && sent:
		f.t.Errorf("%s: key header sent (%q) without a key", r.URL.EscapedPath(), got)
	case f.wantKey != "" && r.Header.Get("key") != f.wantKey:
		f.t.Errorf("%s: key header = %q, want the key", r.URL.EscapedPath(), r.Header.Get("key"))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rep, ok := f.routes[r.URL.EscapedPath()]
	if !ok {
		f.t.Errorf("unexpected request %s", r.URL.EscapedPath())
		w.WriteHeader(http.StatusTeapot)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.status != 0 {
		w.WriteHeader(rep.status)
	}
	fmt.Fprint(w, rep.body)
}

func (f *fake) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.reqs {
		out = append(out, r.URL.EscapedPath())
	}
	return out
}

func (f *fake) provider(t *testing.T, o greynoise.Options) *greynoise.Provider {
	t.Helper()
	o.BaseURL, o.HTTP = f.srv.URL, f.srv.Client()
	p, err := greynoise.New(o)
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

func ipv4(v string) ioc.Indicator { return ioc.Indicator{Kind: ioc.IPv4, Value: v} }

var (
	community  = greynoise.Options{}
	keyed      = greynoise.Options{APIKey: key}
	enterprise = greynoise.Options{APIKey: key, Enterprise: true}
)

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    greynoise.Options
		want string // error substring, "" for none
	}{
		{"community without a key", greynoise.Options{}, ""},
		{"community with a key", greynoise.Options{APIKey: "k"}, ""},
		{"enterprise", greynoise.Options{APIKey: "k", Enterprise: true}, ""},
		{"enterprise without a key", greynoise.Options{Enterprise: true}, "needs an API key"},
		{"enterprise with a blank key", greynoise.Options{APIKey: "  ", Enterprise: true}, "needs an API key"},
		{"key with a newline", greynoise.Options{APIKey: "abc\nX-Injected: 1"}, "control characters"},
		{"bad base URL", greynoise.Options{BaseURL: "api.greynoise.example"}, "not an http(s) URL"},
		{"base URL with a fragment", greynoise.Options{BaseURL: "https://gn.example/#x"}, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := greynoise.New(tc.o)
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
	p, err := greynoise.New(enterprise)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "greynoise" || !p.External() {
		t.Errorf("Name, External = %q, %t; want greynoise, true", p.Name(), p.External())
	}
	for _, k := range []ioc.Kind{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.Email} {
		if got := p.Supports(k); got != (k == ioc.IPv4) {
			t.Errorf("Supports(%s) = %t", k, got)
		}
	}
	if s := fmt.Sprintf("%v %+v %#v %s", p, p, p, p); strings.Contains(s, key) {
		t.Errorf("printing the provider shows the key: %s", s)
	}
	if greynoise.DefaultQuota.PerDay <= 0 || greynoise.DefaultQuota.PerDay*7 > 50 {
		t.Errorf("DefaultQuota = %+v, want a daily limit keeping a week under 50", greynoise.DefaultQuota)
	}
}

func TestRequests(t *testing.T) {
	body := fixture(t, "community_malicious.json")
	ctxBody := fixture(t, "context_malicious.json")
	for _, tc := range []struct {
		name    string
		o       greynoise.Options
		wantKey string
		path    string
		body    string
		value   string
	}{
		{"community without a key", community, "", "/v3/community/203.0.113.45", body, "203.0.113.45"},
		{"community with a key", keyed, key, "/v3/community/203.0.113.45", body, "203.0.113.45"},
		{"context API", enterprise, key, "/v2/noise/context/203.0.113.45", ctxBody, "203.0.113.45"},
		{"IPv4-mapped IPv6 form", community, "", "/v3/community/203.0.113.45", body, "::ffff:203.0.113.45"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.wantKey, map[string]reply{tc.path: {body: tc.body}})
			r, err := f.provider(t, tc.o).Lookup(context.Background(), ipv4(tc.value))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tc.path}, f.paths()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if r.Link != "https://viz.greynoise.io/ip/203.0.113.45" {
				t.Errorf("Link = %q", r.Link)
			}
			if string(r.Raw) != tc.body {
				t.Errorf("Raw is not the body")
			}
			providertest.NoKey(t, r, err)
		})
	}
}

func TestSeverity(t *testing.T) {
	const last = `"last_seen": "2024-05-01"`
	for _, tc := range []struct {
		name    string
		o       greynoise.Options
		body    string
		sev     intel.Severity
		summary string
	}{
		{"malicious", community, `{"noise": true, "riot": false, "classification": "malicious", "name": "unknown", ` + last + `}`,
			intel.SeverityHigh, "malicious internet scanner, last seen 2024-05-01"},
		{"malicious in capitals", community, `{"noise": true, "riot": false, "classification": "MALICIOUS", "name": "unknown", ` + last + `}`,
			intel.SeverityHigh, "malicious internet scanner, last seen 2024-05-01"},
		{"benign", community, `{"noise": true, "riot": false, "classification": "benign", "name": "Shodan.io", ` + last + `}`,
			intel.SeverityInformation, "benign internet scanner (Shodan.io), last seen 2024-05-01"},
		{"unknown", community, `{"noise": true, "riot": false, "classification": "unknown", "name": "unknown", ` + last + `}`,
			intel.SeverityInformation, "internet scanner of unknown intent, last seen 2024-05-01"},
		{"suspicious", community, `{"noise": true, "riot": false, "classification": "suspicious", "name": "unknown", ` + last + `}`,
			intel.SeverityInformation, "suspicious internet scanner, last seen 2024-05-01"},
		{"other", community, `{"noise": true, "riot": false, "classification": "weird", "name": "unknown"}`,
			intel.SeverityInformation, "internet scanner classified weird"},
		{"RIOT", community, `{"noise": false, "riot": true, "classification": "benign", "name": "Google Public DNS", ` + last + `}`,
			intel.SeverityInformation, "known benign business service (RIOT): Google Public DNS"},
		{"RIOT and noise", community, `{"noise": true, "riot": true, "classification": "benign", "name": "Example CDN", ` + last + `}`,
			intel.SeverityInformation, "known benign business service (RIOT): Example CDN; also seen scanning the internet"},
		{"RIOT, unclassified", community, `{"noise": false, "riot": true, "classification": "unknown", "name": "Example SaaS"}`,
			intel.SeverityInformation, "known benign business service (RIOT): Example SaaS"},
		{"RIOT but malicious", community, `{"noise": true, "riot": true, "classification": "malicious", "name": "Example CDN", ` + last + `}`,
			intel.SeverityHigh, "malicious internet scanner (Example CDN), last seen 2024-05-01; listed as a known business service (RIOT)"},
		{"context malicious", enterprise, `{"seen": true, "classification": "malicious", "actor": "unknown", "tags": ["Mirai"], ` + last + `}`,
			intel.SeverityHigh, "malicious internet scanner, tags Mirai, last seen 2024-05-01"},
		{"context benign", enterprise, `{"seen": true, "classification": "benign", "actor": "Censys", "tags": [], ` + last + `}`,
			intel.SeverityInformation, "benign internet scanner (Censys), last seen 2024-05-01"},
		{"context unknown", enterprise, `{"seen": true, "classification": "unknown", "actor": "unknown"}`,
			intel.SeverityInformation, "internet scanner of unknown intent"},
		{"context tags as objects", enterprise, `{"seen": true, "classification": "malicious", "tags": [{"name": "A"}, {"name": "B"}, "C", {"name": "D"}, 7]}`,
			intel.SeverityHigh, "malicious internet scanner, tags A, B, C and 1 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/v3/community/203.0.113.45"
			if tc.o.Enterprise {
				path = "/v2/noise/context/203.0.113.45"
			}
			f := newFake(t, tc.o.APIKey, map[string]reply{path: {body: tc.body}})
			r, err := f.provider(t, tc.o).Lookup(context.Background(), ipv4("203.0.113.45"))
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
	for _, tc := range []struct {
		file string
		o    greynoise.Options
		ip   string
		want intel.Result
	}{
		{"community_malicious.json", community, "203.0.113.45", intel.Result{
			Severity: intel.SeverityHigh,
			Summary:  "malicious internet scanner, last seen 2024-05-01",
			Details: map[string]any{
				"classification": "malicious", "name": "unknown", "last_seen": "2024-05-01", "noise": true, "riot": false,
			},
		}},
		{"community_benign.json", keyed, "203.0.113.9", intel.Result{
			Severity: intel.SeverityInformation,
			Summary:  "benign internet scanner (Shodan.io), last seen 2024-05-02",
			Details: map[string]any{
				"classification": "benign", "name": "Shodan.io", "last_seen": "2024-05-02", "noise": true, "riot": false,
			},
		}},
		{"community_riot.json", community, "198.51.100.53", intel.Result{
			Severity: intel.SeverityInformation,
			Summary:  "known benign business service (RIOT): Google Public DNS",
			Details: map[string]any{
				"classification": "benign", "name": "Google Public DNS", "last_seen": "2024-05-02", "noise": false, "riot": true,
			},
		}},
		{"context_malicious.json", enterprise, "203.0.113.45", intel.Result{
			Severity: intel.SeverityHigh,
			Summary:  "malicious internet scanner, tags Mirai, SSH Bruteforcer, Telnet Bruteforcer and 1 more, last seen 2024-05-01",
			Details: map[string]any{
				"classification": "malicious", "actor": "unknown", "first_seen": "2023-11-20", "last_seen": "2024-05-01",
				"vpn":  false,
				"tags": []string{"Mirai", "SSH Bruteforcer", "Telnet Bruteforcer", "ZMap Client"},
				"cve":  []string{"CVE-2021-44228"},
				"metadata": map[string]string{
					"asn": "AS64501", "organization": "Example Cloud GmbH", "category": "hosting", "country": "Germany",
					"country_code": "DE", "city": "Frankfurt am Main", "region": "Hesse", "rdns": "vps-45.cloud.example",
					"os": "Linux 2.2-3.x",
				},
			},
		}},
		{"context_benign_vpn.json", enterprise, "203.0.113.80", intel.Result{
			Severity: intel.SeverityInformation,
			Summary:  "benign internet scanner (Example Research Scanner), tags Web Crawler, last seen 2024-04-30; a VPN exit",
			Details: map[string]any{
				"classification": "benign", "actor": "Example Research Scanner", "first_seen": "2022-06-01", "last_seen": "2024-04-30",
				"vpn": true, "vpn_service": "EXAMPLEVPN",
				"tags": []string{"Web Crawler"},
				"metadata": map[string]string{
					"asn": "AS64502", "organization": "Example Networks SAS", "category": "isp", "country": "France",
					"country_code": "FR", "city": "Paris", "region": "Ile-de-France",
				},
			},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := fixture(t, tc.file)
			path := "/v3/community/" + tc.ip
			if tc.o.Enterprise {
				path = "/v2/noise/context/" + tc.ip
			}
			f := newFake(t, tc.o.APIKey, map[string]reply{path: {body: body}})
			r, err := f.provider(t, tc.o).Lookup(context.Background(), ipv4(tc.ip))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Raw = json.RawMessage(body)
			tc.want.Link = "https://viz.greynoise.io/ip/" + tc.ip
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("Lookup (-want +got):\n%s", diff)
			}
			providertest.NoKey(t, r, err)
		})
	}
}

func TestNotObserved(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    greynoise.Options
		path string
		rep  reply
	}{
		{"community 404", community, "/v3/community/198.51.100.7", reply{404, fixture(t, "community_404.json")}},
		{"community 404 with a key", keyed, "/v3/community/198.51.100.7", reply{404, fixture(t, "community_404.json")}},
		{"community 200, neither noise nor RIOT", community, "/v3/community/198.51.100.7", reply{200, `{"ip": "198.51.100.7", "noise": false, "riot": false, "message": "IP not observed scanning the internet or contained in RIOT data set."}`}},
		{"context seen false", enterprise, "/v2/noise/context/198.51.100.7", reply{200, fixture(t, "context_unseen.json")}},
		{"context empty", enterprise, "/v2/noise/context/198.51.100.7", reply{200, `{}`}},
		{"context 404", enterprise, "/v2/noise/context/198.51.100.7", reply{404, `{"message": "not found"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.o.APIKey, map[string]reply{tc.path: tc.rep})
			r, err := f.provider(t, tc.o).Lookup(context.Background(), ipv4("198.51.100.7"))
			if !errors.Is(err, intel.ErrNotFound) {
				t.Fatalf("error = %v, want ErrNotFound", err)
			}
			want := "greynoise: 198.51.100.7 not observed scanning the internet and not a known business service: not found"
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
			providertest.NoKey(t, r, err)
		})
	}
}

func TestErrors(t *testing.T) {
	t.Run("rate limit", func(t *testing.T) {
		body := `{"plan": "unauthenticated", "rate-limit": "10-lookups/day", "message": "You have hit your daily rate limit."}`
		f := newFake(t, "", map[string]reply{"/v3/community/203.0.113.45": {429, body}})
		_, err := f.provider(t, community).Lookup(context.Background(), ipv4("203.0.113.45"))
		var rl *intel.RateLimitError
		if !errors.As(err, &rl) {
			t.Fatalf("error = %v, want a *intel.RateLimitError", err)
		}
	})
	t.Run("401 names the address", func(t *testing.T) {
		f := newFake(t, key, map[string]reply{"/v2/noise/context/203.0.113.45": {401, `{"message": "invalid key"}`}})
		_, err := f.provider(t, enterprise).Lookup(context.Background(), ipv4("203.0.113.45"))
		if !errors.Is(err, intel.ErrUnauthorized) {
			t.Fatalf("error = %v, want ErrUnauthorized", err)
		}
		if want := "greynoise: lookup 203.0.113.45: HTTP 401: invalid key: unauthorized (check the API key)"; err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
	})
	t.Run("a key echoed by the service is redacted", func(t *testing.T) {
		f := newFake(t, key, map[string]reply{"/v3/community/203.0.113.45": {403, `{"message": "key ` + key + ` is not allowed"}`}})
		r, err := f.provider(t, keyed).Lookup(context.Background(), ipv4("203.0.113.45"))
		if !errors.Is(err, intel.ErrUnauthorized) || !strings.Contains(err.Error(), "<secret>") {
			t.Errorf("error = %v, want ErrUnauthorized with the key redacted", err)
		}
		providertest.NoKey(t, r, err)
	})
	t.Run("unsupported kinds make no request", func(t *testing.T) {
		f := newFake(t, key, nil)
		p := f.provider(t, enterprise)
		for _, ind := range []ioc.Indicator{
			{Kind: ioc.IPv6, Value: "2001:db8::7"}, {Kind: ioc.Domain, Value: "malicious.example"},
			{Kind: ioc.URL, Value: "https://malicious.example/"}, {Kind: ioc.SHA256, Value: strings.Repeat("ab", 32)},
		} {
			if _, err := p.Lookup(context.Background(), ind); !errors.Is(err, intel.ErrUnsupported) {
				t.Errorf("%s: error = %v, want ErrUnsupported", ind, err)
			}
		}
		if n := len(f.paths()); n != 0 {
			t.Errorf("%d requests made", n)
		}
	})
}

func TestHostile(t *testing.T) {
	t.Run("values that are not IPv4 addresses are refused", func(t *testing.T) {
		f := newFake(t, "", nil)
		p := f.provider(t, community)
		for _, v := range []string{
			"203.0.113.45/../../v2/noise/context/203.0.113.46", "203.0.113.45?key=x", "203.0.113.45#x",
			"203.0.113.45\r\nX-Injected: 1", "..", "", "2001:db8::7", "203.0.113.045", "203.0.113.45%eth0",
		} {
			_, err := p.Lookup(context.Background(), ipv4(v))
			if err == nil || !strings.Contains(err.Error(), "is not an IPv4 address") {
				t.Errorf("%q: error = %v, want a refusal", v, err)
			}
		}
		if n := len(f.paths()); n != 0 {
			t.Errorf("%d requests made: %v", n, f.paths())
		}
	})
	t.Run("answer text is one line and the link is ours", func(t *testing.T) {
		body := `{"noise": true, "riot": false, "classification": "benign\n",
			"name": "Scanner\r\nX-Injected: 1\u001b[2J\u202e", "link": "javascript:alert(1)", "last_seen": "2024-05-01\n"}`
		f := newFake(t, "", map[string]reply{"/v3/community/203.0.113.45": {200, body}})
		r, err := f.provider(t, community).Lookup(context.Background(), ipv4("203.0.113.45"))
		if err != nil {
			t.Fatal(err)
		}
		if want := "benign internet scanner (Scanner X-Injected: 1 [2J), last seen 2024-05-01"; r.Summary != want {
			t.Errorf("Summary = %q, want %q", r.Summary, want)
		}
		if r.Link != "https://viz.greynoise.io/ip/203.0.113.45" {
			t.Errorf("Link = %q", r.Link)
		}
		if r.Details["name"] != "Scanner X-Injected: 1 [2J" {
			t.Errorf("name = %q", r.Details["name"])
		}
	})
}

func newForFaults(o greynoise.Options) providertest.New {
	return func(baseURL string, client *http.Client, timeout time.Duration) intel.Provider {
		o.BaseURL, o.HTTP, o.Timeout = baseURL, client, timeout
		p, err := greynoise.New(o)
		if err != nil {
			panic(err)
		}
		return p
	}
}

func TestFaults(t *testing.T) {
	ind := ipv4("203.0.113.45")
	t.Run("community", func(t *testing.T) { providertest.Faults(t, newForFaults(community), ind, providertest.Options{}) })
	t.Run("community with a key", func(t *testing.T) { providertest.Faults(t, newForFaults(keyed), ind, providertest.Options{}) })
	t.Run("context API", func(t *testing.T) { providertest.Faults(t, newForFaults(enterprise), ind, providertest.Options{}) })
}
