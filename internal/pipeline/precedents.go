package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// DefaultPrecedentsLookback is how far back, by default, Precedents looks
// for sign-ins from the incident's addresses, for incidents closed as
// benign and for its accounts' IdentityInfo rows (priority.lookback in
// triage.yaml).
const DefaultPrecedentsLookback = 30 * 24 * time.Hour

// Precedents asks the workspace what its past says of r's incident, for
// the priority (report.Precedents): which of its addresses never signed in
// within lookback before its first activity (FirstSeen), which earlier
// incidents of the same rule and entities were closed as benign within
// lookback before its creation (ClosedBenign), and which of its accounts
// hold a privileged role or group (Privileged). It reads r's incident,
// alerts, entities, indicators and window, and writes nothing to r. Each
// check records its own failure in its status; a failure is also reported
// to problem. A lookback of 0 is DefaultPrecedentsLookback.
func Precedents(ctx context.Context, ws workspace.Workspace, r *report.Report, lookback time.Duration, problem func(triage.Problem)) *report.Precedents {
	if lookback <= 0 {
		lookback = DefaultPrecedentsLookback
	}
	p := &report.Precedents{
		FirstSeen:    FirstSeen(ctx, ws, r.Incident, r.Entities, r.Indicators, lookback),
		ClosedBenign: ClosedBenign(ctx, ws, r.Incident, r.Alerts, r.Entities, lookback, r.Window.End),
		Privileged:   PrivilegedAccounts(ctx, ws, r.Incident, r.Entities, priority.PrivilegedNames, lookback, r.Window.End),
	}
	if s := p.FirstSeen; s.Status == report.StatusError || s.Status == report.StatusPartial {
		problem(triage.Problem{Where: "first-seen addresses query", What: s.Reason})
	}
	if s := p.ClosedBenign; s.Status == report.StatusError || s.Status == report.StatusPartial {
		problem(triage.Problem{Where: "closed-as-benign incidents query", What: s.Reason})
	}
	if s := p.Privileged; s.Status == report.StatusError || s.Status == report.StatusPartial {
		problem(triage.Problem{Where: "privileged accounts query", What: s.Reason})
	}
	return p
}

// PrivilegedAccounts asks the directory's record of accounts (IdentityInfo)
// which of the incident's accounts hold one of the privileged roles or
// groups names, with one privileged_accounts query for all of them: each
// account's latest row from lookback before the incident's creation (its
// first activity when it has none) to end, its roles and groups compared
// whole, ignoring case. An account is found by its UPNs, SID or object id
// (summary.AccountIDs), never by a bare name another account may share. A
// workspace without IdentityInfo (UEBA off) makes the check skipped, not
// failed.
func PrivilegedAccounts(ctx context.Context, ws workspace.Workspace, inc triage.Incident, ents []triage.Entity,
	names []string, lookback time.Duration, end time.Time) report.PrivilegedAccounts {
	before := inc.Created
	if before.IsZero() {
		before = inc.FirstActivity
	}
	if end.Before(before) {
		end = before
	}
	out := report.PrivilegedAccounts{Start: before.Add(-lookback).UTC(), End: end.UTC(), Checked: []string{}, Accounts: []report.PrivilegedAccount{}}
	var ids []string
	var accounts []triage.Entity
	for _, e := range ents {
		if v := summary.AccountIDs(e); len(v) > 0 {
			accounts = append(accounts, e)
			out.Checked = append(out.Checked, e.Name)
			ids = append(ids, v...)
		}
	}
	slices.Sort(out.Checked)
	out.Checked = slices.Compact(out.Checked)
	switch {
	case len(ids) == 0:
		out.Status, out.Reason = report.StatusEmpty, "the incident has no account with a UPN, SID or object id"
		return out
	case before.IsZero():
		out.Status, out.Reason = report.StatusError, "the incident has neither a creation time nor a first activity"
		return out
	}
	t, err := ws.Run(ctx, "privileged_accounts", workspace.Params{
		"ids": dedupeStrings(ids), "names": names, "start": out.Start, "end": out.End,
	})
	var nt *workspace.NoTableError
	switch {
	case errors.As(err, &nt):
		out.Status, out.Reason = report.StatusSkipped, nt.Error()
		return out
	case err != nil:
		out.Status, out.Reason = report.StatusError, fmt.Sprintf("privileged accounts: %v", err)
		return out
	}
	recs := t.Records()
	for _, e := range accounts {
		if pa, ok := privilegesOf(e, recs); ok {
			out.Accounts = append(out.Accounts, pa)
		}
	}
	slices.SortFunc(out.Accounts, func(a, b report.PrivilegedAccount) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Entity, b.Entity))
	})
	out.Status = report.StatusOK
	if len(t.Warnings) > 0 {
		out.Status, out.Reason = report.StatusPartial, "the workspace marked the result partial: "+strings.Join(t.Warnings, "; ")
	}
	return out
}

