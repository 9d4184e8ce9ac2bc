package summary

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

func init() { summarizers[triage.KindAccount] = summarizeAccounts }

// The account summary's queries (internal/workspace/queries/summary.yaml).
const (
	qAccountSignins = "summary_account_signins"
	qAccountLogons  = "summary_account_logons"
	qAccountAzure   = "summary_account_azure_activity"
	qAccountOffice  = "summary_account_office_activity"
	qAccountIPs     = "summary_account_ips"
	qAccountChanges = "summary_account_changes"
)

// accountID is one account entity's identity in every form the logs name
// accounts by, all lower case.
type accountID struct {
	name string // the bare (SAM) name
	// strong forms name one account: UPNs, domain\name, SID, object ids.
	strong map[string]bool
	// forms are what the logs are searched for: the strong forms and the name.
	forms map[string]bool
	// realms are where the name lives: the UPN suffixes and the NT domain.
	realms map[string]bool
}

// nullSID is the SID Windows logs for an account it could not resolve.
const nullSID = "s-1-0-0"

// accountOf resolves an account entity's forms from its properties:
// accountName (which may itself be a UPN or domain\name), ntDomain,
// upnSuffix, userPrincipalName, sid, aadUserId and objectGuid.
func accountOf(e triage.Entity) accountID {
	prop := func(k string) string { return strings.ToLower(strings.TrimSpace(e.Prop(k))) }
	name, dom, suffix := prop("accountName"), prop("ntDomain"), prop("upnSuffix")
	var upns []string
	if i := strings.IndexByte(name, '\\'); i >= 0 {
		if dom == "" {
			dom = name[:i]
		}
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '@'); i > 0 {
		upns = append(upns, name)
		if suffix == "" {
			suffix = name[i+1:]
		}
		name = name[:i]
	}
	if name != "" && suffix != "" {
		upns = append(upns, name+"@"+suffix)
	}
	for _, k := range []string{"userPrincipalName", "upn"} {
		if u := prop(k); strings.Contains(u, "@") {
			upns = append(upns, u)
			if name == "" {
				name = u[:strings.LastIndexByte(u, '@')]
			}
		}
	}
	id := accountID{name: name, strong: map[string]bool{}, forms: map[string]bool{}, realms: map[string]bool{}}
	for _, u := range upns {
		id.strong[u] = true
		id.realms[u[strings.LastIndexByte(u, '@')+1:]] = true
	}
	if dom != "" {
		id.realms[dom] = true
		if name != "" {
			id.strong[dom+`\`+name] = true
		}
	}
	for _, k := range []string{"sid", "aadUserId", "objectGuid"} {
		if v := prop(k); v != "" && v != nullSID {
			id.strong[v] = true
		}
	}
	for f := range id.strong {
		id.forms[f] = true
	}
	if name != "" {
		id.forms[name] = true
	}
	return id
}

// values are the forms to search for, sorted.
func (id accountID) values() []string { return slices.Sorted(maps.Keys(id.forms)) }

// matches reports whether a row of an account query is about this account:
// the form it matched, its account, bare name or id is one of the forms.
func (id accountID) matches(r workspace.Record) bool {
	for _, f := range []string{"Value", "Account", "AccountName", "AccountId"} {
		if v := strings.ToLower(r.String(f)); v != "" && id.forms[v] {
			return true
		}
	}
	return false
}

// own reports whether the account a log row names (label, with its id) is
// this entity's account rather than another account with the same name.
func (id accountID) own(label, accountID string) bool {
	if id.strong[label] || accountID != "" && id.strong[accountID] {
		return true
	}
	realm, name := splitAccount(label)
	return realm != "" && id.realms[realm] && name == id.name
}

// same reports whether another account entity (one an alert names) is this account.
func (id accountID) same(o accountID) bool {
	for f := range o.strong {
		if id.strong[f] {
			return true
		}
	}
	return (len(id.strong) == 0 || len(o.strong) == 0) && id.name != "" && id.name == o.name
}

// namedBy says how an entity of an alert names this account: an account
// with the same identity, or the mailbox of one of its UPNs. It returns ""
// for any other entity.
func (id accountID) namedBy(a triage.Entity) string {
	switch a.Kind {
	case triage.KindAccount:
		if id.same(accountOf(a)) {
			return a.Name
		}
	case triage.KindMailbox:
		for _, k := range []string{"mailboxPrimaryAddress", "upn"} {
			if v := strings.ToLower(a.Prop(k)); v != "" && id.strong[v] {
				return a.Name + " (mailbox)"
			}
		}
	}
	return ""
}

// splitAccount splits name@realm or realm\name.
func splitAccount(label string) (realm, name string) {
	if i := strings.LastIndexByte(label, '@'); i > 0 {
		return label[i+1:], label[:i]
	}
	if i := strings.IndexByte(label, '\\'); i >= 0 {
		return label[:i], label[i+1:]
	}
	return "", label
}

// summarizeAccounts summarises accounts: which accounts the logs show under
// the entity's names, and their sign-ins, logons, cloud activity, addresses
// and group or role changes. A name that several accounts share gives all of
// them, each row naming its account.
func summarizeAccounts(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
	ids := make([]accountID, len(ents))
	var values []string
	for i, e := range ents {
		identity(env, e, sums[i])
		ids[i] = accountOf(e)
		values = append(values, ids[i].values()...)
	}
	ask := func(values []string) map[string]outcome {
		values = dedupe(values)
		slices.Sort(values)
		p := env.params(values)
		changes := env.params(values)
		changes["details"] = env.maxRows().n
		return env.runAll(ctx, map[string]workspace.Params{
			qAccountSignins: p, qAccountLogons: p, qAccountAzure: p, qAccountOffice: p, qAccountIPs: p,
			qAccountChanges: changes, qRelated: env.relatedParams(ents),
		})
	}
	res := ask(values)
	// An account given by an id alone (a SID, an Entra object id) is asked
	// about again under the names the logs gave it: its sign-ins and
	// Office activity are under its UPN, its logons under DOMAIN\name, which
	// the id alone finds only where a log writes the id too.
	if learnNames(ids, res) {
		values = nil
		for _, id := range ids {
			values = append(values, id.values()...)
		}
		res = ask(values)
	}
	related := ParseRelated(res[qRelated].recs)

	// Locate every public address the accounts used, once.
	var locs map[netip.Addr]lookupResult[enrich.Location]
	if env.Geo != nil {
		var addrs []netip.Addr
		seen := map[netip.Addr]bool{}
		for _, r := range res[qAccountIPs].recs {
			ip := ipOf(triage.Entity{Key: string(triage.KindIP) + ":" + canonicalIP(r.String("IPAddress"))})
			if ip.addr.IsValid() && !ip.internal() && !seen[ip.addr] {
				seen[ip.addr] = true
				addrs = append(addrs, ip.addr)
			}
		}
		locs = lookupAll(ctx, addrs, env.Geo.Locate)
	}

	for i, e := range ents {
		id, s := ids[i], sums[i]
		mine := func(name string) []workspace.Record { return id.label(res[name].recs) }
		signins, logons, azure, office := mine(qAccountSignins), mine(qAccountLogons), mine(qAccountAzure), mine(qAccountOffice)
		ips, changes := mine(qAccountIPs), mine(qAccountChanges)
		accountFacts(&s.Facts, id, signins, logons, azure, office, ips, changes)
		name, span := e.Name, env.span()
		s.Sections = append(s.Sections,
			env.sectionFor("Sign-ins", "SigninLogs", res[qAccountSignins], signins,
				"no sign-in of "+name+" "+span, fillAccountSignins(env)),
			env.sectionFor("Host logons", "SecurityEvent 4624/4625, Syslog sshd", res[qAccountLogons], logons,
				"no Windows or SSH logon of "+name+" "+span, fillAccountLogons(env)),
			env.sectionFor("Azure activity", "AzureActivity", res[qAccountAzure], azure,
				"no Azure operation by "+name+" "+span, fillAccountAzure(env)),
			env.sectionFor("Office 365 activity", "OfficeActivity", res[qAccountOffice], office,
				"no Office 365 operation by "+name+" "+span, fillAccountOffice(env)),
			env.sectionFor("IP addresses used", "SigninLogs, AzureActivity, OfficeActivity, SecurityEvent", res[qAccountIPs], ips,
				"no address recorded for "+name+" "+span, fillAccountIPs(env, locs)),
			env.sectionFor(SectionAccountChanges, "AuditLogs, SecurityEvent, AzureActivity", res[qAccountChanges], changes,
				"no group, role or account change made by or to "+name+" "+span, fillAccountChanges(env)),
			relatedSection(env, res[qRelated], related, e),
		)
	}
	env.hintAccounts(ctx, ents, ids, sums)
}

// accountForms is what an account may be given as.
const accountForms = `give an account's UPN (alice@contoso.com), DOMAIN\name (CONTOSO\alice), SAM name (alice), ` +
	"SID (S-1-5-21-...) or Entra object id"

// hintAccounts makes the summaries of accounts no log names empty, with the
// accounts whose name contains theirs, else the forms an account may be
// given as.
func (env *Env) hintAccounts(ctx context.Context, ents []triage.Entity, ids []accountID, sums []*report.Summary) {
	var none []int
	var names []string
	for i, s := range sums {
		if foundNothing(s) {
			none = append(none, i)
			names = append(names, ids[i].name)
		}
	}
	if len(none) == 0 {
		return
	}
	found, err := env.named(ctx, qAccountNames, names, "Account")
	if err != nil {
		found = nil // a hint only: the forms then
	}
	for _, i := range none {
		n := ids[i].name
		nothingFound(sums[i], "no account "+ents[i].Name+" in the logs "+env.span(),
			"accounts whose name contains "+n, found[n], accountForms)
	}
}

// learnNames adds to every account known by ids alone the accounts that
// the rows of res matched by those ids name (UPNs, domain\name), and
// reports whether it added any.
func learnNames(ids []accountID, res map[string]outcome) bool {
	learned := false
	for i := range ids {
		id := &ids[i]
		if id.name != "" || len(id.strong) == 0 {
			continue
		}
		var labels []string
		for q, o := range res {
			if q == qRelated {
				continue
			}
			for _, r := range o.recs {
				acct := strings.ToLower(r.String("Account"))
				if id.own(acct, strings.ToLower(r.String("AccountId"))) {
					labels = append(labels, acct)
				}
			}
		}
		slices.Sort(labels)
		for _, l := range dedupe(labels) {
			realm, name := splitAccount(l)
			if realm == "" || name == "" || id.strong[l] {
				continue
			}
			id.strong[l], id.forms[l], id.realms[realm] = true, true, true
			id.forms[name] = true
			if id.name == "" {
				id.name = name
			}
			learned = true
		}
	}
	return learned
}

// label returns copies of the records about this account, each with Label:
// the account the row names, marked "(other account)" when the entity has a
// definite identity and the row is another account with the same name.
func (id accountID) label(recs []workspace.Record) []workspace.Record {
	var out []workspace.Record
	for _, r := range recs {
		if !id.matches(r) {
			continue
		}
		c := make(workspace.Record, len(r)+1)
		for k, v := range r {
			c[k] = v
		}
		acct := strings.ToLower(r.String("Account"))
		c["Label"] = acct
		if len(id.strong) > 0 && !id.own(acct, strings.ToLower(r.String("AccountId"))) {
			c["Label"] = acct + " (other account)"
		}
		out = append(out, c)
	}
	return out
}

// accountFacts says which accounts the logs show under the entity's names.
func accountFacts(facts *[]report.Fact, id accountID, sets ...[]workspace.Record) {
	var own, other []string
	for _, recs := range sets {
		for _, r := range recs {
			acct := strings.ToLower(r.String("Account"))
			if acct == "" {
				continue
			}
			if len(id.strong) > 0 && id.own(acct, strings.ToLower(r.String("AccountId"))) {
				own = append(own, acct)
			} else {
				other = append(other, acct)
			}
		}
	}
	own, other = dedupe(own), dedupe(other)
	slices.Sort(own)
	slices.Sort(other)
	fact(facts, "This account in the logs", strings.Join(own, ", "))
	switch {
	case len(other) == 0:
	case len(id.strong) > 0:
		fact(facts, "Other accounts named "+id.name, strconv.Itoa(len(other))+": "+strings.Join(other, ", "))
	case len(other) == 1:
		fact(facts, "Account named "+id.name, other[0])
	default:
		fact(facts, "Accounts named "+id.name, strconv.Itoa(len(other))+" accounts share the name, each summarised: "+
			strings.Join(other, ", "))
	}
}

// signinGroup is an account's sign-ins from one address.
type signinGroup struct {
	label, ip, location, asn string
	count, ok, risky         int64
	apps                     []string
	first, last              time.Time
}

func fillAccountSignins(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		total := sumWhere(recs, "Count", nil)
		ok := sumWhere(recs, "Count", func(r workspace.Record) bool { return r.String("ResultType") == "0" })
		fact(&sec.Facts, "Sign-ins", strconv.FormatInt(total, 10))
		fact(&sec.Facts, "Succeeded", strconv.FormatInt(ok, 10))
		fact(&sec.Facts, "Failed or interrupted", strconv.FormatInt(total-ok, 10))
		fact(&sec.Facts, "Result codes", countedBy(recs, "ResultType", "Count", 10))
		fact(&sec.Facts, "Applications", countedBy(recs, "AppDisplayName", "Count", 10))
		places := make([]workspace.Record, len(recs))
		for i, r := range recs {
			places[i] = workspace.Record{"Place": place(r.String("City"), r.String("Country")), "Count": r["Count"]}
		}
		fact(&sec.Facts, "Locations", countedBy(places, "Place", "Count", 10))
		fact(&sec.Facts, "Devices", countedBy(recs, "Device", "Count", 10))
		fact(&sec.Facts, "Risk levels", countedBy(recs, "RiskLevel", "Count", 10))
		fact(&sec.Facts, "First seen", timeText(minTime(recs, "FirstSeen")))
		fact(&sec.Facts, "Last seen", timeText(maxTime(recs, "LastSeen")))

		groups := map[[2]string]*signinGroup{}
		var order [][2]string
		for _, r := range recs {
			k := [2]string{r.String("Label"), r.String("IPAddress")}
			g := groups[k]
			if g == nil {
				g = &signinGroup{label: k[0], ip: k[1], location: place(r.String("City"), r.String("Country"))}
				if asn := r.String("ASN"); asn != "" && asn != "0" {
					g.asn = "AS" + asn
				}
				groups[k] = g
				order = append(order, k)
			}
			g.count += r.Int("Count")
			if r.String("ResultType") == "0" {
				g.ok += r.Int("Count")
			}
			if rl := strings.ToLower(r.String("RiskLevel")); rl != "" && rl != "none" && rl != "hidden" {
				g.risky += r.Int("Count")
			}
			g.apps = append(g.apps, r.String("AppDisplayName"))
			if t := r.Time("FirstSeen"); g.first.IsZero() || t.Before(g.first) {
				g.first = t
			}
			if t := r.Time("LastSeen"); t.After(g.last) {
				g.last = t
			}
		}
		fact(&sec.Facts, "IP addresses", strconv.Itoa(len(order)))
		rows := make([]workspace.Record, 0, len(order))
		for _, k := range order {
			g := groups[k]
			rows = append(rows, workspace.Record{
				"Account": g.label, "IP": g.ip, "Location": g.location, "ASN": g.asn, "Count": g.count, "OK": g.ok,
				"Failed": g.count - g.ok, "Risky": g.risky, "Apps": strings.Join(dedupe(g.apps), ", "), "First": g.first, "Last": g.last,
			})
		}
		// Risky sign-ins first, then the addresses that fail most often: a
		// spray or a stolen password stands out from the office's daily noise.
		failRate := func(r workspace.Record) float64 { return float64(r.Int("Failed")) / float64(max(r.Int("Count"), 1)) }
		slices.SortStableFunc(rows, func(a, b workspace.Record) int {
			return cmp.Or(cmp.Compare(b.Int("Risky"), a.Int("Risky")), cmp.Compare(failRate(b), failRate(a)),
				cmp.Compare(b.Int("Count"), a.Int("Count")))
		})
		sec.Table = table(rows, env.maxRows(),
			col{"Account", "Account", report.ColText}, col{"IP address", "IP", report.ColAddress},
			col{"Location", "Location", report.ColLabel}, col{"ASN", "ASN", report.ColLabel},
			col{"Sign-ins", "Count", report.ColCount}, col{"Succeeded", "OK", report.ColSuccesses},
			col{"Failed", "Failed", report.ColFailures}, col{"Risky", "Risky", report.ColCount},
			col{"Applications", "Apps", report.ColText}, col{"First seen", "First", report.ColFirstSeen},
			col{"Last seen", "Last", report.ColLastSeen})
	}
}

func place(city, country string) string {
	switch {
	case city != "" && country != "":
		return city + ", " + country
	case city != "":
		return city
	}
	return country
}

func fillAccountLogons(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Successful logons", strconv.FormatInt(sumWhere(recs, "Successes", nil), 10))
		fact(&sec.Facts, "Failed logons", strconv.FormatInt(sumWhere(recs, "Failures", nil), 10))
		fact(&sec.Facts, "Hosts", countList(recs, "Host", 10))
		fact(&sec.Facts, "First seen", timeText(minTime(recs, "FirstSeen")))
		fact(&sec.Facts, "Last seen", timeText(maxTime(recs, "LastSeen")))
		recs = slices.Clone(recs)
		slices.SortStableFunc(recs, func(a, b workspace.Record) int {
			return cmp.Compare(b.Int("Failures")+b.Int("Successes"), a.Int("Failures")+a.Int("Successes"))
		})
		sec.Table = table(recs, env.maxRows(),
			col{"Account", "Label", report.ColText}, col{"Host", "Host", report.ColLabel},
			col{"Logon type", "LogonType", report.ColLabel}, col{"Source", "Source", report.ColText},
			col{"Successes", "Successes", report.ColSuccesses}, col{"Failures", "Failures", report.ColFailures},
			col{"From", "IpAddresses", report.ColAddress}, col{"First seen", "FirstSeen", report.ColFirstSeen},
			col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillAccountAzure(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Operations", strconv.FormatInt(sumWhere(recs, "Count", nil), 10))
		fact(&sec.Facts, "By operation", countedBy(recs, "OperationNameValue", "Count", 10))
		fact(&sec.Facts, "Resources", strconv.Itoa(len(distinct(recs, "ResourceId"))))
		recs = slices.Clone(recs)
		slices.SortStableFunc(recs, func(a, b workspace.Record) int { return b.Time("LastSeen").Compare(a.Time("LastSeen")) })
		sec.Table = table(recs, env.maxRows(),
			col{"Account", "Label", report.ColText}, col{"Operation", "OperationNameValue", report.ColLabel},
			col{"Resource", "ResourceId", report.ColText}, col{"Status", "ActivityStatusValue", report.ColOutcome},
			col{"Count", "Count", report.ColCount}, col{"From", "IpAddresses", report.ColAddress},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillAccountOffice(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Operations", strconv.FormatInt(sumWhere(recs, "Count", nil), 10))
		fact(&sec.Facts, "By workload", countedBy(recs, "OfficeWorkload", "Count", 10))
		sec.Table = table(recs, env.maxRows(),
			col{"Account", "Label", report.ColText}, col{"Workload", "OfficeWorkload", report.ColText},
			col{"Operation", "Operation", report.ColLabel}, col{"Count", "Count", report.ColCount},
			col{"From", "IpAddresses", report.ColAddress}, col{"First seen", "FirstSeen", report.ColFirstSeen},
			col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillAccountIPs(env *Env, locs map[netip.Addr]lookupResult[enrich.Location]) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		type use struct {
			label, ip   string
			sources     []string
			count       int64
			first, last time.Time
		}
		uses := map[[2]string]*use{}
		var order [][2]string
		for _, r := range recs {
			k := [2]string{r.String("Label"), canonicalIP(r.String("IPAddress"))}
			u := uses[k]
			if u == nil {
				u = &use{label: k[0], ip: k[1]}
				uses[k] = u
				order = append(order, k)
			}
			u.sources = append(u.sources, r.String("Source"))
			u.count += r.Int("Count")
			if t := r.Time("FirstSeen"); u.first.IsZero() || t.Before(u.first) {
				u.first = t
			}
			if t := r.Time("LastSeen"); t.After(u.last) {
				u.last = t
			}
		}
		var rows []workspace.Record
		var failed []string
		for _, k := range order {
			u := uses[k]
			row := workspace.Record{"Account": u.label, "IP": u.ip, "Sources": strings.Join(dedupe(u.sources), ", "),
				"Count": u.count, "First": u.first, "Last": u.last}
			ip := ipOf(triage.Entity{Key: string(triage.KindIP) + ":" + u.ip})
			switch lr, ok := locs[ip.addr]; {
			case ip.internal():
				row["Location"] = string(ip.scope)
			case ok && lr.err == nil:
				row["Location"] = place(lr.value.City, firstNonEmpty(lr.value.Country, lr.value.CountryCode))
				if lr.value.ASN != 0 {
					row["ASN"] = strings.TrimSpace("AS" + strconv.FormatUint(uint64(lr.value.ASN), 10) + " " + lr.value.ASOrg)
				}
			case ok && !errors.Is(lr.err, enrich.ErrUnknown):
				failed = append(failed, u.ip+": "+lr.err.Error())
			}
			rows = append(rows, row)
		}
		slices.SortStableFunc(rows, func(a, b workspace.Record) int { return cmp.Compare(b.Int("Count"), a.Int("Count")) })
		fact(&sec.Facts, "Addresses", strconv.Itoa(len(distinct(rows, "IP"))))
		if env.Geo == nil {
			fact(&sec.Facts, "Geolocation", "no GeoIP database configured")
		}
		slices.Sort(failed)
		fact(&sec.Facts, "Failed geolocation", strings.Join(dedupe(failed), "; "))
		sec.Table = table(rows, env.maxRows(),
			col{"Account", "Account", report.ColText}, col{"IP address", "IP", report.ColAddress},
			col{"Location", "Location", report.ColLabel}, col{"ASN", "ASN", report.ColLabel},
			col{"Seen in", "Sources", report.ColText}, col{"Events", "Count", report.ColCount},
			col{"First seen", "First", report.ColFirstSeen}, col{"Last seen", "Last", report.ColLastSeen})
	}
}

func fillAccountChanges(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		// A row is one of an account's latest changes (Seq > 0), or counts
		// its earlier ones of one kind (Seq 0, Count).
		var n int64
		ones := make([]workspace.Record, len(recs))
		var rows []workspace.Record
		for i, r := range recs {
			n += r.Int("Count")
			ones[i] = workspace.Record{"Role": r["Role"], "Operation": r["Operation"], "n": r.Int("Count")}
			if r.Int("Seq") == 0 {
				continue
			}
			c := make(workspace.Record, len(r))
			for k, v := range r {
				c[k] = v
			}
			c["Detail"] = changeDetail(r.String("Source"), r.String("Detail"))
			rows = append(rows, c)
		}
		fact(&sec.Facts, "Changes", strconv.FormatInt(n, 10))
		fact(&sec.Facts, "As", countedBy(ones, "Role", "n", 5))
		fact(&sec.Facts, "Operations", countedBy(ones, "Operation", "n", 10))
		// The latest first; among changes at the same time, the ones the
		// query numbered first: the latest few of every account are
		// then the first rows, whatever ties there are.
		slices.SortStableFunc(rows, func(a, b workspace.Record) int {
			return cmp.Or(b.Time("TimeGenerated").Compare(a.Time("TimeGenerated")), cmp.Compare(a.Int("Seq"), b.Int("Seq")))
		})
		sec.Table = table(rows, env.maxRows(),
			col{"Time", "TimeGenerated", report.ColTime}, col{"Account", "Label", report.ColText},
			col{"As", "Role", report.ColText}, col{"Source", "Source", report.ColText},
			col{"Operation", "Operation", report.ColLabel}, col{"Object", "Object", report.ColLabel},
			col{"Detail", "Detail", report.ColText}, col{"By", "Actor", report.ColLabel})
	}
}

// builtinRoles names the Azure built-in roles a role assignment most often grants.
var builtinRoles = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
	"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
	"f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}

// changeDetail makes an Azure role assignment's request body readable: the
// role, who gets it and where. Other details are shown as they are.
func changeDetail(source, detail string) string {
	if source != "AzureActivity" || !strings.HasPrefix(strings.TrimSpace(detail), "{") {
		return detail
	}
	var body struct {
		Properties struct {
			PrincipalID      string `json:"PrincipalId"`
			PrincipalType    string `json:"PrincipalType"`
			RoleDefinitionID string `json:"RoleDefinitionId"`
			Scope            string `json:"Scope"`
		} `json:"Properties"`
	}
	if err := json.Unmarshal([]byte(detail), &body); err != nil || body.Properties.RoleDefinitionID == "" {
		return detail
	}
	p := body.Properties
	roleID := strings.ToLower(path.Base(p.RoleDefinitionID))
	role := builtinRoles[roleID]
	if role == "" {
		role = "role " + roleID
	}
	out := role + " to " + strings.TrimSpace(p.PrincipalType+" "+p.PrincipalID)
	if p.Scope != "" {
		out += " at " + p.Scope
	}
	return out
}

// AccountIDs are the identifiers a directory keys an account entity by:
// its UPNs, SID and object ids, lower case and sorted (not DOMAIN\name nor
// its bare name, which another account may share). Empty when the entity
// is not an account or has none of them.
func AccountIDs(e triage.Entity) []string {
	if e.Kind != triage.KindAccount {
		return nil
	}
	var out []string
	for f := range accountOf(e).strong {
		if !strings.Contains(f, `\`) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}
