package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// pt0 is the creation of the incident the precedents tests triage.
var pt0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func newEntity(t *testing.T, kind triage.Kind, props map[string]any) triage.Entity {
	t.Helper()
	e, err := triage.NewEntity(kind, props)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func signin(at time.Time, ip string) map[string]any {
	return map[string]any{"TimeGenerated": at, "UserPrincipalName": "bob@contoso.com", "IPAddress": ip, "ResultType": "0"}
}

func TestFirstSeen(t *testing.T) {
	first := pt0.Add(-time.Hour)
	ws := memWorkspace(t, map[string][]map[string]any{
		"SigninLogs": {
			signin(pt0.Add(-5*24*time.Hour), "203.0.113.5"),   // seen
			signin(pt0.Add(-40*24*time.Hour), "192.0.2.9"),    // before the lookback
			signin(first, "192.0.2.9"),                        // the first activity itself: not before it
			signin(pt0.Add(-3*24*time.Hour), "2001:DB8::7"),   // logged in upper case
			signin(pt0.Add(-3*24*time.Hour), "192.0.2.99"),    // 192.0.2.9 is a prefix of it: no match
			signin(pt0.Add(-3*24*time.Hour), "10.0.0.10"),     // private: never asked about
			signin(pt0.Add(-2*24*time.Hour), "198.51.100.70"), // a prefix of 198.51.100.7 is not it
		},
		"AADNonInteractiveUserSignInLogs": {
			signin(pt0.Add(-2*24*time.Hour), "198.51.100.7"), // seen, non-interactively
		},
	})
	inc := triage.Incident{Name: "cur", Number: 20, Title: "Suspicious sign-in", Created: pt0, FirstActivity: first}
	var ents []triage.Entity
	for _, a := range []string{"203.0.113.5", "192.0.2.9", "2001:db8::7", "10.0.0.10", "198.51.100.7", "fe80::1"} {
		ents = append(ents, newEntity(t, triage.KindIP, map[string]any{"address": a}))
	}
	ents = append(ents, newEntity(t, triage.KindAccount, map[string]any{"accountName": "bob", "upnSuffix": "contoso.com"}))

	got := pipeline.FirstSeen(context.Background(), ws, inc, ents, nil, 30*24*time.Hour)
	if got.Status != report.StatusOK {
		t.Fatalf("status %s: %s", got.Status, got.Reason)
	}
	if want := []string{"192.0.2.9", "198.51.100.7", "2001:db8::7", "203.0.113.5"}; !slices.Equal(got.Checked, want) {
		t.Errorf("checked %v, want %v (no private or link-local address)", got.Checked, want)
	}
	if want := []string{"192.0.2.9"}; !slices.Equal(got.New, want) {
		t.Errorf("new %v, want %v", got.New, want)
	}
	if !got.End.Equal(first) || !got.Start.Equal(first.Add(-30*24*time.Hour)) {
		t.Errorf("looked from %s to %s", got.Start, got.End)
	}

	// Batched = single: each address alone is new exactly when it is in the batch.
	for _, e := range ents {
		alone := pipeline.FirstSeen(context.Background(), ws, inc, []triage.Entity{e}, nil, 30*24*time.Hour)
		for _, a := range alone.Checked {
			if slices.Contains(alone.New, a) != slices.Contains(got.New, a) {
				t.Errorf("%s: new alone %v, in the batch %v", a, alone.New, got.New)
			}
		}
	}

	// An address the configuration calls internal is not checked.
	inds := []report.Indicator{{Value: "203.0.113.5", Type: "ipv4", Internal: true, Withheld: "internal"}}
	got = pipeline.FirstSeen(context.Background(), ws, inc, ents, inds, 30*24*time.Hour)
	if slices.Contains(got.Checked, "203.0.113.5") {
		t.Errorf("a configured internal address is checked: %v", got.Checked)
	}

	// No address to check is empty, not new.
	got = pipeline.FirstSeen(context.Background(), ws, inc, ents[3:4], nil, 30*24*time.Hour)
	if got.Status != report.StatusEmpty || len(got.New) != 0 {
		t.Errorf("private address only: %s %v", got.Status, got.New)
	}
}

// failing is a workspace whose named queries fail.
type failing struct {
	workspace.Workspace
	names []string
}

func (f failing) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	if slices.Contains(f.names, name) {
		return workspace.Table{}, errors.New("throttled (429)")
	}
	return f.Workspace.Run(ctx, name, p)
}

