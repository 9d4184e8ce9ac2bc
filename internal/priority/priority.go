// Package priority works out how urgently a triaged incident wants an
// analyst: a score from 0 (can wait) to 100 (look now) with its reasons.
//
// Contract: Score reads only the report it is given (the facts the triage
// already has: threat-intel verdict, severities, alerts, entities, related
// alerts, the entity summaries) and the settings; it does no I/O and is
// deterministic. Every reason names its factor, the points it adds and a
// detail an analyst can check against the report; the score is the sum of
// the reasons' points capped to 0..100. There is no model: the points of
// every factor are one table (Factors), which triage.yaml's
// priority.weights overrides factor by factor.
package priority

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
)

// The factors' names: the keys of priority.weights.
const (
	TIHigh             = "ti_high"
	TIWarning          = "ti_warning"
	TIIncomplete       = "ti_incomplete"
	SeverityHigh       = "severity_high"
	SeverityMedium     = "severity_medium"
	SeverityLow        = "severity_low"
	Alerts             = "alerts"
	EntityKinds        = "entity_kinds"
	AccountChanges     = "account_changes"
	HostAccountChanges = "host_account_changes"
	CrownJewel         = "crown_jewel"
	VIPAccount         = "vip_account"
	PrivilegedChange   = "privileged_change"
	PrivilegedAccount  = "privileged_account"
	ServerHost         = "server_host"
	DomainController   = "domain_controller"
	RelatedAlerts      = "related_alerts"
	FirstSeenAddress   = "first_seen_address"
	ClosedBenign       = "closed_benign_history"
	Unchecked          = "unchecked"
)

// Factor is one row of the table of weights.
type Factor struct {
	Name string
	// Points is the default weight: what the factor adds when it applies
	// (per unit, for the counted factors, up to Max units).
	Points int
	// Max is how many units a counted factor counts at most; 0 for a factor
	// that applies once.
	Max int
	// Doc says when the factor applies, for the documentation and config check.
	Doc string
}

// Factors is the one table of weights, with what each factor means.
var Factors = []Factor{
	{TIHigh, 40, 0, "threat intel rates an indicator of the incident high (the verdict is high)"},
	{TIWarning, 20, 0, "threat intel's verdict is warning"},
	{TIIncomplete, 5, 0, "some lookups failed or were not made in time: the verdict may lack what it would have said"},
	{SeverityHigh, 20, 0, "the incident or one of its alerts is High"},
	{SeverityMedium, 10, 0, "the highest severity of the incident and its alerts is Medium"},
	{SeverityLow, 3, 0, "the highest severity of the incident and its alerts is Low"},
	{Alerts, 3, 5, "per alert of the incident beyond the first"},
	{EntityKinds, 2, 5, "per distinct kind of entity beyond the first"},
	{PrivilegedChange, 20, 0, "an account of the incident made or underwent a change of a privileged role or group (PrivilegedNames) in the lookback"},
	{PrivilegedAccount, 20, 0, "an account of the incident holds a privileged role or group (PrivilegedNames) in its latest IdentityInfo row in the lookback; not counted again for an account privileged_change names"},
	{AccountChanges, 5, 0, "an account of the incident made or underwent group, role or account changes in the lookback (AuditLogs, SecurityEvent, Azure role assignments)"},
	{HostAccountChanges, 10, 0, "accounts or groups were changed on a host of the incident in the lookback (a local administrator created...)"},
	{CrownJewel, 25, 0, "a host of the incident is on priority.crown_jewels"},
	{VIPAccount, 20, 0, "an account of the incident is on priority.vip_accounts"},
	{ServerHost, 10, 0, "a host of the incident is a server, as its agents report it (a server OS, Defender's device type Server); a domain controller counts as domain_controller instead"},
	{DomainController, 20, 0, "a host of the incident is a domain controller, as its own events show (4728/4729/4756/4757 global or universal group changes, 4794 DSRM password)"},
	{RelatedAlerts, 2, 10, "per alert outside the incident that names one of its entities in the lookback"},
	{FirstSeenAddress, 10, 0, "an address of the incident outside the organisation's networks has no sign-in (SigninLogs, AADNonInteractiveUserSignInLogs) in the lookback before the incident's first activity"},
	{ClosedBenign, -15, 0, "an earlier incident in the lookback with the same title or alert name, whose alerts name an entity of this one, was closed as BenignPositive or FalsePositive"},
	// Shown even at 0 points: a factor that could not be checked never
	// reads as one that does not apply.
	{Unchecked, 0, 0, "the sign-ins, the closed incidents or the accounts' roles and groups that first_seen_address, closed_benign_history or privileged_account read could not be read (the query failed or was partial): that factor was not checked"},
}

