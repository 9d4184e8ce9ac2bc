package xforce_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
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
	"github.com/triage-dev/triage/internal/intel/xforce"
	"github.com/triage-dev/triage/internal/ioc"
)

// testID is the API ID the tests use; like providertest.Key it must never
// appear in an error or a result.
const testID = "TESTID-fedcba9876543210-must-not-leak-either"

var basicAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(testID+":"+providertest.Key))

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newProvider(t *testing.T, base string, hc *http.Client) *xforce.Provider {
	t.Helper()
	p, err := xforce.New(xforce.Options{BaseURL: base, HTTP: hc, APIID: testID, APIKey: providertest.Key, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// route is one answer of the fake API, chosen by the request's escaped path.
type route struct {
	status int
	body   []byte
}

// fakeAPI serves routes and checks every request the way X-Force would
// see it: GET, Basic credentials, JSON accepted, no query. A request for
// any other path fails the test. It returns the escaped paths requested.
func fakeAPI(t *testing.T, routes map[string]route) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.EscapedPath())
		mu.Unlock()
		switch {
		case r.Method != http.MethodGet:
			t.Errorf("method = %s, want GET", r.Method)
		case r.Header.Get("Authorization") != basicAuth:
			t.Errorf("Authorization = %q, want Basic with the API ID and key", r.Header.Get("Authorization"))
		case r.Header.Get("Accept") != "application/json":
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		case r.URL.RawQuery != "":
			t.Errorf("query = %q, want none", r.URL.RawQuery)
		}
		rt, ok := routes[r.URL.EscapedPath()]
		if !ok {
			t.Errorf("unexpected request %s", r.RequestURI)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rt.status)
		w.Write(rt.body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    xforce.Options
		want string // "" for success
	}{
		{"both", xforce.Options{APIID: "id", APIKey: "key"}, ""},
		{"explicit base", xforce.Options{BaseURL: "http://127.0.0.1:8080/", APIID: "id", APIKey: "key"}, ""},
		{"no id", xforce.Options{APIKey: "key"}, "xforce: an API ID is required"},
		{"no key", xforce.Options{APIID: "id"}, "xforce: an API key is required"},
		{"neither", xforce.Options{}, "xforce: an API ID and an API key are required"},
		{"not http", xforce.Options{BaseURL: "ftp://api.example", APIID: "id", APIKey: "key"}, `xforce: base URL "ftp://api.example" is not an http(s) URL`},
		{"no host", xforce.Options{BaseURL: "https://", APIID: "id", APIKey: "key"}, `xforce: base URL "https://" is not an http(s) URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := xforce.New(tc.o)
			if tc.want == "" {
				if err != nil || p == nil {
					t.Fatalf("New = %v, %v", p, err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("New error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	p := newProvider(t, xforce.DefaultBaseURL, nil)
	if p.Name() != "xforce" || !p.External() {
		t.Errorf("Name, External = %q, %v", p.Name(), p.External())
	}
	want := map[ioc.Kind]bool{
		ioc.IPv4: true, ioc.IPv6: true, ioc.Domain: true, ioc.Hostname: true, ioc.URL: true,
		ioc.MD5: true, ioc.SHA1: true, ioc.SHA256: true, ioc.Email: false, "unknown": false,
	}
	for k, w := range want {
		if got := p.Supports(k); got != w {
			t.Errorf("Supports(%s) = %v, want %v", k, got, w)
		}
	}
	if xforce.DefaultQuota != (intel.Quota{PerMonth: 5000}) {
		t.Errorf("DefaultQuota = %+v", xforce.DefaultQuota)
	}
}

func TestLookup(t *testing.T) {
	const phishURL = "http://login.example.net/verify?acct=1"
	const phishPath = "/url/http:%2F%2Flogin.example.net%2Fverify%3Facct=1"
	routes := map[string]route{
		"/ipr/198.51.100.7":    {200, fixture(t, "ip_report.json")},
		"/ipr/2001:db8::7":     {200, fixture(t, "ip_clean.json")},
		phishPath:              {200, fixture(t, "url_phishing.json")},
		"/url/www.example.org": {200, fixture(t, "url_clean.json")},
		"/url/unknown.example": {404, fixture(t, "notfound.json")},
		"/malware/5d41402abc4b2a76b9719d911017c592":                                 {200, fixture(t, "malware.json")},
		"/malware/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08": {200, fixture(t, "malware_nofamily.json")},
		"/malware/da39a3ee5e6b4b0d3255bfef95601890afd80709":                         {404, fixture(t, "notfound.json")},
	}
	srv, _ := fakeAPI(t, routes)
	p := newProvider(t, srv.URL, srv.Client())

	for _, tc := range []struct {
		ind      ioc.Indicator
		path     string
		severity intel.Severity
		summary  string
		details  string // JSON
		link     string
		notFound bool
	}{
		{
			ind: ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, path: "/ipr/198.51.100.7",
			severity: intel.SeverityWarning,
			summary:  "risk 4.3 of 10: Anonymisation Services, Spam",
			details: `{"categoryDescriptions":{"Anonymisation Services":"This category lists IP addresses of proxies and anonymisers.","Spam":"This category lists IP addresses that were seen sending spam."},` +
				`"cats":{"Anonymisation Services":57,"Spam":43},"reason":"Content found on multihoster",` +
				`"reasonDescription":"This IP was seen serving content for several categorised sites.","score":4.3}`,
			link: "https://exchange.xforce.ibmcloud.com/ip/198.51.100.7",
		},
		{
			ind: ioc.Indicator{Kind: ioc.IPv6, Value: "2001:db8::7"}, path: "/ipr/2001:db8::7",
			severity: intel.SeverityInformation,
			summary:  "risk 1 of 10, uncategorised",
			details:  `{"reason":"Regional Internet Registry","reasonDescription":"One of the five RIRs announced a (new) location mapping of the IP.","score":1}`,
			link:     "https://exchange.xforce.ibmcloud.com/ip/2001:db8::7",
		},
		{
			ind: ioc.Indicator{Kind: ioc.URL, Value: phishURL}, path: phishPath,
			severity: intel.SeverityHigh,
			summary:  "risk 10 of 10: Phishing URLs",
			details: `{"categoryDescriptions":{"Phishing URLs":"This category contains URLs used in phishing campaigns."},` +
				`"cats":{"Phishing URLs":true},"score":10,"tags":[{"type":"public","value":"phishing"}]}`,
			link: "https://exchange.xforce.ibmcloud.com" + phishPath,
		},
		{
			ind: ioc.Indicator{Kind: ioc.Hostname, Value: "www.example.org"}, path: "/url/www.example.org",
			severity: intel.SeverityInformation,
			summary:  "risk 1 of 10: Software / Hardware",
			details:  `{"categoryDescriptions":{"Software / Hardware":"This category contains sites about computers and software."},"cats":{"Software / Hardware":true},"score":1}`,
			link:     "https://exchange.xforce.ibmcloud.com/url/www.example.org",
		},
		{ind: ioc.Indicator{Kind: ioc.Domain, Value: "unknown.example"}, path: "/url/unknown.example", notFound: true},
		{
			ind: ioc.Indicator{Kind: ioc.MD5, Value: "5d41402abc4b2a76b9719d911017c592"}, path: "/malware/5d41402abc4b2a76b9719d911017c592",
			severity: intel.SeverityHigh,
			summary:  "malware: emotet (risk high)",
			details:  `{"family":["emotet"],"malwareType":"Trojan","risk":"high","type":"md5"}`,
			link:     "https://exchange.xforce.ibmcloud.com/malware/5d41402abc4b2a76b9719d911017c592",
		},
		{
			ind:      ioc.Indicator{Kind: ioc.SHA256, Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
			path:     "/malware/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			severity: intel.SeverityHigh, // a malware record is high, whatever its risk
			summary:  "malware (risk low)",
			details:  `{"risk":"low","type":"sha256"}`,
			link:     "https://exchange.xforce.ibmcloud.com/malware/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		},
		{ind: ioc.Indicator{Kind: ioc.SHA1, Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"}, path: "/malware/da39a3ee5e6b4b0d3255bfef95601890afd80709", notFound: true},
	} {
		t.Run(string(tc.ind.Kind), func(t *testing.T) {
			r, err := p.Lookup(context.Background(), tc.ind)
			providertest.NoKey(t, r, err)
			if tc.notFound {
				if !errors.Is(err, intel.ErrNotFound) {
					t.Fatalf("Lookup error = %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if want := routes[tc.path].body; string(r.Raw) != string(want) {
				t.Errorf("Raw is not the body as received")
			}
			details, err := json.Marshal(r.Details)
			if err != nil {
				t.Fatal(err)
			}
			got := intel.Result{Indicator: r.Indicator, Type: r.Type, Provider: r.Provider, Status: r.Status,
				Severity: r.Severity, Summary: r.Summary, Link: r.Link}
			want := intel.Result{Indicator: tc.ind.Value, Type: tc.ind.Kind, Provider: "xforce", Status: intel.StatusOK,
				Severity: tc.severity, Summary: tc.summary, Link: tc.link}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.details, string(details)); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	for _, tc := range []struct {
		score string // JSON
		want  intel.Severity
	}{
		{"null", intel.SeverityInformation},
		{"0", intel.SeverityInformation},
		{"1", intel.SeverityInformation},
		{"1.9", intel.SeverityInformation},
		{"2", intel.SeverityWarning},
		{"3", intel.SeverityWarning},
		{"4", intel.SeverityWarning},
		{"4.9", intel.SeverityWarning},
		{"5", intel.SeverityHigh},
		{"7.1", intel.SeverityHigh},
		{"10", intel.SeverityHigh},
	} {
		// The same score as an IP answer (top level) and a URL answer (under result).
		bodies := map[string]string{
			"/ipr/198.51.100.7":    fmt.Sprintf(`{"ip":"198.51.100.7","cats":{},"score":%s,"tags":[]}`, tc.score),
			"/url/www.example.com": fmt.Sprintf(`{"result":{"url":"www.example.com","cats":{},"score":%s},"associated":[],"tags":[]}`, tc.score),
		}
		for path, body := range bodies {
			t.Run(tc.score+path, func(t *testing.T) {
				srv, _ := fakeAPI(t, map[string]route{path: {200, []byte(body)}})
				ind := ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}
				if strings.HasPrefix(path, "/url/") {
					ind = ioc.Indicator{Kind: ioc.Hostname, Value: "www.example.com"}
				}
				r, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), ind)
				if err != nil {
					t.Fatal(err)
				}
				if r.Severity != tc.want {
					t.Errorf("score %s: severity = %s, want %s", tc.score, r.Severity, tc.want)
				}
			})
		}
	}
	t.Run("missing score", func(t *testing.T) {
		srv, _ := fakeAPI(t, map[string]route{"/url/www.example.com": {200, []byte(`{"result":{"url":"www.example.com"}}`)}})
		r, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.Hostname, Value: "www.example.com"})
		if err != nil || r.Severity != intel.SeverityInformation || r.Summary != "no risk score, uncategorised" {
			t.Errorf("Lookup = %q %q, %v", r.Severity, r.Summary, err)
		}
	})
	t.Run("no malware record", func(t *testing.T) {
		srv, _ := fakeAPI(t, map[string]route{"/malware/5d41402abc4b2a76b9719d911017c592": {200, []byte(`{"malware":{},"tags":[]}`)}})
		r, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.MD5, Value: "5d41402abc4b2a76b9719d911017c592"})
		if err != nil || r.Severity != intel.SeverityInformation || r.Summary != "no malware record" {
			t.Errorf("Lookup = %q %q, %v", r.Severity, r.Summary, err)
		}
	})
	for score, want := range map[float64]intel.Severity{-1: intel.SeverityInformation, 1.99: intel.SeverityInformation, 2: intel.SeverityWarning, 4.99: intel.SeverityWarning, 5: intel.SeverityHigh} {
		if got := xforce.ScoreSeverity(score); got != want {
			t.Errorf("ScoreSeverity(%v) = %s, want %s", score, got, want)
		}
	}
}

// TestHostileValues checks that an attacker-chosen value stays one path
// segment: the API sees exactly the value, and nothing reaches another
// endpoint or the query.
func TestHostileValues(t *testing.T) {
	for _, tc := range []struct {
		ind  ioc.Indicator
		path string // as sent, escaped
	}{
		{ioc.Indicator{Kind: ioc.URL, Value: "http://evil.example/../../ipr/1.2.3.4?x=1#frag"}, "/url/http:%2F%2Fevil.example%2F..%2F..%2Fipr%2F1.2.3.4%3Fx=1%23frag"},
		{ioc.Indicator{Kind: ioc.URL, Value: "http://evil.example/a%2Fb c"}, "/url/http:%2F%2Fevil.example%2Fa%252Fb%20c"},
		{ioc.Indicator{Kind: ioc.Hostname, Value: "a.example\r\nX-Injected: 1"}, "/url/a.example%0D%0AX-Injected:%201"},
		{ioc.Indicator{Kind: ioc.MD5, Value: "../../ipr/1.2.3.4"}, "/malware/..%2F..%2Fipr%2F1.2.3.4"},
		{ioc.Indicator{Kind: ioc.IPv4, Value: "1.2.3.4/../../url/x"}, "/ipr/1.2.3.4%2F..%2F..%2Furl%2Fx"},
	} {
		t.Run(tc.ind.Value, func(t *testing.T) {
			prefix := tc.path[:strings.Index(tc.path[1:], "/")+2]
			var gotPath string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.EscapedPath() != tc.path || r.URL.RawQuery != "" {
					t.Errorf("request %s, want path %s and no query", r.RequestURI, tc.path)
				}
				gotPath = r.URL.Path
				w.Write([]byte(`{"result":{"score":1},"malware":{"risk":"low"},"score":1}`))
			}))
			defer srv.Close()
			r, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), tc.ind)
			if err != nil {
				t.Fatal(err)
			}
			if gotPath != prefix+tc.ind.Value {
				t.Errorf("the API saw %q, want %q", gotPath, prefix+tc.ind.Value)
			}
			if !strings.HasSuffix(r.Link, strings.TrimPrefix(tc.path, prefix)) {
				t.Errorf("Link = %q is not escaped like the request", r.Link)
			}
		})
	}
	t.Run("dot segments", func(t *testing.T) {
		srv, seen := fakeAPI(t, nil)
		p := newProvider(t, srv.URL, srv.Client())
		for _, v := range []string{"", ".", ".."} {
			if _, err := p.Lookup(context.Background(), ioc.Indicator{Kind: ioc.Domain, Value: v}); err == nil {
				t.Errorf("Lookup(%q) succeeded", v)
			}
		}
		if len(seen()) != 0 {
			t.Errorf("requests sent: %v", seen())
		}
	})
}

func TestUnsupported(t *testing.T) {
	srv, seen := fakeAPI(t, nil)
	_, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.Email, Value: "a@example.com"})
	if !errors.Is(err, intel.ErrUnsupported) {
		t.Errorf("error = %v, want ErrUnsupported", err)
	}
	if len(seen()) != 0 {
		t.Errorf("requests sent: %v", seen())
	}
}

func TestMalformed(t *testing.T) {
	for path, body := range map[string]string{
		"/ipr/198.51.100.7":                         `[]`,
		"/url/www.example.com":                      `{"result":{"score":"high"}}`,
		"/malware/5d41402abc4b2a76b9719d911017c592": `{"malware":{"family":42}}`,
	} {
		t.Run(path, func(t *testing.T) {
			srv, _ := fakeAPI(t, map[string]route{path: {200, []byte(body)}})
			ind := map[string]ioc.Indicator{
				"/ipr/":     {Kind: ioc.IPv4, Value: "198.51.100.7"},
				"/url/":     {Kind: ioc.Hostname, Value: "www.example.com"},
				"/malware/": {Kind: ioc.MD5, Value: "5d41402abc4b2a76b9719d911017c592"},
			}[path[:strings.Index(path[1:], "/")+2]]
			_, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), ind)
			if !errors.Is(err, intel.ErrMalformed) {
				t.Errorf("error = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	ind := ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}
	t.Run("key", func(t *testing.T) {
		providertest.Faults(t, func(base string, hc *http.Client, timeout time.Duration) intel.Provider {
			p, err := xforce.New(xforce.Options{BaseURL: base, HTTP: hc, APIID: testID, APIKey: providertest.Key, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, ind, providertest.Options{})
	})
	// The same suite with the roles swapped, so that it checks the API ID
	// never leaks either.
	t.Run("id", func(t *testing.T) {
		providertest.Faults(t, func(base string, hc *http.Client, timeout time.Duration) intel.Provider {
			p, err := xforce.New(xforce.Options{BaseURL: base, HTTP: hc, APIID: providertest.Key, APIKey: testID, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, ind, providertest.Options{})
	})
}

// TestCredentialsNeverLeak has the service echo the credentials back in its
// error messages; the errors keep their meaning but not the secrets.
func TestCredentialsNeverLeak(t *testing.T) {
	secrets := []string{providertest.Key, testID, basicAuth, strings.TrimPrefix(basicAuth, "Basic ")}
	for _, tc := range []struct {
		status int
		want   error // nil: any error
	}{
		{400, nil},
		{401, intel.ErrUnauthorized},
		{403, intel.ErrUnauthorized},
		{404, intel.ErrNotFound},
		{500, intel.ErrTransient},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				user, pass, _ := r.BasicAuth()
				msg := fmt.Sprintf("bad credentials %s for %s:%s", r.Header.Get("Authorization"), user, pass)
				w.WriteHeader(tc.status)
				json.NewEncoder(w).Encode(map[string]string{"error": msg})
			}))
			defer srv.Close()
			r, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"})
			if err == nil {
				t.Fatal("Lookup succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want one wrapping %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "bad credentials") {
				t.Errorf("error = %v, want the service's message, redacted", err)
			}
			providertest.NoKey(t, r, err)
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("a credential leaked into the error: %v", err)
				}
			}
		})
	}
}