// partial is a workspace whose named queries' answers are marked partial.
type partial struct{ workspace.Workspace }

func (p partial) Run(ctx context.Context, name string, params workspace.Params) (workspace.Table, error) {
	t, err := p.Workspace.Run(ctx, name, params)
	t.Warnings = append(t.Warnings, "PartialError: query exceeded the limit")
	return t, err
}

// One failing query leaves its check in error (and a problem), the other
// check made; the priority says which could not be checked.
func TestPrecedentsFailing(t *testing.T) {
	ws := closedBenignWorkspace(t)
	r := &report.Report{Incident: curIncident(), Alerts: curAlerts(), Entities: curEntities(t), Window: report.Window{End: pt0.Add(time.Hour)}}
	for _, name := range []string{"first_seen_addresses", "closed_benign_alerts"} {
		var probs []triage.Problem
		p := pipeline.Precedents(context.Background(), failing{ws, []string{name}}, r, 0, func(p triage.Problem) { probs = append(probs, p) })
		failed, made := p.FirstSeen.Status, p.ClosedBenign.Status
		if name == "closed_benign_alerts" {
			failed, made = made, failed
		}
		if failed != report.StatusError || made != report.StatusOK {
			t.Errorf("%s failing: first seen %s, closed benign %s", name, p.FirstSeen.Status, p.ClosedBenign.Status)
		}
		if len(probs) != 1 || !strings.Contains(probs[0].What, "throttled") {
			t.Errorf("%s failing: problems %v", name, probs)
		}
		if !strings.Contains(p.FirstSeen.Reason+p.ClosedBenign.Reason, "throttled (429)") {
			t.Errorf("%s failing: the reason does not say why: %+v", name, p)
		}
	}
	p := pipeline.Precedents(context.Background(), partial{ws}, r, 0, func(triage.Problem) {})
	if p.FirstSeen.Status != report.StatusPartial || p.ClosedBenign.Status != report.StatusPartial {
		t.Errorf("partial answers: first seen %s, closed benign %s", p.FirstSeen.Status, p.ClosedBenign.Status)
	}
}

// The incident the closed-as-benign tests triage: "Suspicious sign-in",
// alert "Sign-in from a rare address", naming 203.0.113.5 and bob.
func curIncident() triage.Incident {
	return triage.Incident{Name: "cur", Number: 20, Title: "Suspicious sign-in", Created: pt0, FirstActivity: pt0.Add(-time.Hour)}
}

func curAlerts() []triage.Alert {
	return []triage.Alert{{ID: "a-cur", Name: "Sign-in from a rare address"}}
}

func curEntities(t *testing.T) []triage.Entity {
	return []triage.Entity{
		newEntity(t, triage.KindIP, map[string]any{"address": "203.0.113.5"}),
		newEntity(t, triage.KindAccount, map[string]any{"accountName": "bob", "upnSuffix": "contoso.com"}),
	}
}