// privilegesOf gathers the privileges of the rows whose UPN, SID or object
// id is one of account e's (summary.AccountIDs). ok is false when it holds
// none.
func privilegesOf(e triage.Entity, recs []workspace.Record) (report.PrivilegedAccount, bool) {
	ids := summary.AccountIDs(e)
	pa := report.PrivilegedAccount{Entity: e.Key, Name: e.Name, Privileges: []string{}}
	for _, rec := range recs {
		if !slices.ContainsFunc([]string{"AccountUPN", "AccountSID", "AccountObjectId"}, func(c string) bool {
			v := strings.ToLower(strings.TrimSpace(rec.String(c)))
			return v != "" && slices.Contains(ids, v)
		}) {
			continue
		}
		held, _ := rec["Privileges"].([]any)
		for _, h := range held {
			if s, ok := h.(string); ok && strings.TrimSpace(s) != "" {
				pa.Privileges = append(pa.Privileges, strings.TrimSpace(s))
			}
		}
		if len(held) > 0 && rec.Time("TimeGenerated").After(pa.Seen) {
			pa.Seen = rec.Time("TimeGenerated")
		}
	}
	slices.Sort(pa.Privileges)
	pa.Privileges = slices.Compact(pa.Privileges)
	return pa, len(pa.Privileges) > 0
}

// FirstSeen checks the incident's addresses against the sign-in logs from
// lookback before its first activity (its creation when it has none) up
// to it, with one first_seen_addresses query for all of them.
//
// The addresses checked are its Ip entities' outside the organisation's
// networks: public ones, and those of no network (documentation and other
// reserved ranges, which the demo uses); private, shared, loopback and
// link-local addresses, and those the configuration calls internal (an
// indicator withheld as internal), are left out, as a sign-in log records
// the address a client reached Entra ID from, never an inside one.
func FirstSeen(ctx context.Context, ws workspace.Workspace, inc triage.Incident, ents []triage.Entity,
	inds []report.Indicator, lookback time.Duration) report.FirstSeen {
	end := inc.FirstActivity
	if end.IsZero() || (!inc.Created.IsZero() && inc.Created.Before(end)) {
		end = inc.Created
	}
	out := report.FirstSeen{Start: end.Add(-lookback).UTC(), End: end.UTC(), Checked: checkedAddresses(ents, inds), New: []string{}}
	if len(out.Checked) == 0 {
		out.Status, out.Reason = report.StatusEmpty, "the incident has no address outside the organisation's networks"
		return out
	}
	if end.IsZero() {
		out.Status, out.Reason = report.StatusError, "the incident has neither a first activity nor a creation time"
		return out
	}
	t, err := ws.Run(ctx, "first_seen_addresses", workspace.Params{
		"addresses": out.Checked, "start": out.Start, "end": out.End,
	})
	if err != nil {
		out.Status, out.Reason = report.StatusError, fmt.Sprintf("first-seen addresses: %v", err)
		return out
	}
	seen := map[string]bool{}
	for _, rec := range t.Records() {
		if a, err := netip.ParseAddr(strings.TrimSpace(rec.String("Address"))); err == nil {
			seen[a.WithZone("").Unmap().String()] = true
		}
	}
	for _, a := range out.Checked {
		if !seen[a] {
			out.New = append(out.New, a)
		}
	}
	out.Status = report.StatusOK
	if len(t.Warnings) > 0 {
		out.Status, out.Reason = report.StatusPartial, "the workspace marked the result partial: "+strings.Join(t.Warnings, "; ")
	}
	return out
}

