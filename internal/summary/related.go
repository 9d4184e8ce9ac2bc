package summary

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// Related alerts are the alerts outside an incident that name one of its
// entities. The incident's Related alerts section (pipeline.Related) and
// the summaries' part both find them with related_alerts and keep them with
// RelatedCandidates.For, so that they give one answer.

// searchProps names, per kind without identity forms of its own here, the
// properties whose first value finds candidate alerts: the property its
// identity key is made of.
var searchProps = map[triage.Kind][]string{
	triage.KindURL:              {"url"},
	triage.KindDNS:              {"domainName"},
	triage.KindFileHash:         {"hashValue"},
	triage.KindFile:             {"fileName"},
	triage.KindMailMessage:      {"networkMessageId"},
	triage.KindSubmissionMail:   {"submissionId"},
	triage.KindCloudApplication: {"appId", "appName"},
	triage.KindAzureResource:    {"resourceId"},
	triage.KindMalware:          {"malwareName"},
	triage.KindRegistryKey:      {"key"},
	triage.KindRegistryValue:    {"valueName"},
	triage.KindSecurityGroup:    {"sid", "objectGuid", "distinguishedName"},
	triage.KindIoTDevice:        {"deviceId"},
	triage.KindNic:              {"macAddress"},
}

// RelatedValues are the values to look for, as text, in alerts' entities
// (related_alerts' values): every alert that NamedBy says names e contains
// one of them. None for a kind that is not looked for.
func RelatedValues(e triage.Entity) []string {
	var vs []string
	switch e.Kind {
	case triage.KindIP:
		vs = []string{ipOf(e).value, strings.TrimSpace(e.Prop("address"))} // canonical and as the alert wrote it
	case triage.KindAccount:
		vs = accountOf(e).values()
	case triage.KindHost:
		vs = hostOf(e).values()
	case triage.KindMailbox:
		// An account names its UPN as name and suffix apart: its name
		// finds it.
		for _, a := range mailboxAddresses(e) {
			vs = append(vs, a, a[:strings.LastIndexByte(a, '@')])
		}
	default:
		for _, p := range searchProps[e.Kind] {
			if v := strings.TrimSpace(e.Prop(p)); v != "" {
				vs = []string{v}
				break
			}
		}
	}
	return dedupe(vs)
}

// mailboxAddresses are a mailbox's addresses (primary and UPN), lower case.
func mailboxAddresses(e triage.Entity) []string {
	var out []string
	for _, k := range []string{"mailboxPrimaryAddress", "upn"} {
		if v := strings.ToLower(strings.TrimSpace(e.Prop(k))); strings.LastIndexByte(v, '@') > 0 {
			out = append(out, v)
		}
	}
	return dedupe(out)
}

// NamedBy says how a, an entity an alert names, names e: as e (the same
// key, or for accounts and hosts one identity across their forms: see
// accountID.same and hostID.same), as the mailbox of an account's UPN, or
// as the account whose UPN a mailbox's address is. It returns a's name,
// marked when a is of another kind, or "" when a does not name e.
func NamedBy(e, a triage.Entity) string {
	if a.Key == e.Key {
		return a.Name
	}
	switch e.Kind {
	case triage.KindAccount:
		return accountOf(e).namedBy(a)
	case triage.KindHost:
		if a.Kind == triage.KindHost && hostOf(e).same(hostOf(a)) {
			return a.Name
		}
	case triage.KindMailbox:
		if a.Kind == triage.KindAccount && accountOf(a).namedBy(e) != "" {
			return a.Name + " (account)"
		}
	}
	return ""
}

// mayName is a cheap test of whether NamedBy(e, a) can say anything: the
// same key, or the kinds NamedBy compares by identity. It keeps the
// identities (which allocate) out of the loop over every pair of entities.
func mayName(e, a triage.Entity) bool {
	if a.Key == e.Key {
		return true
	}
	switch e.Kind {
	case triage.KindAccount:
		return a.Kind == triage.KindAccount || a.Kind == triage.KindMailbox
	case triage.KindHost:
		return a.Kind == triage.KindHost
	case triage.KindMailbox:
		return a.Kind == triage.KindAccount
	}
	return false
}

// RelatedCandidates are related_alerts' answer: the alerts that may name
// the entities asked about, with the entities each names.
type RelatedCandidates []*relatedCandidate

