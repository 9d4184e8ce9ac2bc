package priority

import (
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
)

// points returns the points of factor in p, and whether it is there.
func points(p report.Priority, factor string) (int, string, bool) {
	for _, x := range p.Reasons {
		if x.Factor == factor {
			return x.Points, x.Detail, true
		}
	}
	return 0, "", false
}

func host(name, fqdn string) triage.Entity {
	props := map[string]any{"hostName": name}
	if fqdn != "" {
		props["fqdn"] = fqdn
	}
	return triage.Entity{Kind: triage.KindHost, Key: "Host:" + name, Name: name, Properties: props}
}

func account(name, suffix, dom string) triage.Entity {
	props := map[string]any{"accountName": name, "upnSuffix": suffix, "ntDomain": dom}
	return triage.Entity{Kind: triage.KindAccount, Key: "Account:" + name, Name: name, Properties: props}
}

func changesSummary(kind triage.Kind, name, section string, rows int) report.Summary {
	t := &report.Table{Columns: []report.Column{{Name: "Operation", Header: "Operation", Type: report.ColLabel}}}
	for range rows {
		t.Rows = append(t.Rows, []string{"x"})
	}
	return report.Summary{Kind: kind, Name: name, Sections: []report.SummarySection{{Name: section, Status: report.StatusOK, Table: t}}}
}

// privSummary is an account summary whose changes section has one row.
func privSummary(name, op, object string) report.Summary {
	t := &report.Table{Columns: []report.Column{{Name: "Operation", Header: "Operation", Type: report.ColLabel},
		{Name: "Object", Header: "Object", Type: report.ColLabel}}, Rows: [][]string{{op, object}}}
	return report.Summary{Entity: "Account:" + name, Kind: triage.KindAccount, Name: name,
		Sections: []report.SummarySection{{Name: summary.SectionAccountChanges, Status: report.StatusOK, Table: t}}}
}

func base() *report.Report {
	return &report.Report{TI: report.TI{Severity: intel.SeverityNone, Complete: true}}
}

func TestEachFactorOnAndOff(t *testing.T) {
	for _, tc := range []struct {
		factor string
		on     func(r *report.Report)
		want   int
		detail string
	}{
		{TIHigh, func(r *report.Report) {
			r.TI.Severity = intel.SeverityHigh
			r.TI.Reasons = []intel.Result{{Indicator: "203.0.113.7", Provider: "otx", Severity: intel.SeverityHigh}}
		}, 40, "203.0.113.7 (otx)"},
		{TIWarning, func(r *report.Report) { r.TI.Severity = intel.SeverityWarning }, 20, "warning"},
		{TIIncomplete, func(r *report.Report) {
			r.TI.Complete = false
			r.TI.Results = []intel.Result{{Status: intel.StatusOK}, {Status: intel.StatusRateLimited}}
		}, 5, "1 of 2 lookups"},
		{SeverityHigh, func(r *report.Report) {
			r.Incident.Severity = triage.SeverityLow
			r.Alerts = []triage.Alert{{Name: "Implant", Severity: triage.SeverityHigh}}
		}, 20, "alert Implant is High"},
		{SeverityMedium, func(r *report.Report) { r.Incident.Severity = triage.SeverityMedium }, 10, "the incident is Medium"},
		{SeverityLow, func(r *report.Report) { r.Incident.Severity = triage.SeverityLow }, 3, "the incident is Low"},
		{Alerts, func(r *report.Report) { r.Alerts = make([]triage.Alert, 3) }, 6, "3 alerts"},
		{Alerts, func(r *report.Report) { r.Alerts = make([]triage.Alert, 30) }, 15, "30 alerts"}, // counted up to Max
		// The incident's own count, not the report's alerts (an import's
		// entity carrier is one of those).
		{Alerts, func(r *report.Report) { r.Incident.AlertCount, r.Alerts = 3, make([]triage.Alert, 4) }, 6, "3 alerts"},
		{EntityKinds, func(r *report.Report) { r.Entities = []triage.Entity{host("a", ""), account("b", "", "")} }, 2, "Account, Host"},
		{AccountChanges, func(r *report.Report) {
			r.Summaries = []report.Summary{changesSummary(triage.KindAccount, "jordan", summary.SectionAccountChanges, 2)}
		}, 5, "jordan (2 changes)"},
		{PrivilegedChange, func(r *report.Report) {
			r.Summaries = []report.Summary{privSummary("jordan", "Add member to role", "Global Administrator")}
		}, 20, "jordan (Global Administrator)"},
		{PrivilegedAccount, func(r *report.Report) {
			r.Precedents = &report.Precedents{Privileged: report.PrivilegedAccounts{Status: report.StatusOK,
				Checked:  []string{"grace", "jordan"},
				Accounts: []report.PrivilegedAccount{{Entity: "Account:grace", Name: "grace", Privileges: []string{"Domain Admins", "Global Administrator"}}}}}
		}, 20, "grace (Domain Admins, Global Administrator)"},
		{HostAccountChanges, func(r *report.Report) {
			r.Summaries = []report.Summary{changesSummary(triage.KindHost, "wks-07", summary.SectionHostChanges, 1)}
		}, 10, "wks-07 (1 change)"},
		{ServerHost, func(r *report.Report) {
			r.Summaries = []report.Summary{{Kind: triage.KindHost, Name: "srv-app-01", Roles: []string{summary.RoleServer}}}
		}, 10, "server srv-app-01"},
		{DomainController, func(r *report.Report) {
			r.Summaries = []report.Summary{{Kind: triage.KindHost, Name: "dc01", Roles: []string{summary.RoleServer, summary.RoleDomainController}}}
		}, 20, "domain controller dc01"},
		{RelatedAlerts, func(r *report.Report) {
			r.RelatedAlerts = []report.Related{{Name: "10.0.0.1", Alerts: []report.RelatedAlert{{ID: "a"}, {ID: "b"}}},
				{Name: "bob", Alerts: []report.RelatedAlert{{ID: "b"}}}}
		}, 4, "2 other alerts outside the incident name 10.0.0.1, bob"},
	} {
		off := Score(base(), Settings{})
		if _, _, ok := points(off, tc.factor); ok {
			t.Errorf("%s applies to an empty report", tc.factor)
		}
		r := base()
		tc.on(r)
		p := Score(r, Settings{})
		got, detail, ok := points(p, tc.factor)
		if !ok || got != tc.want || !strings.Contains(detail, tc.detail) {
			t.Errorf("%s: got %d %q (%v), want %d with %q", tc.factor, got, detail, ok, tc.want, tc.detail)
		}
	}
}

