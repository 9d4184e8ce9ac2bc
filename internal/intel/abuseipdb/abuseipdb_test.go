package abuseipdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/abuseipdb"
	"github.com/triage-dev/triage/internal/intel/providertest"
	"github.com/triage-dev/triage/internal/ioc"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newProvider(t *testing.T, base string, hc *http.Client) *abuseipdb.Provider {
	t.Helper()
	p, err := abuseipdb.New(abuseipdb.Options{BaseURL: base, HTTP: hc, APIKey: providertest.Key, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// answer is one reply of the fake API.
type answer struct {
	status int
	header map[string]string
	body   []byte
}

// fakeAPI answers /check for the addresses in answers and checks every
// request as AbuseIPDB would see it: GET /check, the Key and Accept headers,
// exactly the documented query. Anything else fails the test. It returns the
// raw queries received.
func fakeAPI(t *testing.T, answers map[string]answer) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RawQuery)
		mu.Unlock()
		q := r.URL.Query()
		switch {
		case r.Method != http.MethodGet || r.URL.Path != "/api/v2/check":
			t.Errorf("request %s %s, want GET /api/v2/check", r.Method, r.URL.Path)
		case r.Header.Get("Key") != providertest.Key:
			t.Errorf("Key header = %q", r.Header.Get("Key"))
		case r.Header.Get("Accept") != "application/json":
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		case len(q) != 2 || q.Get("maxAgeInDays") != "90" || len(q["ipAddress"]) != 1:
			t.Errorf("query = %q, want ipAddress and maxAgeInDays=90 only", r.URL.RawQuery)
		}
		a, ok := answers[q.Get("ipAddress")]
		if !ok {
			t.Errorf("unexpected request for %q", q.Get("ipAddress"))
			w.WriteHeader(http.StatusTeapot)
			return
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		w.Write(a.body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    abuseipdb.Options
		want string // "" for success
	}{
		{"key", abuseipdb.Options{APIKey: "key"}, ""},
		{"explicit base", abuseipdb.Options{BaseURL: "http://127.0.0.1:8080/api/v2/", APIKey: "key"}, ""},
		{"no key", abuseipdb.Options{}, "abuseipdb: an API key is required"},
		{"not http", abuseipdb.Options{BaseURL: "file:///etc", APIKey: "key"}, `abuseipdb: base URL "file:///etc" is not an http(s) URL`},
		{"unparsable", abuseipdb.Options{BaseURL: "http://[::1", APIKey: "key"}, `abuseipdb: base URL "http://[::1" is not an http(s) URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := abuseipdb.New(tc.o)
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
	p := newProvider(t, abuseipdb.DefaultBaseURL, nil)
	if p.Name() != "abuseipdb" || !p.External() {
		t.Errorf("Name, External = %q, %v", p.Name(), p.External())
	}
	for _, k := range []ioc.Kind{ioc.IPv4, ioc.IPv6, ioc.Domain, ioc.Hostname, ioc.URL, ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.Email} {
		if got, want := p.Supports(k), k.IsIP(); got != want {
			t.Errorf("Supports(%s) = %v, want %v", k, got, want)
		}
	}
	if abuseipdb.DefaultQuota != (intel.Quota{PerDay: 1000}) {
		t.Errorf("DefaultQuota = %+v", abuseipdb.DefaultQuota)
	}
}

func TestLookup(t *testing.T) {
	answers := map[string]answer{
		"203.0.113.45": {status: 200, body: fixture(t, "check_reported.json")},
		"2001:db8::1":  {status: 200, body: fixture(t, "check_clean.json")},
	}
	srv, seen := fakeAPI(t, answers)
	p := newProvider(t, srv.URL+"/api/v2", srv.Client())

	for _, tc := range []struct {
		ind      ioc.Indicator
		query    string
		severity intel.Severity
		summary  string
		details  string // JSON
		link     string
	}{
		{
			ind:      ioc.Indicator{Kind: ioc.IPv4, Value: "203.0.113.45"},
			query:    "ipAddress=203.0.113.45&maxAgeInDays=90",
			severity: intel.SeverityHigh,
			summary:  "confidence 87%, 4 reports from 3 users",
			details: `{"abuseConfidenceScore":87,"countryCode":"NL","domain":"hosting.example","hostnames":["vps-45.hosting.example"],` +
				`"isTor":false,"isWhitelisted":false,"isp":"Example Hosting B.V.","lastReportedAt":"2025-03-02T17:05:11+00:00",` +
				`"numDistinctUsers":3,` +
				`"totalReports":4,"usageType":"Data Center/Web Hosting/Transit"}`,
			link: "https://www.abuseipdb.com/check/203.0.113.45",
		},
		{
			ind:      ioc.Indicator{Kind: ioc.IPv6, Value: "2001:db8::1"},
			query:    "ipAddress=2001%3Adb8%3A%3A1&maxAgeInDays=90",
			severity: intel.SeverityInformation,
			summary:  "confidence 0%, no reports in 90 days",
			details: `{"abuseConfidenceScore":0,"countryCode":"US","domain":"cdn.example","isTor":false,"isp":"Example CDN Inc.",` +
				`"numDistinctUsers":0,"totalReports":0,"usageType":"Content Delivery Network"}`,
			link: "https://www.abuseipdb.com/check/2001:db8::1",
		},
	} {
		t.Run(string(tc.ind.Kind), func(t *testing.T) {
			r, err := p.Lookup(context.Background(), tc.ind)
			providertest.NoKey(t, r, err)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if q := seen(); q[len(q)-1] != tc.query {
				t.Errorf("query = %q, want %q", q[len(q)-1], tc.query)
			}
			if string(r.Raw) != string(answers[tc.ind.Value].body) {
				t.Errorf("Raw is not the body as received")
			}
			details, err := json.Marshal(r.Details)
			if err != nil {
				t.Fatal(err)
			}
			got := intel.Result{Indicator: r.Indicator, Type: r.Type, Provider: r.Provider, Status: r.Status,
				Severity: r.Severity, Summary: r.Summary, Link: r.Link}
			want := intel.Result{Indicator: tc.ind.Value, Type: tc.ind.Kind, Provider: "abuseipdb", Status: intel.StatusOK,
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
		{"0", intel.SeverityInformation},
		{"1", intel.SeverityWarning},
		{"25", intel.SeverityWarning},
		{"50", intel.SeverityWarning},
		{"51", intel.SeverityHigh},
		{"75", intel.SeverityHigh},
		{"100", intel.SeverityHigh},
	} {
		t.Run(tc.score, func(t *testing.T) {
			body := fmt.Sprintf(`{"data":{"ipAddress":"203.0.113.9","abuseConfidenceScore":%s,"totalReports":2,"numDistinctUsers":2,"isTor":true,"isWhitelisted":true}}`, tc.score)
			srv, _ := fakeAPI(t, map[string]answer{"203.0.113.9": {status: 200, body: []byte(body)}})
			r, err := newProvider(t, srv.URL+"/api/v2", srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "203.0.113.9"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Severity != tc.want {
				t.Errorf("score %s: severity = %s, want %s", tc.score, r.Severity, tc.want)
			}
			if want := "confidence " + tc.score + "%, 2 reports from 2 users; Tor exit; whitelisted"; r.Summary != want {
				t.Errorf("Summary = %q, want %q", r.Summary, want)
			}
		})
	}
	for score, want := range map[float64]intel.Severity{-1: intel.SeverityInformation, 0.5: intel.SeverityWarning, 50.5: intel.SeverityHigh} {
		if got := abuseipdb.ScoreSeverity(score); got != want {
			t.Errorf("ScoreSeverity(%v) = %s, want %s", score, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{`"abuseConfidenceScore":0,"totalReports":0,"numDistinctUsers":0`, "confidence 0%, no reports in 90 days"},
		{`"abuseConfidenceScore":12,"totalReports":1,"numDistinctUsers":1,"isTor":false`, "confidence 12%, 1 report"},
		{`"abuseConfidenceScore":40,"totalReports":3,"numDistinctUsers":1,"isWhitelisted":null`, "confidence 40%, 3 reports from 1 user"},
		{`"abuseConfidenceScore":100,"totalReports":812,"numDistinctUsers":97,"isTor":true`, "confidence 100%, 812 reports from 97 users; Tor exit"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			srv, _ := fakeAPI(t, map[string]answer{"203.0.113.9": {status: 200, body: []byte(`{"data":{` + tc.data + `}}`)}})
			r, err := newProvider(t, srv.URL+"/api/v2", srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "203.0.113.9"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Summary != tc.want {
				t.Errorf("Summary = %q, want %q", r.Summary, tc.want)
			}
		})
	}
}

// TestHostileValues checks that a value stays inside the ipAddress
// parameter, whatever it contains.
func TestHostileValues(t *testing.T) {
	for _, v := range []string{
		"203.0.113.7&maxAgeInDays=1&key=x",
		"fe80::1%eth0#frag",
		"203.0.113.7/../../report?ip=1",
		"203.0.113.7\r\nKey: other",
		"a b+c=%41",
	} {
		t.Run(v, func(t *testing.T) {
			srv, seen := fakeAPI(t, map[string]answer{v: {status: 200, body: fixture(t, "check_clean.json")}})
			r, err := newProvider(t, srv.URL+"/api/v2", srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv6, Value: v})
			if err != nil {
				t.Fatal(err)
			}
			want := url.Values{"ipAddress": {v}, "maxAgeInDays": {"90"}}.Encode()
			if q := seen(); len(q) != 1 || q[0] != want {
				t.Errorf("queries = %q, want [%q]", q, want)
			}
			if want := "https://www.abuseipdb.com/check/" + url.PathEscape(v); r.Link != want {
				t.Errorf("Link = %q, want %q", r.Link, want)
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	srv, seen := fakeAPI(t, nil)
	p := newProvider(t, srv.URL+"/api/v2", srv.Client())
	for _, ind := range []ioc.Indicator{{Kind: ioc.Domain, Value: "example.com"}, {Kind: ioc.SHA256, Value: strings.Repeat("a", 64)}} {
		if _, err := p.Lookup(context.Background(), ind); !errors.Is(err, intel.ErrUnsupported) {
			t.Errorf("Lookup(%s) error = %v, want ErrUnsupported", ind, err)
		}
	}
	if _, err := p.Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4}); err == nil {
		t.Error("Lookup of an empty value succeeded")
	}
	if len(seen()) != 0 {
		t.Errorf("requests sent: %v", seen())
	}
}

// TestErrors serves AbuseIPDB's documented error answers.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     answer
		check func(t *testing.T, err error)
	}{
		{"401", answer{status: 401, body: fixture(t, "error_401.json")}, func(t *testing.T, err error) {
			if !errors.Is(err, intel.ErrUnauthorized) || !strings.Contains(err.Error(), "Authentication failed") {
				t.Errorf("error = %v, want ErrUnauthorized with the detail", err)
			}
		}},
		{"422", answer{status: 422, body: fixture(t, "error_422.json")}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "HTTP 422: The ip address must be a valid") {
				t.Errorf("error = %v, want HTTP 422 with the detail", err)
			}
		}},
		{"429", answer{status: 429, header: map[string]string{"Retry-After": "3600"}, body: fixture(t, "error_429.json")}, func(t *testing.T, err error) {
			var rl *intel.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != time.Hour {
				t.Errorf("error = %v, want a RateLimitError to retry after 1h", err)
			}
		}},
		{"no data", answer{status: 200, body: []byte(`{"data":null}`)}, func(t *testing.T, err error) {
			if !errors.Is(err, intel.ErrMalformed) {
				t.Errorf("error = %v, want ErrMalformed", err)
			}
		}},
		{"no score", answer{status: 200, body: []byte(`{"data":{"ipAddress":"203.0.113.9","totalReports":0}}`)}, func(t *testing.T, err error) {
			if !errors.Is(err, intel.ErrMalformed) {
				t.Errorf("error = %v, want ErrMalformed", err)
			}
		}},
		{"string score", answer{status: 200, body: []byte(`{"data":{"abuseConfidenceScore":"high"}}`)}, func(t *testing.T, err error) {
			if !errors.Is(err, intel.ErrMalformed) {
				t.Errorf("error = %v, want ErrMalformed", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := fakeAPI(t, map[string]answer{"203.0.113.9": tc.a})
			r, err := newProvider(t, srv.URL+"/api/v2", srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "203.0.113.9"})
			if err == nil {
				t.Fatalf("Lookup succeeded: %+v", r)
			}
			tc.check(t, err)
			providertest.NoKey(t, r, err)
		})
	}
}

func TestFaults(t *testing.T) {
	// AbuseIPDB has no 404 for an address, and the provider keeps httpapi's
	// mapping of a 404 to ErrNotFound, so the default options apply.
	providertest.Faults(t, func(base string, hc *http.Client, timeout time.Duration) intel.Provider {
		p, err := abuseipdb.New(abuseipdb.Options{BaseURL: base, HTTP: hc, APIKey: providertest.Key, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}, ioc.Indicator{Kind: ioc.IPv4, Value: "203.0.113.9"}, providertest.Options{})
}

// TestKeyNeverLeaks has the service echo the key back in its error
// messages; the errors keep their meaning but not the key.
func TestKeyNeverLeaks(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error // nil: any error
	}{
		{400, nil},
		{401, intel.ErrUnauthorized},
		{403, intel.ErrUnauthorized},
		{422, nil},
		{503, intel.ErrTransient},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
					"detail": "the key " + r.Header.Get("Key") + " is not valid", "status": tc.status,
				}}})
			}))
			defer srv.Close()
			r, err := newProvider(t, srv.URL, srv.Client()).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "203.0.113.9"})
			if err == nil {
				t.Fatal("Lookup succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want one wrapping %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "the key <secret> is not valid") {
				t.Errorf("error = %v, want the service's detail, redacted", err)
			}
			providertest.NoKey(t, r, err)
		})
	}
}