// closedBenignWorkspace holds earlier incidents, each with one alert, of
// which only #11, #12 and #17 are this rule closed as benign with a shared
// entity.
func closedBenignWorkspace(t *testing.T) workspace.Workspace {
	type inc struct {
		number        int
		title, alert  string
		status, class string
		created       time.Duration // before pt0
		entities      string
	}
	ip := func(a string) string { return fmt.Sprintf(`[{"$id":"1","Type":"ip","Address":"%s"}]`, a) }
	acct := func(n, s string) string {
		return fmt.Sprintf(`[{"$id":"1","Type":"account","Name":"%s","UPNSuffix":"%s"}]`, n, s)
	}
	day := 24 * time.Hour
	incs := []inc{
		{11, "Suspicious sign-in", "Other alert", "Closed", "BenignPositive", 3 * day, ip("203.0.113.5")},                    // same title
		{12, "Another title", "Sign-in from a rare address", "Closed", "FalsePositive", 4 * day, acct("bob", "contoso.com")}, // same alert name, the account
		{13, "Suspicious sign-in", "Sign-in from a rare address", "Closed", "TruePositive", 5 * day, ip("203.0.113.5")},      // not benign
		{14, "Suspicious sign-in", "Sign-in from a rare address", "Active", "", 5 * day, ip("203.0.113.5")},                  // not closed
		{15, "Other rule", "Other alert", "Closed", "BenignPositive", 5 * day, ip("203.0.113.5")},                            // another rule
		{16, "Suspicious sign-in", "Sign-in from a rare address", "Closed", "BenignPositive", 5 * day, ip("203.0.113.50")},   // a prefix of no use
		{17, "SUSPICIOUS SIGN-IN", "x", "Closed", "BenignPositive", 6 * day, acct("BOB", "CONTOSO.COM")},                     // case does not matter
		{18, "Suspicious sign-in", "Sign-in from a rare address", "Closed", "BenignPositive", 40 * day, ip("203.0.113.5")},   // before the lookback
		{21, "Suspicious sign-in", "Sign-in from a rare address", "Closed", "BenignPositive", -day, ip("203.0.113.5")},       // created after
	}
	recs := map[string][]map[string]any{}
	for _, x := range incs {
		created := pt0.Add(-x.created)
		id := fmt.Sprintf("a-%d", x.number)
		recs["SecurityIncident"] = append(recs["SecurityIncident"], map[string]any{
			"TimeGenerated": created.Add(2 * time.Hour), "IncidentName": fmt.Sprintf("inc-%d", x.number), "IncidentNumber": x.number,
			"Title": x.title, "Severity": "Medium", "Status": x.status, "Classification": x.class,
			"CreatedTime": created, "FirstActivityTime": created.Add(-time.Hour), "LastModifiedTime": created.Add(2 * time.Hour),
			"ClosedTime": created.Add(2 * time.Hour), "AlertIds": []any{id},
		})
		recs["SecurityAlert"] = append(recs["SecurityAlert"], map[string]any{
			"TimeGenerated": created.Add(-time.Minute), "SystemAlertId": id, "AlertName": x.alert, "DisplayName": x.alert,
			"AlertSeverity": "Medium", "Entities": x.entities, "ProviderName": "ASI Scheduled Alerts",
		})
	}
	// The incident itself, closed as benign with its own alert, is not its own history.
	recs["SecurityIncident"] = append(recs["SecurityIncident"], map[string]any{
		"TimeGenerated": pt0.Add(-time.Minute), "IncidentName": "cur", "IncidentNumber": 20, "Title": "Suspicious sign-in",
		"Severity": "Medium", "Status": "Closed", "Classification": "BenignPositive", "CreatedTime": pt0.Add(-2 * time.Minute),
		"AlertIds": []any{"a-cur"},
	})
	recs["SecurityAlert"] = append(recs["SecurityAlert"], map[string]any{
		"TimeGenerated": pt0.Add(-time.Hour), "SystemAlertId": "a-cur", "AlertName": "Sign-in from a rare address",
		"DisplayName": "Sign-in from a rare address", "AlertSeverity": "Medium", "Entities": ip("203.0.113.5"),
	})
	return memWorkspace(t, recs)
}

func TestClosedBenign(t *testing.T) {
	ws := closedBenignWorkspace(t)
	got := pipeline.ClosedBenign(context.Background(), ws, curIncident(), curAlerts(), curEntities(t), 30*24*time.Hour, pt0.Add(time.Hour))
	if got.Status != report.StatusOK {
		t.Fatalf("status %s: %s", got.Status, got.Reason)
	}
	var numbers []int
	for _, bi := range got.Incidents {
		numbers = append(numbers, bi.Number)
	}
	if want := []int{17, 12, 11}; !slices.Equal(numbers, want) {
		t.Fatalf("incidents %v, want %v: %+v", numbers, want, got.Incidents)
	}
	i11, i12 := got.Incidents[2], got.Incidents[1]
	if i11.Classification != triage.ClassBenignPositive || i11.Title != "Suspicious sign-in" || !slices.Equal(i11.Shared, []string{"203.0.113.5"}) {
		t.Errorf("#11: %+v", i11)
	}
	if i12.Classification != triage.ClassFalsePositive || len(i12.Shared) != 1 || !strings.Contains(i12.Shared[0], "bob") {
		t.Errorf("#12: %+v", i12)
	}

	// No entity: nothing to match, said so.
	got = pipeline.ClosedBenign(context.Background(), ws, curIncident(), curAlerts(), nil, 30*24*time.Hour, pt0)
	if got.Status != report.StatusEmpty || len(got.Incidents) != 0 {
		t.Errorf("no entity: %s %v", got.Status, got.Incidents)
	}
}

