package summary

import (
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
)

// TestPassiveDNSSection reads the providers' typed passive DNS: records
// from both providers, a failure of one beside the other's records, only
// failures, an empty answer, and none asked for.
func TestPassiveDNSSection(t *testing.T) {
	const addr = "203.0.113.66"
	ok := func(provider string, pd *intel.PassiveDNS) intel.Result {
		return intel.Result{Indicator: addr, Type: ioc.IPv4, Provider: provider, Status: intel.StatusOK, PassiveDNS: pd}
	}
	vt := ok("virustotal", &intel.PassiveDNS{Records: []intel.Resolution{{Name: "a.example", Date: rfc3339("2026-11-20T08:00:00Z")}}})
	otx := ok("otx", &intel.PassiveDNS{Records: []intel.Resolution{{Name: "b.example", Address: addr, Type: "A",
		First: rfc3339("2026-10-01T00:00:00Z"), Last: rfc3339("2026-11-21T00:00:00Z")}}, Total: 12})
	vtFailed := ok("virustotal", &intel.PassiveDNS{Records: []intel.Resolution{}, Err: "resolutions: HTTP 429"})
	otxEmpty := ok("otx", &intel.PassiveDNS{Records: []intel.Resolution{}})
	other := intel.Result{Indicator: "198.51.100.1", Type: ioc.IPv4, Provider: "otx", Status: intel.StatusOK,
		PassiveDNS: &intel.PassiveDNS{Records: []intel.Resolution{{Name: "elsewhere.example"}}}}

	tests := []struct {
		name   string
		ti     []intel.Result
		status report.Status
		want   []string // in the table's names, or the reason
	}{
		{"both", []intel.Result{vt, otx, other}, report.StatusOK, []string{"b.example", "a.example"}},
		{"one failed", []intel.Result{vtFailed, otx}, report.StatusOK, []string{"b.example"}},
		{"all failed", []intel.Result{vtFailed}, report.StatusError, []string{"virustotal: resolutions: HTTP 429"}},
		{"empty", []intel.Result{otxEmpty}, report.StatusEmpty, []string{"no passive DNS record of " + addr}},
		{"not asked", []intel.Result{ok("greynoise", nil), other}, report.StatusSkipped, []string{"passive DNS are off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec := passiveDNSSection(&Env{TI: tt.ti}, ipEntity{value: addr})
			if sec.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", sec.Status, sec.Reason, tt.status)
			}
			if tt.status != report.StatusOK {
				for _, w := range tt.want {
					if !strings.Contains(sec.Reason, w) {
						t.Errorf("reason %q, want it to say %q", sec.Reason, w)
					}
				}
				return
			}
			names := column(t, sec.Table, "Name")
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Errorf("names %v, want %v (latest first)", names, tt.want)
			}
			if tt.name == "one failed" && factOf(sec.Facts, "Failed lookups") != "virustotal: resolutions: HTTP 429" {
				t.Errorf("facts %v, want the failed lookup named", sec.Facts)
			}
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