func TestIncompleteVerdictSaysSo(t *testing.T) {
	r := base()
	r.TI.Severity, r.TI.Complete = intel.SeverityHigh, false
	r.TI.Results = []intel.Result{{Status: intel.StatusOK}, {Status: intel.StatusTimeout}}
	p := Score(r, Settings{})
	if _, d, _ := points(p, TIHigh); !strings.Contains(d, "incomplete: 1 of 2 lookups") {
		t.Errorf("high, incomplete: %q", d)
	}
	if _, _, ok := points(p, TIIncomplete); ok {
		t.Error("an incomplete high verdict also adds ti_incomplete: counted twice")
	}
}

func TestCapAndWeights(t *testing.T) {
	r := base()
	r.TI.Severity = intel.SeverityHigh
	r.Incident.Severity = triage.SeverityHigh
	r.Alerts = make([]triage.Alert, 10)
	r.Entities = []triage.Entity{host("dc-01", "")}
	p := Score(r, Settings{CrownJewels: []string{"DC-01"}, Weights: map[string]int{TIHigh: 60}})
	if p.Score != 100 {
		t.Errorf("score %d, want capped at 100 (%+v)", p.Score, p.Reasons)
	}
	if got, _, _ := points(p, TIHigh); got != 60 {
		t.Errorf("configured ti_high: %d, want 60", got)
	}
	if p.Reasons[0].Factor != TIHigh {
		t.Errorf("reasons not heaviest first: %+v", p.Reasons)
	}
	// Negative weights never take the score below 0; a weight of 0 turns
	// a factor off.
	r = base()
	r.Incident.Severity = triage.SeverityLow
	p = Score(r, Settings{Weights: map[string]int{SeverityLow: -30}})
	if p.Score != 0 {
		t.Errorf("score %d, want 0", p.Score)
	}
	p = Score(r, Settings{Weights: map[string]int{SeverityLow: 0}})
	if _, _, ok := points(p, SeverityLow); ok || p.Score != 0 {
		t.Errorf("a zero weight still applies: %+v", p)
	}
}