// relatedCandidate is one candidate alert, parsed when first needed: the
// incident's own alerts, which always match its entities and can be the
// largest, are never parsed here.
type relatedCandidate struct {
	id    string // the record's SystemAlertId, read without parsing
	rec   workspace.Record
	once  sync.Once
	alert triage.Alert
	ents  []triage.Entity
}

// parsed returns the candidate's alert and entities, parsing them once.
func (c *relatedCandidate) parsed() (triage.Alert, []triage.Entity) {
	c.once.Do(func() {
		c.alert, c.ents, _ = triage.ParseSecurityAlert(c.rec)
		c.rec = nil
	})
	return c.alert, c.ents
}

// ParseRelated reads related_alerts' records.
func ParseRelated(recs []workspace.Record) RelatedCandidates {
	out := make(RelatedCandidates, 0, len(recs))
	for _, r := range recs {
		out = append(out, &relatedCandidate{id: strings.TrimSpace(r.String("SystemAlertId")), rec: r})
	}
	return out
}

// RelatedAlert is an alert that names an entity.
type RelatedAlert struct {
	triage.Alert
	// Time is when the alert's activity began (else when it was made).
	Time time.Time
	// Named is how the alert names the entity (see NamedBy).
	Named []string
}

// For returns the candidates that name e, but for those own says are the
// incident's, newest first (then by id).
func (c RelatedCandidates) For(e triage.Entity, own func(alertID string) bool) []RelatedAlert {
	var out []RelatedAlert
	seen := map[string]bool{}
	for _, cand := range c {
		if cand.id != "" && own(cand.id) {
			continue
		}
		a, ents := cand.parsed()
		if seen[a.ID] || own(a.ID) {
			continue
		}
		var named []string
		for _, ae := range ents {
			if mayName(e, ae) {
				named = append(named, NamedBy(e, ae))
			}
		}
		if named = dedupe(named); len(named) > 0 {
			seen[a.ID] = true
			out = append(out, RelatedAlert{Alert: a, Time: firstTime(a.Start, a.TimeGenerated, a.End), Named: named})
		}
	}
	slices.SortFunc(out, func(x, y RelatedAlert) int { return cmp.Or(y.Time.Compare(x.Time), cmp.Compare(x.ID, y.ID)) })
	return out
}

// relatedParams are related_alerts' parameters for ents.
func (env *Env) relatedParams(ents []triage.Entity) workspace.Params {
	var values, keys []string
	for _, e := range ents {
		if vs := RelatedValues(e); len(vs) > 0 {
			values = append(values, vs...)
			keys = append(keys, e.Key)
		}
	}
	p := env.params(dedupe(values))
	p["keys"] = dedupe(keys)
	return p
}

// relatedSection lists the alerts outside the incident that name the
// entity: the incident's (Env.IncidentAlerts) and the entity's own are left
// out.
func relatedSection(env *Env, o outcome, cands RelatedCandidates, e triage.Entity) report.SummarySection {
	own := make(map[string]bool, len(e.Alerts)+len(env.IncidentAlerts))
	for _, id := range append(slices.Clone(e.Alerts), env.IncidentAlerts...) {
		own[id] = true
	}
	var recs []workspace.Record
	for _, ra := range cands.For(e, func(id string) bool { return own[id] }) {
		recs = append(recs, workspace.Record{
			"Time": ra.Time, "Alert": ra.Name, "Severity": string(ra.Severity),
			"Product": ra.Product, "Status": ra.Status, "Named": strings.Join(ra.Named, ", "), "Id": ra.ID,
		})
	}
	empty := "no other alert names " + e.Name + " " + env.span()
	if env.inIncident() {
		empty = "no alert outside this incident names " + e.Name + " " + env.span()
	}
	return env.sectionFor("Related alerts", "SecurityAlert", o, recs, empty, func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Other alerts", strconv.Itoa(len(recs)))
		fact(&sec.Facts, "Severities", countedByOne(recs, "Severity"))
		sec.Table = table(recs, env.maxRows(),
			col{"Time", "Time", report.ColTime}, col{"Alert", "Alert", report.ColLabel},
			col{"Severity", "Severity", report.ColSeverity}, col{"Product", "Product", report.ColText},
			col{"Status", "Status", report.ColText}, col{"Named as", "Named", report.ColText})
	})
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
