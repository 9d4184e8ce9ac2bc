package intel

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The verdict's sentence names the indicators that set it, with their
// providers, before any caveat, and counts those beyond the first five.
func TestVerdictSentence(t *testing.T) {
	ok := func(ind, prov string, sev Severity) Result {
		return Result{Indicator: ind, Provider: prov, Status: StatusOK, Severity: sev}
	}
	rs := []Result{
		ok("203.0.113.66", "virustotal", SeverityHigh),
		ok("203.0.113.66", "sentinel-ti", SeverityHigh),
		ok("svc-telemetry.example.net", "virustotal", SeverityHigh),
		ok("9.9.9.9", "virustotal", SeverityInformation),
	}
	want := "3 of 4 provider answers rate an indicator high: 203.0.113.66 (sentinel-ti, virustotal), svc-telemetry.example.net (virustotal)"
	if got := Roll(rs).Sentence(); got != want {
		t.Errorf("Sentence() = %q\nwant %q", got, want)
	}

	failed := append(slices.Clone(rs), Result{Indicator: "9.9.9.9", Provider: "otx", Status: StatusError, Severity: SeverityUnknown})
	got := Roll(failed).Sentence()
	if !strings.HasPrefix(got, "3 of 4 provider answers rate an indicator high: 203.0.113.66 (sentinel-ti, virustotal), svc-telemetry.example.net (virustotal); incomplete: otx did not answer 1 lookup") {
		t.Errorf("with a failure, Sentence() = %q: want the names before the caveat", got)
	}

	var many []Result
	for i := range 8 {
		many = append(many, ok(fmt.Sprintf("198.51.100.%d", i), "localfeed", SeverityWarning))
	}
	got = Roll(many).Sentence()
	if !strings.HasSuffix(got, "198.51.100.4 (localfeed) and 3 more") || strings.Contains(got, "198.51.100.5") {
		t.Errorf("eight indicators: Sentence() = %q, want five named and 3 more", got)
	}

	none := Roll([]Result{{Indicator: "x", Provider: "p", Status: StatusNotFound}})
	if got := none.Sentence(); got != none.Explanation {
		t.Errorf("no reasons: Sentence() = %q, want the explanation %q", got, none.Explanation)
	}
}

// Results read most severe first, then by indicator and provider.
func TestBySeverity(t *testing.T) {
	rs := []Result{
		{Indicator: "a", Provider: "p", Severity: SeverityUnknown},
		{Indicator: "b", Provider: "q", Severity: SeverityInformation},
		{Indicator: "c", Provider: "p", Severity: SeverityHigh},
		{Indicator: "b", Provider: "p", Severity: SeverityHigh},
		{Indicator: "a", Provider: "q", Severity: SeverityWarning},
		{Indicator: "a", Provider: "r", Severity: SeverityNone},
	}
	slices.SortFunc(rs, BySeverity)
	var got []string
	for _, r := range rs {
		got = append(got, r.Indicator+"/"+r.Provider)
	}
	want := []string{"b/p", "c/p", "a/q", "b/q", "a/r", "a/p"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted %v, want %v", got, want)
	}
}
