package pipeline_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// TestDemoPrecedents checks each demo incident's precedents against the
// demo itself, apart from the queries: an address is new exactly when the
// generated sign-ins have none from it in the lookback before the
// incident's first activity, and an incident is listed as closed as benign
// exactly when the demo's reports say it is an earlier incident of the
// same title or alert name, closed as BenignPositive or FalsePositive,
// naming one of the same entities. Then the story's own cases.
func TestDemoPrecedents(t *testing.T) {
	reports := triageDemo(t)
	lookback := pipeline.DefaultPrecedentsLookback
	for n, r := range reports {
		p := r.Precedents
		if p == nil {
			t.Fatalf("incident %d has no precedents", n)
		}
		fs := p.FirstSeen
		if fs.Status != report.StatusOK && fs.Status != report.StatusEmpty {
			t.Errorf("incident %d: first seen %s: %s", n, fs.Status, fs.Reason)
		}
		for _, a := range fs.Checked {
			seen := slices.ContainsFunc(theDemo.signins[a], func(at time.Time) bool {
				if at.IsZero() {
					t.Fatalf("a sign-in from %s has no time", a)
				}
				return !at.Before(fs.Start) && at.Before(fs.End)
			})
			if seen == slices.Contains(fs.New, a) {
				t.Errorf("incident %d: %s is new: %v, but the demo has sign-ins from it before %s: %v", n, a, slices.Contains(fs.New, a), fs.End, seen)
			}
		}
		if want := r.Incident.FirstActivity; !fs.End.Equal(want) || !fs.Start.Equal(want.Add(-lookback)) {
			t.Errorf("incident %d: sign-ins looked at from %s to %s, want the %s before %s", n, fs.Start, fs.End, lookback, want)
		}

		cb := p.ClosedBenign
		if cb.Status != report.StatusOK && cb.Status != report.StatusEmpty {
			t.Errorf("incident %d: closed benign %s: %s", n, cb.Status, cb.Reason)
		}
		var got, want []int
		for _, bi := range cb.Incidents {
			got = append(got, bi.Number)
		}
		for m, prior := range reports {
			if m != n && benignPrecedent(prior, r, lookback) {
				want = append(want, m)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("incident %d: closed as benign before: %v, want %v", n, got, want)
		}
	}

	// The story's cases: the spray's address (its recon try ten days
	// before) and the VPN's egress are no first-seen addresses; the
	// attacker's IPv6 address, first used after the breach, is on the
	// breach; the second "Multiple failed logons on SRV-SQL-01" has the
	// first, closed as benign, as its history.
	reason := func(n int, factor string) string {
		for _, x := range reports[n].Priority.Reasons {
			if x.Factor == factor {
				return x.Detail
			}
		}
		return ""
	}
	if d := reason(117, priority.FirstSeenAddress); d != "" {
		t.Errorf("117 (spray): %s", d)
	}
	if d := reason(107, priority.FirstSeenAddress); d != "" {
		t.Errorf("107 (impossible travel through the VPN): %s", d)
	}
	if d := reason(118, priority.FirstSeenAddress); !strings.Contains(d, "2001:db8:bad:1::66") || strings.Contains(d, "203.0.113.66") {
		t.Errorf("118 (breach): first_seen_address %q", d)
	}
	if d := reason(120, priority.ClosedBenign); !strings.Contains(d, "#108 (BenignPositive") {
		t.Errorf("120: closed_benign_history %q", d)
	}
	for _, n := range []int{121, 123} {
		if d := reason(n, priority.ClosedBenign); d != "" {
			t.Errorf("%d (attack): closed_benign_history %q", n, d)
		}
	}
}

// benignPrecedent reports whether prior is, by the reports alone, an
// earlier incident closed as benign of r's rule and entities.
func benignPrecedent(prior, r *report.Report, lookback time.Duration) bool {
	pi, ri := prior.Incident, r.Incident
	if pi.Status != triage.StatusClosed || (pi.Classification != triage.ClassBenignPositive && pi.Classification != triage.ClassFalsePositive) {
		return false
	}
	if !pi.Created.Before(ri.Created) || pi.Created.Before(ri.Created.Add(-lookback)) {
		return false
	}
	names := func(x *report.Report) []string {
		out := []string{strings.ToLower(x.Incident.Title)}
		for _, a := range x.Alerts {
			out = append(out, strings.ToLower(a.Name))
		}
		return out
	}
	rn := names(r)
	if !slices.ContainsFunc(names(prior), func(s string) bool { return slices.Contains(rn, s) }) {
		return false
	}
	return slices.ContainsFunc(prior.Entities, func(e triage.Entity) bool {
		return slices.ContainsFunc(r.Entities, func(f triage.Entity) bool { return f.Key == e.Key })
	})
}
