package intel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/ioc"
)

// fakeProvider answers from a table and counts its calls.
type fakeProvider struct {
	name     string
	external bool
	kinds    []ioc.Kind
	answers  map[string]func() (Result, error)
	calls    atomic.Int32
}

func (p *fakeProvider) Name() string   { return p.name }
func (p *fakeProvider) External() bool { return p.external }
func (p *fakeProvider) Supports(k ioc.Kind) bool {
	for _, x := range p.kinds {
		if x == k {
			return true
		}
	}
	return false
}
func (p *fakeProvider) Lookup(_ context.Context, ind ioc.Indicator) (Result, error) {
	p.calls.Add(1)
	if f, ok := p.answers[ind.Value]; ok {
		return f()
	}
	return Result{}, fmt.Errorf("%s: %w", ind.Value, ErrNotFound)
}

func ok(sev Severity) func() (Result, error) {
	return func() (Result, error) { return Result{Severity: sev, Summary: string(sev)}, nil }
}

func fail(err error) func() (Result, error) {
	return func() (Result, error) { return Result{Severity: SeverityHigh}, err }
}

func mustParse(t *testing.T, s string) ioc.Indicator {
	t.Helper()
	ind, err := ioc.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return ind
}

// public stands a documentation address in for a public one, so no real
// address appears in the tests.
func public(addr string) ioc.Indicator {
	return ioc.Indicator{Kind: ioc.IPv4, Value: addr, Scope: ioc.Public}
}

type row struct {
	Indicator, Provider string
	Status              Status
	Severity            Severity
}

func rows(rs []Result) []row {
	out := make([]row, len(rs))
	for i, r := range rs {
		out[i] = row{r.Indicator, r.Provider, r.Status, r.Severity}
	}
	return out
}

func TestEngineLookup(t *testing.T) {
	ext := &fakeProvider{name: "ext", external: true, kinds: []ioc.Kind{ioc.IPv4, ioc.Domain}, answers: map[string]func() (Result, error){
		"203.0.113.7":  ok(SeverityHigh),
		"198.51.100.9": fail(&RateLimitError{}),
		"192.0.2.1":    fail(errors.New("http 500")),
		"192.0.2.2":    fail(fmt.Errorf("get: %w", context.DeadlineExceeded)),
	}}
	own := &fakeProvider{name: "own", kinds: []ioc.Kind{ioc.IPv4}, answers: map[string]func() (Result, error){
		"10.1.2.3": ok(SeverityWarning),
	}}
	e := &Engine{Providers: []Provider{ext, own}, Retries: -1}
	inds := []ioc.Indicator{
		public("203.0.113.7"), public("203.0.113.7"), // duplicate: looked up once
		mustParse(t, "10.1.2.3"), public("198.51.100.9"), public("192.0.2.1"),
		public("192.0.2.2"), mustParse(t, "d41d8cd98f00b204e9800998ecf8427e"),
	}
	got := rows(e.Lookup(context.Background(), inds))
	want := []row{
		{"10.1.2.3", "ext", StatusSkipped, SeverityUnknown},
		{"10.1.2.3", "own", StatusOK, SeverityWarning},
		{"192.0.2.1", "ext", StatusError, SeverityUnknown},
		{"192.0.2.1", "own", StatusNotFound, SeverityUnknown},
		{"192.0.2.2", "ext", StatusTimeout, SeverityUnknown},
		{"192.0.2.2", "own", StatusNotFound, SeverityUnknown},
		{"198.51.100.9", "ext", StatusRateLimited, SeverityUnknown},
		{"198.51.100.9", "own", StatusNotFound, SeverityUnknown},
		{"203.0.113.7", "ext", StatusOK, SeverityHigh},
		{"203.0.113.7", "own", StatusNotFound, SeverityUnknown},
		{"d41d8cd98f00b204e9800998ecf8427e", "ext", StatusUnsupported, SeverityUnknown},
		{"d41d8cd98f00b204e9800998ecf8427e", "own", StatusUnsupported, SeverityUnknown},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if n := ext.calls.Load(); n != 4 {
		t.Errorf("external provider called %d times, want 4 (no private address, no duplicate)", n)
	}
}

// A failure's reason does not repeat the provider's name the result
// already carries.
func TestEngineReasonWithoutProviderName(t *testing.T) {
	p := &fakeProvider{name: "own", kinds: []ioc.Kind{ioc.IPv4}, answers: map[string]func() (Result, error){
		"203.0.113.7": fail(errors.New("own: query failed: boom")),
	}}
	e := &Engine{Providers: []Provider{p}, Retries: -1}
	got := e.Lookup(context.Background(), []ioc.Indicator{public("203.0.113.7")})
	if len(got) != 1 || got[0].Status != StatusError || got[0].Reason != "query failed: boom" {
		t.Fatalf("got %+v, want the reason without the provider's name", got)
	}
}

// A provider that cannot run here (ErrNotConfigured: what it reads is not
// there) answers not_configured with its reason, not a failure: the
// verdict is complete.
func TestEngineNotConfiguredHere(t *testing.T) {
	own := &fakeProvider{name: "own", kinds: []ioc.Kind{ioc.IPv4}, answers: map[string]func() (Result, error){
		"203.0.113.7": fail(fmt.Errorf("query: %w: no table", ErrNotConfigured)),
	}}
	e := &Engine{Providers: []Provider{own}, Retries: -1}
	got := e.Lookup(context.Background(), []ioc.Indicator{public("203.0.113.7")})
	if len(got) != 1 || got[0].Status != StatusNotConfigured || !strings.Contains(got[0].Reason, "no table") {
		t.Fatalf("got %+v, want not_configured saying why", got)
	}
	if v := Roll(got); !v.Complete {
		t.Errorf("verdict %+v: a provider that cannot run here made it incomplete", v)
	}
}

func TestEngineNoExternal(t *testing.T) {
	ext := &fakeProvider{name: "ext", external: true, kinds: []ioc.Kind{ioc.IPv4}}
	e := &Engine{Providers: []Provider{ext}, NoExternal: true}
	got := e.Lookup(context.Background(), []ioc.Indicator{public("203.0.113.7")})
	if len(got) != 1 || got[0].Status != StatusSkipped || got[0].Reason == "" {
		t.Fatalf("got %+v, want one skipped result with a reason", got)
	}
	if ext.calls.Load() != 0 {
		t.Error("external provider was called with external lookups off")
	}
}

func TestRoll(t *testing.T) {
	r := func(st Status, sev Severity) Result {
		return Result{Indicator: "x", Provider: "p", Status: st, Severity: sev}
	}
	tests := []struct {
		name     string
		in       []Result
		want     Severity
		nrsn     int
		complete bool
	}{
		{"nothing", nil, SeverityUnknown, 0, true},
		{"all failed", []Result{r(StatusError, SeverityUnknown), r(StatusRateLimited, SeverityUnknown)}, SeverityUnknown, 0, false},
		{"only skipped", []Result{r(StatusSkipped, SeverityUnknown)}, SeverityUnknown, 0, true},
		{"not found", []Result{r(StatusNotFound, SeverityUnknown), r(StatusSkipped, SeverityUnknown)}, SeverityNone, 0, true},
		// None needs every answer; with one missing it is unknown.
		{"not found, one failed", []Result{r(StatusNotFound, SeverityUnknown), r(StatusError, SeverityUnknown)}, SeverityUnknown, 0, false},
		{"max of ok", []Result{r(StatusOK, SeverityInformation), r(StatusOK, SeverityWarning), r(StatusOK, SeverityWarning)}, SeverityWarning, 2, true},
		{"information is clean only when complete", []Result{r(StatusError, SeverityHigh), r(StatusOK, SeverityInformation)}, SeverityUnknown, 0, false},
		{"warning stands with a failure", []Result{r(StatusTimeout, SeverityUnknown), r(StatusOK, SeverityWarning)}, SeverityWarning, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Roll(tt.in)
			if v.Severity != tt.want || len(v.Reasons) != tt.nrsn || v.Explanation == "" || v.Complete != tt.complete {
				t.Errorf("Roll = %s with %d reasons, complete %v (%q), want %s with %d, complete %v",
					v.Severity, len(v.Reasons), v.Complete, v.Explanation, tt.want, tt.nrsn, tt.complete)
			}
			if !v.Complete && !strings.Contains(v.Explanation, "p did not answer") {
				t.Errorf("an incomplete verdict's explanation %q does not say which provider left lookups unanswered", v.Explanation)
			}
		})
	}
}