// Lookup returns the factor named name.
func Lookup(name string) (Factor, bool) {
	i := slices.IndexFunc(Factors, func(f Factor) bool { return f.Name == name })
	if i < 0 {
		return Factor{}, false
	}
	return Factors[i], true
}

// Names are the factors' names, in the table's order.
func Names() []string {
	out := make([]string, len(Factors))
	for i, f := range Factors {
		out[i] = f.Name
	}
	return out
}

// Settings are the configured weights and lists.
type Settings struct {
	// Weights overrides the points of the factors it names; the others
	// keep Factors' defaults. A name not in Factors is ignored here
	// (config check reports it).
	Weights map[string]int `json:"weights,omitempty"`
	// Lookback is how far back first_seen_address looks for sign-ins,
	// closed_benign_history for closed incidents and privileged_account
	// for IdentityInfo rows; 0 is the pipeline's
	// default (pipeline.DefaultPrecedentsLookback). Score does not read it.
	Lookback time.Duration `json:"lookback,omitempty"`
	// CrownJewels are hosts, by short name or FQDN, in any case.
	CrownJewels []string `json:"crown_jewels,omitempty"`
	// VIPAccounts are accounts, by UPN, DOMAIN\name or name, in any case.
	VIPAccounts []string `json:"vip_accounts,omitempty"`
}

// points returns factor name's weight under s.
func (s Settings) points(name string) int {
	if p, ok := s.Weights[name]; ok {
		return p
	}
	f, _ := Lookup(name)
	return f.Points
}

// Score works out r's priority under s (see the package doc).
func Score(r *report.Report, s Settings) report.Priority {
	var reasons []report.PriorityReason
	add := func(factor string, units int, detail string) {
		p := s.points(factor)
		if f, _ := Lookup(factor); f.Max > 0 {
			p *= min(units, f.Max)
		}
		if p != 0 || factor == Unchecked {
			reasons = append(reasons, report.PriorityReason{Factor: factor, Points: p, Detail: detail})
		}
	}
	ti(r, add)
	severity(r, add)
	if n := alertCount(r); n > 1 {
		add(Alerts, n-1, english.Plural(n, "alert", "alerts")+" in the incident")
	}
	if kinds := entityKinds(r.Entities); len(kinds) > 1 {
		add(EntityKinds, len(kinds)-1, english.Plural(len(kinds), "kind", "kinds")+" of entity: "+strings.Join(kinds, ", "))
	}
	privs := changes(r, add)
	lists(r, s, add)
	roles(r, add)
	related(r, add)
	precedents(r, privs, add)

	score := 0
	for _, x := range reasons {
		score += x.Points
	}
	// The reasons that weigh most first: what the comment's one line shows.
	slices.SortStableFunc(reasons, func(a, b report.PriorityReason) int { return cmp.Compare(b.Points, a.Points) })
	if reasons == nil {
		reasons = []report.PriorityReason{}
	}
	return report.Priority{Score: max(0, min(100, score)), Reasons: reasons}
}

type adder func(factor string, units int, detail string)

// alertCount is how many alerts the incident has: its own count, as its
// workspace gives it (Incident.AlertCount, which Record.Current compares
// too), not the report's alerts, which may hold one more (triage import
// adds an alert that carries an exported incident's entities); the
// report's alerts when the workspace gave no count.
func alertCount(r *report.Report) int {
	if n := r.Incident.AlertCount; n > 0 {
		return n
	}
	return len(r.Alerts)
}