// checkedAddresses are the canonical addresses of the Ip entities that
// FirstSeen checks, sorted.
func checkedAddresses(ents []triage.Entity, inds []report.Indicator) []string {
	withheld := map[string]ioc.Withholding{}
	for _, ind := range inds {
		if ind.Type.IsIP() {
			withheld[ind.Value] = ind.Withheld
		}
	}
	var out []string
	for _, e := range ents {
		if e.Kind != triage.KindIP {
			continue
		}
		a, err := netip.ParseAddr(strings.TrimSpace(e.Prop("address")))
		if err != nil {
			continue
		}
		a = a.WithZone("").Unmap()
		switch s := ioc.ScopeOf(a); {
		case s.Internal(), s == ioc.Multicast, s == ioc.Broadcast:
			continue
		}
		if withheld[a.String()] == ioc.WithheldInternal {
			continue
		}
		out = append(out, a.String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ClosedBenign finds the earlier incidents, created within lookback before
// the incident, closed (as of end) as BenignPositive or FalsePositive, with
// the incident's title or one of its alerts' names as their title or an
// alert's name, whose alerts name one of its entities by identity (the
// rule of related alerts: summary.RelatedCandidates.For). One
// closed_benign_alerts query asks for all the entities at once.
func ClosedBenign(ctx context.Context, ws workspace.Workspace, inc triage.Incident, alerts []triage.Alert,
	ents []triage.Entity, lookback time.Duration, end time.Time) report.ClosedBenign {
	before := inc.Created
	if before.IsZero() {
		before = inc.FirstActivity
	}
	out := report.ClosedBenign{Start: before.Add(-lookback).UTC(), Before: before.UTC(), Incidents: []report.BenignIncident{}}
	var values []string
	for _, e := range ents {
		values = append(values, summary.RelatedValues(e)...)
	}
	names := []string{inc.Title}
	for _, a := range alerts {
		names = append(names, a.Name)
	}
	switch {
	case len(values) == 0:
		out.Status, out.Reason = report.StatusEmpty, "the incident has no entity to match"
		return out
	case before.IsZero():
		out.Status, out.Reason = report.StatusError, "the incident has neither a creation time nor a first activity"
		return out
	}
	if end.Before(before) {
		end = before
	}
	t, err := ws.Run(ctx, "closed_benign_alerts", workspace.Params{
		"start": out.Start, "end": end.UTC(), "before": out.Before, "exclude": inc.Name,
		"names": dedupeStrings(names), "values": dedupeStrings(values),
	})
	if err != nil {
		out.Status, out.Reason = report.StatusError, fmt.Sprintf("closed-as-benign incidents: %v", err)
		return out
	}
	recs := t.Records()
	byAlert := map[string]report.BenignIncident{}
	for _, rec := range recs {
		id := strings.TrimSpace(rec.String("SystemAlertId"))
		if _, ok := byAlert[id]; ok || id == "" {
			continue
		}
		c, _ := triage.ParseClassification(rec.String("Classification"))
		byAlert[id] = report.BenignIncident{
			Number: int(rec.Int("IncidentNumber")), Name: rec.String("IncidentName"), Title: rec.String("IncidentTitle"),
			Classification: c, Closed: rec.Time("ClosedTime"),
		}
	}
	own := make(map[string]bool, len(alerts))
	for _, a := range alerts {
		own[a.ID] = true
	}
	cands := summary.ParseRelated(recs)
	found := map[string]*report.BenignIncident{}
	for _, e := range ents {
		for _, a := range cands.For(e, func(id string) bool { return own[id] }) {
			bi, ok := byAlert[a.ID]
			if !ok {
				continue
			}
			if found[bi.Name] == nil {
				found[bi.Name] = &bi
			}
			found[bi.Name].Shared = append(found[bi.Name].Shared, e.Name)
		}
	}
	for _, bi := range found {
		slices.Sort(bi.Shared)
		bi.Shared = slices.Compact(bi.Shared)
		out.Incidents = append(out.Incidents, *bi)
	}
	slices.SortFunc(out.Incidents, func(a, b report.BenignIncident) int {
		return cmp.Or(cmp.Compare(b.Number, a.Number), cmp.Compare(a.Name, b.Name))
	})
	out.Status = report.StatusOK
	if len(t.Warnings) > 0 {
		out.Status, out.Reason = report.StatusPartial, "the workspace marked the result partial: "+strings.Join(t.Warnings, "; ")
	}
	return out
}