// A withheld indicator's skip says which kind of withheld it is: a
// documentation address is reserved, not internal.
func TestEngineWithheld(t *testing.T) {
	ext := &fakeProvider{name: "ext", external: true, kinds: []ioc.Kind{ioc.IPv4, ioc.Domain, ioc.Hostname, ioc.URL}}
	e := &Engine{Providers: []Provider{ext}, Retries: -1, Private: func(ind ioc.Indicator) string {
		if ind.Value == "8.8.4.4" {
			return "8.8.4.4 is in internal network 8.8.4.0/24 (intel.internal_networks)"
		}
		return ""
	}}
	tests := []struct {
		value    string
		withheld ioc.Withholding
		reason   string
	}{
		{"10.0.0.5", ioc.WithheldInternal, "private address (internal) is never sent to external providers"},
		{"203.0.113.66", ioc.WithheldReserved, "documentation address (reserved) is never sent to external providers"},
		{"evil.example", ioc.WithheldReserved, "reserved name is never sent to external providers"},
		{"fileserver.contoso.local", ioc.WithheldInternal, "internal name is never sent to external providers"},
		{"https://a:b@evil.com/", ioc.WithheldCredentials, "a URL with a password is never sent to external providers"},
		{"8.8.4.4", ioc.WithheldInternal, "8.8.4.4 is in internal network 8.8.4.0/24 (intel.internal_networks)"},
		{"8.8.8.8", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			ind := mustParse(t, tt.value)
			if got := e.Withheld(ind); got != tt.withheld {
				t.Errorf("Withheld = %q, want %q", got, tt.withheld)
			}
			r, skipped := e.precheck(ext, ind)
			if skipped != (tt.reason != "") || r.Reason != tt.reason {
				t.Errorf("precheck = %v %q, want skipped %v %q", skipped, r.Reason, tt.reason != "", tt.reason)
			}
		})
	}
	if got := (*Engine)(nil).Withheld(mustParse(t, "8.8.4.4")); got != "" {
		t.Errorf("nil engine: Withheld(8.8.4.4) = %q, want none", got)
	}
}