// identity is an IdentityInfo row.
func identity(at time.Time, upn, sid, oid string, roles, groups []any) map[string]any {
	return map[string]any{"TimeGenerated": at, "AccountUPN": upn, "AccountSID": sid, "AccountObjectId": oid,
		"AccountName": strings.Split(upn, "@")[0], "AssignedRoles": roles, "GroupMembership": groups}
}

// privilegedWorkspace holds the IdentityInfo rows TestPrivilegedAccounts
// reads; the incident was created at pt0 and the lookback is 30 days.
func privilegedWorkspace(t *testing.T) workspace.Workspace {
	day := 24 * time.Hour
	start := pt0.Add(-30 * day)
	const bobOID = "0b0b0b0b-0000-4000-8000-000000000001"
	return memWorkspace(t, map[string][]map[string]any{"IdentityInfo": {
		// bob by UPN, written in another case: his latest row is read, not
		// the older one that had him in Enterprise Admins.
		identity(pt0.Add(-10*day), "BOB@Contoso.com", "", bobOID, []any{}, []any{"Enterprise Admins", "Finance"}),
		identity(pt0.Add(-2*day), "bob@contoso.com", "", bobOID, []any{"Global Administrator"}, []any{"Finance"}),
		// Another bob, of another tenant: never bob's.
		identity(pt0.Add(-day), "bob@fabrikam.com", "", "0b0b0b0b-0000-4000-8000-000000000002", []any{}, []any{"Domain Admins"}),
		// carol by SID only, her group in lower case.
		identity(pt0.Add(-3*day), "", "s-1-5-21-1-2-3-1105", "", nil, []any{"domain admins"}),
		// dave by object id, in upper case: his role and group are not
		// privileged (a name that contains one is not it).
		identity(pt0.Add(-3*day), "dave@contoso.com", "", "DDDDDDDD-0000-4000-8000-000000000004",
			[]any{"Global Reader"}, []any{"Administrators of the wiki"}),
		// erin: the row at the lookback's start counts, the one a second
		// before it does not.
		identity(start.Add(-time.Second), "erin@contoso.com", "", "", []any{}, []any{"Domain Admins"}),
		identity(start, "erin@contoso.com", "", "", []any{"Owner"}, []any{}),
		// frank: only after the window's end.
		identity(pt0.Add(2*time.Hour), "frank@contoso.com", "", "", []any{"Global Administrator"}, []any{}),
	}})
}

func privilegedEntities(t *testing.T) []triage.Entity {
	return []triage.Entity{
		newEntity(t, triage.KindAccount, map[string]any{"accountName": "bob", "upnSuffix": "contoso.com"}),
		newEntity(t, triage.KindAccount, map[string]any{"accountName": "carol", "ntDomain": "CONTOSO", "sid": "S-1-5-21-1-2-3-1105"}),
		newEntity(t, triage.KindAccount, map[string]any{"accountName": "dave", "aadUserId": "dddddddd-0000-4000-8000-000000000004"}),
		newEntity(t, triage.KindAccount, map[string]any{"accountName": "erin", "upnSuffix": "contoso.com"}),
		newEntity(t, triage.KindAccount, map[string]any{"accountName": "frank", "upnSuffix": "contoso.com"}),
		newEntity(t, triage.KindIP, map[string]any{"address": "203.0.113.5"}),
	}
}