// ti adds the threat-intel verdict and, when it is incomplete, says so.
func ti(r *report.Report, add adder) {
	failed, total := 0, len(r.TI.Results)
	for _, res := range r.TI.Results {
		switch res.Status {
		case intel.StatusError, intel.StatusRateLimited, intel.StatusTimeout:
			failed++
		}
	}
	incomplete := ""
	if !r.TI.Complete {
		incomplete = fmt.Sprintf(" (incomplete: %d of %s failed or were not made)", failed, english.Plural(total, "lookup", "lookups"))
	}
	var rated []string
	for _, res := range r.TI.Reasons {
		if res.Severity == r.TI.Severity {
			rated = append(rated, res.Indicator+" ("+res.Provider+")")
		}
	}
	slices.Sort(rated)
	rated = slices.Compact(rated)
	what := ""
	if len(rated) > 0 {
		what = ": " + strings.Join(rated[:min(len(rated), 3)], ", ")
		if len(rated) > 3 {
			what += fmt.Sprintf(" and %d more", len(rated)-3)
		}
	}
	switch r.TI.Severity {
	case intel.SeverityHigh:
		add(TIHigh, 1, "threat intel rates the incident high"+what+incomplete)
	case intel.SeverityWarning:
		add(TIWarning, 1, "threat intel rates the incident warning"+what+incomplete)
	}
	if !r.TI.Complete && r.TI.Severity != intel.SeverityHigh {
		add(TIIncomplete, 1, fmt.Sprintf("threat intel's verdict %s is incomplete: %d of %s failed or were not made",
			r.TI.Severity, failed, english.Plural(total, "lookup", "lookups")))
	}
}

// severity adds the highest severity of the incident and its alerts.
func severity(r *report.Report, add adder) {
	top, what := r.Incident.Severity, "the incident is "+string(r.Incident.Severity)
	for _, a := range r.Alerts {
		if a.Severity.Rank() > top.Rank() {
			top, what = a.Severity, "alert "+a.Name+" is "+string(a.Severity)
		}
	}
	switch top {
	case triage.SeverityHigh:
		add(SeverityHigh, 1, what)
	case triage.SeverityMedium:
		add(SeverityMedium, 1, what)
	case triage.SeverityLow:
		add(SeverityLow, 1, what)
	}
}