func TestCrownJewelsAndVIPsByIdentity(t *testing.T) {
	for _, tc := range []struct {
		ent   triage.Entity
		list  []string
		match bool
	}{
		{host("DC-01", ""), []string{"dc-01"}, true},
		{host("DC-01", ""), []string{"dc-01.contoso.com"}, true}, // known by short name alone
		{host("dc-01", "dc-01.contoso.com"), []string{"DC-01.CONTOSO.COM"}, true},
		{host("dc-01", "dc-01.contoso.com"), []string{"DC-01"}, true},
		{host("dc-01", "dc-01.fabrikam.com"), []string{"dc-01.contoso.com"}, false}, // another domain's host
		{host("dc-011", ""), []string{"dc-01"}, false},                              // no substrings
		{account("Alice", "contoso.com", "CONTOSO"), []string{"ALICE@contoso.com"}, true},
		{account("alice", "contoso.com", "CONTOSO"), []string{`contoso\ALICE`}, true},
		{account("alice", "", ""), []string{"Alice"}, true},
		{account("alice", "fabrikam.com", "FABRIKAM"), []string{"alice@contoso.com", `contoso\alice`}, false},
		{account("malice", "contoso.com", ""), []string{"alice"}, false},
	} {
		r := base()
		r.Entities = []triage.Entity{tc.ent}
		p := Score(r, Settings{CrownJewels: tc.list, VIPAccounts: tc.list})
		factor := CrownJewel
		if tc.ent.Kind == triage.KindAccount {
			factor = VIPAccount
		}
		_, _, ok := points(p, factor)
		if ok != tc.match {
			t.Errorf("%s %v against %v: matched %v, want %v", tc.ent.Kind, tc.ent.Properties, tc.list, ok, tc.match)
		}
	}
}

func TestTableNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Factors {
		if seen[f.Name] || f.Doc == "" {
			t.Errorf("factor %q repeated or undocumented", f.Name)
		}
		seen[f.Name] = true
	}
	if _, ok := Lookup("no_such"); ok {
		t.Error("Lookup found an unknown factor")
	}
}

// TestRolesFromSummariesOnly: a host named like a server or a DC whose
// summary found no role adds nothing, and a DC counts once, not also as a
// server.
func TestRolesFromSummariesOnly(t *testing.T) {
	r := base()
	r.Entities = []triage.Entity{host("DC01", ""), host("SRV-SQL-01", "")}
	r.Summaries = []report.Summary{{Kind: triage.KindHost, Name: "DC01"}, {Kind: triage.KindHost, Name: "SRV-SQL-01"}}
	p := Score(r, Settings{})
	if _, _, ok := points(p, ServerHost); ok {
		t.Errorf("server_host from a name: %+v", p.Reasons)
	}
	if _, _, ok := points(p, DomainController); ok {
		t.Errorf("domain_controller from a name: %+v", p.Reasons)
	}
	r.Summaries[0].Roles = []string{summary.RoleServer, summary.RoleDomainController}
	p = Score(r, Settings{})
	if _, d, ok := points(p, ServerHost); ok {
		t.Errorf("a domain controller also counts as a server: %q", d)
	}
	if _, d, _ := points(p, DomainController); !strings.Contains(d, "DC01") {
		t.Errorf("domain_controller: %q", d)
	}
}

// TestPrivilegedChangeOnlyForPrivilegedNames: a helpdesk change (a password
// reset, a member of a sales group) counts as account_changes only; an
// admin group's change as both.
func TestPrivilegedChangeOnlyForPrivilegedNames(t *testing.T) {
	r := base()
	r.Summaries = []report.Summary{privSummary("bob", "Reset user password", "bob@contoso.com"),
		privSummary("eve", "Add member to group", "Sales Team")}
	p := Score(r, Settings{})
	if _, d, ok := points(p, PrivilegedChange); ok {
		t.Errorf("a routine change is privileged: %q", d)
	}
	if got, _, _ := points(p, AccountChanges); got != 5 {
		t.Errorf("account_changes %d, want 5", got)
	}
	r.Summaries = append(r.Summaries, privSummary("mallory", "4728", `CONTOSO\Domain Admins`))
	p = Score(r, Settings{})
	if _, d, ok := points(p, PrivilegedChange); !ok || !strings.Contains(d, "mallory (Domain Admins)") || strings.Contains(d, "bob") {
		t.Errorf("privileged_change: %q (%v)", d, ok)
	}
	// The header is for readers: a column headed Object that holds another
	// field is not read.
	s := privSummary("zed", "Add member to role", "Global Administrator")
	s.Sections[0].Table.Columns[1].Name = "Note"
	r.Summaries = []report.Summary{s}
	if _, d, ok := points(Score(r, Settings{}), PrivilegedChange); ok {
		t.Errorf("read by header: %q", d)
	}
}
