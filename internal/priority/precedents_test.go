package priority

import (
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// withPrecedents is base() with precedents that find nothing.
func withPrecedents() *report.Report {
	r := base()
	r.Precedents = &report.Precedents{
		FirstSeen: report.FirstSeen{Status: report.StatusOK, Start: t0.Add(-30 * 24 * time.Hour), End: t0,
			Checked: []string{"192.0.2.10", "203.0.113.66"}, New: []string{}},
		ClosedBenign: report.ClosedBenign{Status: report.StatusOK, Incidents: []report.BenignIncident{}},
	}
	return r
}

func TestFirstSeenAddress(t *testing.T) {
	r := withPrecedents()
	if _, _, ok := points(Score(r, Settings{}), FirstSeenAddress); ok {
		t.Error("first_seen_address with every address seen before")
	}
	r.Precedents.FirstSeen.New = []string{"203.0.113.66"}
	got, detail, ok := points(Score(r, Settings{}), FirstSeenAddress)
	if !ok || got != 10 || !strings.Contains(detail, "203.0.113.66") || strings.Contains(detail, "192.0.2.10") ||
		!strings.Contains(detail, "30 days") {
		t.Errorf("first_seen_address: %d %q (%v)", got, detail, ok)
	}
	if got, _, _ := points(Score(r, Settings{Weights: map[string]int{FirstSeenAddress: 25}}), FirstSeenAddress); got != 25 {
		t.Errorf("weighted first_seen_address: %d, want 25", got)
	}
	if _, _, ok := points(Score(r, Settings{}), Unchecked); ok {
		t.Error("unchecked with both checks made")
	}
}

// A check that failed or was partial is said, never read as nothing found;
// a partial sign-in answer calls no address new.
func TestUncheckedPrecedentsSaySo(t *testing.T) {
	for _, st := range []report.Status{report.StatusError, report.StatusPartial} {
		r := withPrecedents()
		r.Precedents.FirstSeen.Status, r.Precedents.FirstSeen.Reason = st, "throttled"
		r.Precedents.FirstSeen.New = []string{"203.0.113.66"} // what a partial answer seemed to say
		p := Score(r, Settings{})
		if _, _, ok := points(p, FirstSeenAddress); ok {
			t.Errorf("%s sign-ins: first_seen_address applies", st)
		}
		got, detail, ok := points(p, Unchecked)
		if !ok || got != 0 || !strings.Contains(detail, "203.0.113.66") || !strings.Contains(detail, "throttled") {
			t.Errorf("%s sign-ins: unchecked %d %q (%v)", st, got, detail, ok)
		}

		r = withPrecedents()
		r.Precedents.ClosedBenign.Status, r.Precedents.ClosedBenign.Reason = st, "no SecurityIncident table"
		_, detail, ok = points(Score(r, Settings{}), Unchecked)
		if !ok || !strings.Contains(detail, "closed as benign") || !strings.Contains(detail, "no SecurityIncident table") {
			t.Errorf("%s closed incidents: unchecked %q (%v)", st, detail, ok)
		}
	}
	// The weight of unchecked counts like any other.
	r := withPrecedents()
	r.Precedents.FirstSeen.Status = report.StatusError
	if p := Score(r, Settings{Weights: map[string]int{Unchecked: 7}}); p.Score != 7 {
		t.Errorf("unchecked weighted 7: score %d", p.Score)
	}
	// Nothing looked for (no precedents at all, or nothing to check) is not unchecked.
	r = withPrecedents()
	r.Precedents.FirstSeen.Status = report.StatusEmpty
	r.Precedents.ClosedBenign.Status = report.StatusEmpty
	for _, r := range []*report.Report{base(), r} {
		if _, _, ok := points(Score(r, Settings{}), Unchecked); ok {
			t.Error("unchecked with nothing to check")
		}
	}
}

func TestClosedBenignHistory(t *testing.T) {
	r := withPrecedents()
	r.Incident.Severity = triage.SeverityMedium
	r.Precedents.ClosedBenign.Incidents = []report.BenignIncident{
		{Number: 108, Classification: triage.ClassBenignPositive, Shared: []string{"srv-sql-01", `CONTOSO\svc-sql`}},
		{Number: 97, Classification: triage.ClassFalsePositive, Shared: []string{"srv-sql-01"}},
	}
	p := Score(r, Settings{})
	got, detail, ok := points(p, ClosedBenign)
	if !ok || got != -15 || !strings.Contains(detail, "#108 (BenignPositive") || !strings.Contains(detail, "#97 (FalsePositive") ||
		!strings.Contains(detail, `CONTOSO\svc-sql`) {
		t.Errorf("closed_benign_history: %d %q (%v)", got, detail, ok)
	}
	if p.Score != 0 {
		t.Errorf("medium (10) with a benign history (-15) scores %d, want 0 (capped)", p.Score)
	}
	// Found on a partial answer: the incidents found are real.
	r.Precedents.ClosedBenign.Status = report.StatusPartial
	p = Score(r, Settings{})
	if _, _, ok := points(p, ClosedBenign); !ok {
		t.Error("a partial answer's incidents are not counted")
	}
	if _, _, ok := points(p, Unchecked); ok {
		t.Error("a partial answer that found incidents is called unchecked")
	}
}

// withPrivileged is withPrecedents() whose privileged-accounts check found
// grace holding Global Administrator, and checked jordan too.
func withPrivileged() *report.Report {
	r := withPrecedents()
	r.Precedents.Privileged = report.PrivilegedAccounts{Status: report.StatusOK, Checked: []string{"grace", "jordan"},
		Accounts: []report.PrivilegedAccount{{Entity: "Account:grace", Name: "grace", Privileges: []string{"Global Administrator"}, Seen: t0}}}
	return r
}

// privileged_account names the accounts and what they hold; it is off
// when no account holds anything, weighted as configured, and not counted
// again for an account privileged_change already names.
func TestPrivilegedAccount(t *testing.T) {
	r := withPrivileged()
	got, detail, ok := points(Score(r, Settings{}), PrivilegedAccount)
	if !ok || got != 20 || !strings.Contains(detail, "grace (Global Administrator)") || strings.Contains(detail, "jordan") {
		t.Errorf("privileged_account: %d %q (%v)", got, detail, ok)
	}
	if got, _, _ := points(Score(r, Settings{Weights: map[string]int{PrivilegedAccount: 30}}), PrivilegedAccount); got != 30 {
		t.Errorf("weighted privileged_account: %d, want 30", got)
	}
	if _, d, ok := points(Score(r, Settings{Weights: map[string]int{PrivilegedAccount: 0}}), PrivilegedAccount); ok {
		t.Errorf("privileged_account weighted 0 is shown: %q", d)
	}
	r.Precedents.Privileged.Accounts = []report.PrivilegedAccount{}
	if _, d, ok := points(Score(r, Settings{}), PrivilegedAccount); ok {
		t.Errorf("privileged_account with no account holding anything: %q", d)
	}

	// grace's change of Global Administrator counts once, as the change;
	// mallory, who holds Domain Admins and changed nothing, still counts.
	r = withPrivileged()
	r.Summaries = []report.Summary{privSummary("grace", "Add member to role", "Global Administrator")}
	p := Score(r, Settings{})
	if _, d, ok := points(p, PrivilegedAccount); ok {
		t.Errorf("grace counted by both privileged_change and privileged_account: %q", d)
	}
	if _, _, ok := points(p, PrivilegedChange); !ok {
		t.Error("privileged_change is gone")
	}
	r.Precedents.Privileged.Accounts = append(r.Precedents.Privileged.Accounts,
		report.PrivilegedAccount{Entity: "Account:mallory", Name: "mallory", Privileges: []string{"Domain Admins"}})
	if _, d, ok := points(Score(r, Settings{}), PrivilegedAccount); !ok || !strings.Contains(d, "mallory (Domain Admins)") || strings.Contains(d, "grace") {
		t.Errorf("privileged_account beside grace's change: %q (%v)", d, ok)
	}
}

// A workspace without IdentityInfo (skipped) adds nothing, not even
// unchecked; a failed or partial read that found nothing is unchecked,
// in the one unchecked reason with the other checks; a partial read that
// found an account counts it.
func TestPrivilegedAccountUnchecked(t *testing.T) {
	r := withPrivileged()
	r.Precedents.Privileged = report.PrivilegedAccounts{Status: report.StatusSkipped, Reason: "the workspace has no IdentityInfo table",
		Checked: []string{"grace"}, Accounts: []report.PrivilegedAccount{}}
	p := Score(r, Settings{})
	for _, f := range []string{PrivilegedAccount, Unchecked} {
		if _, d, ok := points(p, f); ok {
			t.Errorf("no IdentityInfo table: %s %q", f, d)
		}
	}
	for _, st := range []report.Status{report.StatusError, report.StatusPartial} {
		r := withPrivileged()
		r.Precedents.Privileged.Status, r.Precedents.Privileged.Reason = st, "throttled"
		r.Precedents.Privileged.Accounts = []report.PrivilegedAccount{}
		r.Precedents.ClosedBenign.Status, r.Precedents.ClosedBenign.Reason = report.StatusError, "timed out"
		p := Score(r, Settings{})
		if _, _, ok := points(p, PrivilegedAccount); ok {
			t.Errorf("%s: privileged_account applies", st)
		}
		n := 0
		for _, x := range p.Reasons {
			if x.Factor == Unchecked {
				n++
			}
		}
		_, d, _ := points(p, Unchecked)
		if n != 1 || !strings.Contains(d, "grace, jordan hold privileged roles or groups (throttled)") || !strings.Contains(d, "timed out") {
			t.Errorf("%s: %d unchecked reasons, %q", st, n, d)
		}
	}
	r = withPrivileged()
	r.Precedents.Privileged.Status, r.Precedents.Privileged.Reason = report.StatusPartial, "PartialError"
	p = Score(r, Settings{})
	if _, d, ok := points(p, PrivilegedAccount); !ok || !strings.Contains(d, "grace") {
		t.Errorf("partial with grace found: %q (%v)", d, ok)
	}
	if _, d, ok := points(p, Unchecked); ok {
		t.Errorf("partial with grace found is unchecked: %q", d)
	}
}