// entityKinds are the distinct kinds of ents, sorted.
func entityKinds(ents []triage.Entity) []string {
	var out []string
	for _, e := range ents {
		out = append(out, string(e.Kind))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// PrivilegedNames are the admin roles and privileged groups whose changes
// weigh as privileged_change, and whose holders as privileged_account:
// Entra ID's and Azure's most powerful roles and Active Directory's and
// Windows' administrators' groups. A change row names one when its Object
// or Detail column contains it, in any case; an account holds one when a
// role or group of its IdentityInfo row is it, whole, in any case.
var PrivilegedNames = []string{
	"Global Administrator", "Privileged Role Administrator", "Privileged Authentication Administrator",
	"Security Administrator", "User Access Administrator", "Owner",
	"Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators",
}

// privileged returns the privileged names the rows of the summary's
// account-changes section name, read by column Name (not header).
func privileged(s report.Summary) []string {
	var out []string
	for _, sec := range s.Sections {
		if sec.Name != summary.SectionAccountChanges || sec.Table == nil {
			continue
		}
		for _, row := range sec.Table.Rows {
			for i, c := range sec.Table.Columns {
				if i >= len(row) || (c.Name != "Object" && c.Name != "Detail") {
					continue
				}
				v := strings.ToLower(row[i])
				for _, p := range PrivilegedNames {
					if strings.Contains(v, strings.ToLower(p)) {
						out = append(out, p)
					}
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// changes adds the group, role and account changes the summaries found for
// the incident's accounts and on its hosts. It returns the entity keys of
// the accounts privileged_change counted.
func changes(r *report.Report, add adder) map[string]bool {
	var accounts, hosts, privs []string
	counted := map[string]bool{}
	for _, s := range r.Summaries {
		if p := privileged(s); s.Kind == triage.KindAccount && len(p) > 0 {
			privs = append(privs, s.Name+" ("+strings.Join(p, ", ")+")")
			counted[s.Entity] = true
		}
		if n := changed(s, summary.SectionAccountChanges); s.Kind == triage.KindAccount && n > 0 {
			accounts = append(accounts, fmt.Sprintf("%s (%s)", s.Name, english.Plural(n, "change", "changes")))
		}
		if n := changed(s, summary.SectionHostChanges); s.Kind == triage.KindHost && n > 0 {
			hosts = append(hosts, fmt.Sprintf("%s (%s)", s.Name, english.Plural(n, "change", "changes")))
		}
	}
	if len(privs) > 0 {
		add(PrivilegedChange, 1, "privileged role or group changes made by or to "+strings.Join(privs, ", "))
	}
	if len(accounts) > 0 {
		add(AccountChanges, 1, "group, role or account changes made by or to "+strings.Join(accounts, ", "))
	}
	if len(hosts) > 0 {
		add(HostAccountChanges, 1, "account or group changes on "+strings.Join(hosts, ", "))
	}
	return counted
}

// privilegedAccounts adds the accounts that hold a privileged role or group
// (pa), leaving out those privileged_change counted (changed, by entity
// key): a change of a privileged role or group is often what
// made the membership, one fact that weighs once. It returns what could
// not be checked when IdentityInfo was not read (or partly) and no account
// was found; a workspace without the table (skipped) adds nothing.
func privilegedAccounts(pa report.PrivilegedAccounts, changed map[string]bool, add adder) string {
	var what []string
	if pa.Status == report.StatusOK || pa.Status == report.StatusPartial {
		for _, a := range pa.Accounts {
			if !changed[a.Entity] {
				what = append(what, a.Name+" ("+shown(a.Privileges, 3)+")")
			}
		}
	}
	if len(what) > 0 {
		add(PrivilegedAccount, 1, "privileged roles or groups held by "+shown(what, 5))
	}
	if len(pa.Accounts) == 0 && (pa.Status == report.StatusError || pa.Status == report.StatusPartial) {
		return fmt.Sprintf("whether %s hold privileged roles or groups (%s)", shown(pa.Checked, 3), pa.Reason)
	}
	return ""
}

// changed is how many rows the summary's section named name has (the
// table's rows before any cut), 0 when it found none.
func changed(s report.Summary, name string) int {
	for _, sec := range s.Sections {
		if sec.Name != name || sec.Table == nil || (sec.Status != report.StatusOK && sec.Status != report.StatusPartial) {
			continue
		}
		return max(sec.Table.Total, len(sec.Table.Rows))
	}
	return 0
}

// lists adds the crown-jewel hosts and VIP accounts among the entities.
func lists(r *report.Report, s Settings, add adder) {
	var jewels, vips []string
	for _, e := range r.Entities {
		switch e.Kind {
		case triage.KindHost:
			if m := matchHost(e, s.CrownJewels); m != "" {
				jewels = append(jewels, e.Name+" (listed as "+m+")")
			}
		case triage.KindAccount:
			if m := matchAccount(e, s.VIPAccounts); m != "" {
				vips = append(vips, e.Name+" (listed as "+m+")")
			}
		}
	}
	if len(jewels) > 0 {
		add(CrownJewel, 1, "crown-jewel host "+strings.Join(jewels, ", "))
	}
	if len(vips) > 0 {
		add(VIPAccount, 1, "VIP account "+strings.Join(vips, ", "))
	}
}

// roles adds the servers and domain controllers among the hosts, from the
// roles their summaries found in their logs (never from their names). A
// domain controller is also a server: it counts once, as a domain controller.
func roles(r *report.Report, add adder) {
	var dcs, servers []string
	for _, s := range r.Summaries {
		switch {
		case s.Kind != triage.KindHost:
		case slices.Contains(s.Roles, summary.RoleDomainController):
			dcs = append(dcs, s.Name)
		case slices.Contains(s.Roles, summary.RoleServer):
			servers = append(servers, s.Name)
		}
	}
	if len(dcs) > 0 {
		add(DomainController, 1, "domain controller "+strings.Join(dcs, ", ")+" (its events show directory group changes or a DSRM password set)")
	}
	if len(servers) > 0 {
		add(ServerHost, 1, "server "+strings.Join(servers, ", ")+" (its agents report a server OS or device type)")
	}
}

// related adds the alerts outside the incident that name its entities.
func related(r *report.Report, add adder) {
	ids := map[string]bool{}
	var names []string
	for _, rel := range r.RelatedAlerts {
		if len(rel.Alerts) == 0 {
			continue
		}
		names = append(names, rel.Name)
		for _, a := range rel.Alerts {
			ids[a.ID] = true
		}
	}
	if len(ids) == 0 {
		return
	}
	slices.Sort(names)
	names = slices.Compact(names)
	shown := strings.Join(names[:min(len(names), 5)], ", ")
	if len(names) > 5 {
		shown += fmt.Sprintf(" and %d more", len(names)-5)
	}
	add(RelatedAlerts, len(ids), fmt.Sprintf("%s outside the incident name %s", english.Plural(len(ids), "other alert", "other alerts"), shown))
}

// precedents adds the addresses never seen in sign-ins, the earlier
// incidents closed as benign and the accounts holding privileged roles or
// groups (report.Precedents), and says in one reason which of the three
// could not be checked. changed are the accounts privileged_change counted.
func precedents(r *report.Report, changed map[string]bool, add adder) {
	p := r.Precedents
	if p == nil {
		return
	}
	var unchecked []string
	switch fs := p.FirstSeen; fs.Status {
	case report.StatusOK:
		if len(fs.New) > 0 {
			add(FirstSeenAddress, 1, fmt.Sprintf("%s never seen in sign-ins in the %s before the incident's first activity: %s",
				english.Plural(len(fs.New), "address", "addresses"), days(fs.End.Sub(fs.Start)), shown(fs.New, 5)))
		}
	case report.StatusError, report.StatusPartial:
		// A partial answer may lack an address's sign-ins: no address is
		// called new on it.
		unchecked = append(unchecked, fmt.Sprintf("whether %s were seen before in sign-ins (%s)", shown(fs.Checked, 3), fs.Reason))
	}
	cb := p.ClosedBenign
	if len(cb.Incidents) > 0 && (cb.Status == report.StatusOK || cb.Status == report.StatusPartial) {
		var what []string
		for _, bi := range cb.Incidents {
			what = append(what, fmt.Sprintf("#%d (%s, sharing %s)", bi.Number, bi.Classification, shown(bi.Shared, 3)))
		}
		add(ClosedBenign, 1, fmt.Sprintf("the same rule and entities were closed as benign before: %s", shown(what, 5)))
	}
	if len(cb.Incidents) == 0 && (cb.Status == report.StatusError || cb.Status == report.StatusPartial) {
		unchecked = append(unchecked, fmt.Sprintf("whether the same rule and entities were closed as benign before (%s)", cb.Reason))
	}
	if u := privilegedAccounts(p.Privileged, changed, add); u != "" {
		unchecked = append(unchecked, u)
	}
	if len(unchecked) > 0 {
		add(Unchecked, 1, "could not check "+strings.Join(unchecked, "; nor "))
	}
}

// shown joins up to n of vs, saying how many more there are.
func shown(vs []string, n int) string {
	out := strings.Join(vs[:min(len(vs), n)], ", ")
	if len(vs) > n {
		out += fmt.Sprintf(" and %d more", len(vs)-n)
	}
	return out
}

// days says a lookback in whole days ("30 days"), or hours when shorter.
func days(d time.Duration) string {
	if d >= 24*time.Hour {
		return english.Plural(int(d/(24*time.Hour)), "day", "days")
	}
	return english.Plural(int(d/time.Hour), "hour", "hours")
}
