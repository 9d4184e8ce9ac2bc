package summary

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

func TestAccountOf(t *testing.T) {
	tests := []struct {
		name   string
		props  map[string]any
		strong []string
		forms  []string
	}{
		{"cloud account", map[string]any{"accountName": "Jordan.Reyes", "upnSuffix": "contoso-demo.example",
			"aadUserId": "9F7C9499-CF21-453A-A837-B17322923D47"},
			[]string{"9f7c9499-cf21-453a-a837-b17322923d47", "jordan.reyes@contoso-demo.example"},
			[]string{"9f7c9499-cf21-453a-a837-b17322923d47", "jordan.reyes", "jordan.reyes@contoso-demo.example"}},
		{"domain account", map[string]any{"accountName": "sam.taylor", "ntDomain": "CONTOSO", "upnSuffix": "contoso-demo.example",
			"sid": "S-1-5-21-1-2-3-1121"},
			[]string{`contoso\sam.taylor`, "s-1-5-21-1-2-3-1121", "sam.taylor@contoso-demo.example"},
			[]string{`contoso\sam.taylor`, "s-1-5-21-1-2-3-1121", "sam.taylor", "sam.taylor@contoso-demo.example"}},
		{"domain in the name, null SID", map[string]any{"accountName": `SRV-APP-01\admin`, "sid": "S-1-0-0"},
			[]string{`srv-app-01\admin`}, []string{"admin", `srv-app-01\admin`}},
		{"UPN as the name", map[string]any{"accountName": "alice@example.com"},
			[]string{"alice@example.com"}, []string{"alice", "alice@example.com"}},
		{"bare name", map[string]any{"accountName": "admin"}, nil, []string{"admin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := triage.NewEntity(triage.KindAccount, tc.props)
			id := accountOf(e)
			var strong []string
			for f := range id.strong {
				strong = append(strong, f)
			}
			slices.Sort(strong)
			if d := cmp.Diff(tc.strong, strong); d != "" {
				t.Errorf("strong forms (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.forms, id.values()); d != "" {
				t.Errorf("forms (-want +got):\n%s", d)
			}
		})
	}
}

// TestAccountCompromised: jordan.reyes, whose password the spray found.
func TestAccountCompromised(t *testing.T) {
	s := storySummaries(t)[keyJordan]
	secs := wantOK(t, s, "Sign-ins", "Host logons", "Azure activity", "Office 365 activity", "IP addresses used",
		"Group, role and account changes", "Related alerts")
	if got := factOf(s.Facts, "This account in the logs"); got != "jordan.reyes@contoso-demo.example" {
		t.Errorf("This account in the logs = %q", got)
	}
	// The on-premises account and the Linux login share the name and are
	// shown, labelled, never merged silently.
	if got := factOf(s.Facts, "Other accounts named jordan.reyes"); !strings.Contains(got, `contoso\jordan.reyes`) {
		t.Errorf("other accounts = %q", got)
	}

	si := secs["Sign-ins"]
	row := rowWith(t, si.Table, "IP address", "203.0.113.66")
	if row["Failed"] != "5" || row["Succeeded"] != "3" || row["Location"] != "Amsterdam, NL" || row["ASN"] != "AS64501" {
		t.Errorf("sign-ins from the attacker = %v", row)
	}
	if column(t, si.Table, "IP address")[0] != "203.0.113.66" {
		t.Errorf("the failing address is not first: %v", si.Table.Rows)
	}
	if !strings.Contains(factOf(si.Facts, "Risk levels"), "medium ×12") || !strings.Contains(factOf(si.Facts, "Locations"), "Amsterdam, NL") {
		t.Errorf("sign-in facts = %v", si.Facts)
	}
	rowWith(t, si.Table, "IP address", "2001:db8:bad:1::66")

	if !strings.Contains(factOf(secs["Azure activity"].Facts, "By operation"), "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE") {
		t.Errorf("Azure operations = %v", secs["Azure activity"].Facts)
	}
	rowWith(t, secs["Office 365 activity"].Table, "Operation", "New-InboxRule")

	ips := secs["IP addresses used"]
	if row := rowWith(t, ips.Table, "IP address", "203.0.113.66"); row["Location"] != "Amsterdam, Netherlands" ||
		row["ASN"] != "AS64501 Anonymizer VPS Hosting (demo)" || !strings.Contains(row["Seen in"], "SigninLogs") {
		t.Errorf("attacker address = %v", row)
	}
	if row := rowWith(t, ips.Table, "IP address", "10.0.2.25"); row["Location"] != "private" || !strings.Contains(row["Account"], "(other account)") {
		t.Errorf("on-premises logon address = %v", row)
	}

	ch := secs["Group, role and account changes"]
	added := rowWith(t, ch.Table, "Operation", "Add member to group")
	if added["As"] != "actor" || added["Detail"] != "Cloud-Finance-Admins" || !strings.Contains(added["Object"], "Invoice Viewer Pro") {
		t.Errorf("group change = %v", added)
	}
	role := rowWith(t, ch.Table, "Operation", "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE")
	if !strings.HasPrefix(role["Detail"], "Owner to ServicePrincipal ") || !strings.Contains(role["Detail"], "rg-finance-prod") {
		t.Errorf("role assignment = %v", role)
	}
	if !slices.Contains(column(t, secs["Related alerts"].Table, "Alert"), "Successful sign-in after password spray") {
		t.Errorf("related alerts = %v", secs["Related alerts"].Table.Rows)
	}
}

// TestAccountWorkstationUser: sam.taylor, who opened the attachment; and
// svc-backup, the local administrator the implant created.
func TestAccountWorkstationUser(t *testing.T) {
	sums := storySummaries(t)
	s := sums[keySam]
	secs := wantOK(t, s, "Sign-ins", "Host logons", "Office 365 activity", "IP addresses used",
		"Group, role and account changes", "Related alerts")
	wantStatus(t, sectionOf(t, s, "Azure activity"), report.StatusEmpty, "no Azure operation by sam.taylor")
	if got := factOf(s.Facts, "This account in the logs"); got != `contoso\sam.taylor, sam.taylor@contoso-demo.example` {
		t.Errorf("This account in the logs = %q", got)
	}
	if !slices.Contains(column(t, secs["Host logons"].Table, "Host"), "WKS-FIN-07.contoso-demo.example") {
		t.Errorf("logons = %v", secs["Host logons"].Table.Rows)
	}
	created := rowWith(t, secs["Group, role and account changes"].Table, "Operation", "4720 - A user account was created.")
	if created["As"] != "actor" || created["Object"] != `WKS-FIN-07\svc-backup` {
		t.Errorf("account creation = %v", created)
	}
	// The phishing alert names sam.taylor's mailbox, not an account entity.
	if !slices.Contains(column(t, secs["Related alerts"].Table, "Named as"), "sam.taylor@contoso-demo.example (mailbox)") {
		t.Errorf("related alerts = %v", secs["Related alerts"].Table.Rows)
	}

	s = sums[keyRogue]
	secs = wantOK(t, s, "Host logons", "Group, role and account changes")
	row := rowWith(t, secs["Host logons"].Table, "Host", "SRV-FILE-01.contoso-demo.example")
	if row["Failures"] != "6" || row["From"] != "10.0.0.10" {
		t.Errorf("svc-backup logons = %v", row)
	}
	var as []string
	for _, r := range secs["Group, role and account changes"].Table.Rows {
		as = append(as, r[slices.Index(secs["Group, role and account changes"].Table.Headers(), "As")])
	}
	slices.Sort(as)
	if d := cmp.Diff([]string{"member", "target"}, as); d != "" {
		t.Errorf("svc-backup created and added to Administrators (-want +got):\n%s", d)
	}
}

// TestAccountNameSharedByAccounts: the bare name "admin" is an Entra ID name
// the spray tried, a local account on SRV-APP-01 the penetration test tried,
// and a Linux login the SSH scanners tried. All are summarised and labelled.
func TestAccountNameSharedByAccounts(t *testing.T) {
	s := storySummaries(t)["Account:admin"]
	secs := wantOK(t, s, "Sign-ins", "Host logons", "IP addresses used")
	got := factOf(s.Facts, "Accounts named admin")
	for _, want := range []string{"admin@contoso-demo.example", `srv-app-01\admin`, `web-lnx-01\admin`} {
		if !strings.Contains(got, want) {
			t.Errorf("Accounts named admin = %q, missing %s", got, want)
		}
	}
	if !strings.Contains(got, "accounts share the name") {
		t.Errorf("Accounts named admin = %q", got)
	}
	if got := column(t, secs["Sign-ins"].Table, "Account"); !slices.Equal(got, []string{"admin@contoso-demo.example"}) {
		t.Errorf("sign-in accounts = %v", got)
	}
	logons := column(t, secs["Host logons"].Table, "Account")
	for _, want := range []string{`srv-app-01\admin`, `web-lnx-01\admin`} {
		if !slices.Contains(logons, want) {
			t.Errorf("logon accounts %v lack %s", logons, want)
		}
	}
}

// TestAccountChangesLatestDetailed: an administrator's changes are all
// counted, and the table shows the latest ones with what changed, as the
// full list would, however few rows the summary keeps.
func TestAccountChangesLatestDetailed(t *testing.T) {
	grace, err := triage.NewEntity(triage.KindAccount, map[string]any{"accountName": "grace.patel@contoso-demo.example"})
	if err != nil {
		t.Fatal(err)
	}
	changes := func(max int) report.SummarySection {
		env := demoEnv(t)
		env.MaxRows = max
		return sectionOf(t, Summarize(context.Background(), env, []triage.Entity{grace})[0], "Group, role and account changes")
	}
	all, few := changes(1000), changes(3)
	n, _ := strconv.Atoi(factOf(all.Facts, "Changes"))
	if n <= 3 || len(all.Table.Rows) != n {
		t.Fatalf("%d changes, %d rows: want more than 3, all shown", n, len(all.Table.Rows))
	}
	if d := cmp.Diff(all.Facts, few.Facts); d != "" {
		t.Errorf("facts differ with 3 rows kept (-all +few):\n%s", d)
	}
	if d := cmp.Diff(all.Table.Rows[:3], few.Table.Rows); d != "" {
		t.Errorf("the latest 3 changes differ (-all +few):\n%s", d)
	}
	for _, r := range few.Table.Rows {
		if r[slices.Index(few.Table.Headers(), "Object")] == "" || r[slices.Index(few.Table.Headers(), "By")] == "" {
			t.Errorf("a change without its details: %v", r)
		}
	}
}