// TestPrivilegedAccounts: the privileged_accounts query on a local
// workspace finds an account by UPN, SID or object id in any case, reads
// its latest row within the lookback (both ends included), keeps only the
// privileged names, whole, and never matches an account by its bare name.
func TestPrivilegedAccounts(t *testing.T) {
	ws := privilegedWorkspace(t)
	ents := privilegedEntities(t)
	end := pt0.Add(time.Hour)
	got := pipeline.PrivilegedAccounts(context.Background(), ws, curIncident(), ents, priority.PrivilegedNames, 30*24*time.Hour, end)
	if got.Status != report.StatusOK {
		t.Fatalf("status %s: %s", got.Status, got.Reason)
	}
	if !got.Start.Equal(pt0.Add(-30*24*time.Hour)) || !got.End.Equal(end) {
		t.Errorf("looked from %s to %s", got.Start, got.End)
	}
	var names []string
	for _, e := range ents[:5] {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	if !slices.Equal(got.Checked, names) {
		t.Errorf("checked %v, want the accounts %v", got.Checked, names)
	}
	want := map[string][]string{
		ents[0].Name: {"Global Administrator"},
		ents[1].Name: {"domain admins"},
		ents[3].Name: {"Owner"},
	}
	if len(got.Accounts) != len(want) {
		t.Errorf("accounts %+v, want %v", got.Accounts, want)
	}
	for _, a := range got.Accounts {
		if w, ok := want[a.Name]; !ok || !slices.Equal(a.Privileges, w) {
			t.Errorf("%s holds %v, want %v", a.Name, a.Privileges, w)
		}
	}
	if i := slices.IndexFunc(got.Accounts, func(a report.PrivilegedAccount) bool { return a.Name == ents[0].Name }); i < 0 ||
		!got.Accounts[i].Seen.Equal(pt0.Add(-2*24*time.Hour)) {
		t.Errorf("bob's row is not his latest: %+v", got.Accounts)
	}

	// Batched = single: each account alone holds what it holds in the batch.
	for _, e := range ents {
		alone := pipeline.PrivilegedAccounts(context.Background(), ws, curIncident(), []triage.Entity{e}, priority.PrivilegedNames, 30*24*time.Hour, end)
		for _, a := range alone.Accounts {
			if w := want[a.Name]; !slices.Equal(a.Privileges, w) {
				t.Errorf("%s alone holds %v, in the batch %v", a.Name, a.Privileges, w)
			}
		}
		if _, ok := want[e.Name]; ok != (len(alone.Accounts) == 1) {
			t.Errorf("%s alone: %+v", e.Name, alone.Accounts)
		}
	}

	// No account to look for is empty; the query is not asked.
	got = pipeline.PrivilegedAccounts(context.Background(), failing{ws, []string{"privileged_accounts"}}, curIncident(), ents[5:], priority.PrivilegedNames, 30*24*time.Hour, end)
	if got.Status != report.StatusEmpty || len(got.Accounts) != 0 {
		t.Errorf("no account: %s %+v", got.Status, got.Accounts)
	}
}

// noIdentityInfo is a workspace without the IdentityInfo table.
type noIdentityInfo struct{ workspace.Workspace }

func (w noIdentityInfo) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	if name == "privileged_accounts" {
		return workspace.Table{}, fmt.Errorf("query %s: %w", name, &workspace.NoTableError{Table: "IdentityInfo"})
	}
	return w.Workspace.Run(ctx, name, p)
}

// A workspace without IdentityInfo skips the check: no problem, no
// points, no unchecked reason. A failing query is an error, a problem and
// an unchecked reason naming the accounts.
func TestPrivilegedAccountsMissingOrFailing(t *testing.T) {
	ws := privilegedWorkspace(t)
	r := &report.Report{Incident: curIncident(), Alerts: curAlerts(), Entities: privilegedEntities(t), Window: report.Window{End: pt0.Add(time.Hour)}}
	var probs []triage.Problem
	p := pipeline.Precedents(context.Background(), noIdentityInfo{ws}, r, 0, func(p triage.Problem) { probs = append(probs, p) })
	if p.Privileged.Status != report.StatusSkipped || !strings.Contains(p.Privileged.Reason, "IdentityInfo") || len(probs) != 0 {
		t.Errorf("no IdentityInfo: %s %q, problems %v", p.Privileged.Status, p.Privileged.Reason, probs)
	}
	r.Precedents = p
	for _, x := range priority.Score(r, priority.Settings{}).Reasons {
		if x.Factor == priority.PrivilegedAccount || x.Factor == priority.Unchecked {
			t.Errorf("no IdentityInfo: reason %s %q", x.Factor, x.Detail)
		}
	}

	probs = nil
	p = pipeline.Precedents(context.Background(), failing{ws, []string{"privileged_accounts"}}, r, 0, func(p triage.Problem) { probs = append(probs, p) })
	if p.Privileged.Status != report.StatusError || !strings.Contains(p.Privileged.Reason, "throttled (429)") ||
		len(probs) != 1 || probs[0].Where != "privileged accounts query" {
		t.Errorf("failing: %s %q, problems %v", p.Privileged.Status, p.Privileged.Reason, probs)
	}
	r.Precedents = p
	got := priority.Score(r, priority.Settings{})
	i := slices.IndexFunc(got.Reasons, func(x report.PriorityReason) bool { return x.Factor == priority.Unchecked })
	if i < 0 || !strings.Contains(got.Reasons[i].Detail, "privileged roles or groups (privileged accounts: ") {
		t.Errorf("failing: reasons %+v", got.Reasons)
	}
}
