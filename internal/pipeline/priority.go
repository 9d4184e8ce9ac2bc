package pipeline

import (
	"cmp"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// Prioritize puts indicators in the order their lookups are made, most
// important first, and numbers them (Indicator.Priority, 1 first): when a
// provider's quota cannot answer them all within the wait budget, it answers
// the first. The order is
//
//  1. the highest severity of the alerts that name the indicator;
//  2. the number of alerts that name it, most first;
//  3. its kind: file hashes and URLs, then public addresses, then domains
//     and host names, then the rest;
//  4. where it first appears (the order Indicators found them in).
//
// alerts and ents are the incident's; an indicator of no alert (a lookup
// outside any incident) is ordered by kind and appearance alone.
func Prioritize(inds []report.Indicator, alerts []triage.Alert, ents []triage.Entity) {
	sev := make(map[string]triage.Severity, len(alerts))
	for _, a := range alerts {
		sev[a.ID] = a.Severity
	}
	named := make(map[string][]string, len(ents)) // entity key → alert ids
	for _, e := range ents {
		named[e.Key] = e.Alerts
	}
	for i := range inds {
		ind := &inds[i]
		seen := map[string]bool{}
		for _, src := range ind.Sources {
			ids := named[src]
			if id, ok := strings.CutPrefix(src, "alert "); ok {
				ids = []string{strings.TrimSuffix(id, " text")}
			}
			for _, id := range ids {
				if seen[id] {
					continue
				}
				seen[id] = true
				ind.Alerts++
				if s, ok := sev[id]; ok && s.Rank() > ind.AlertSeverity.Rank() {
					ind.AlertSeverity = s
				}
			}
		}
	}
	// Stable: ties keep the order Indicators found them in.
	slices.SortStableFunc(inds, func(x, y report.Indicator) int {
		return cmp.Or(
			cmp.Compare(y.AlertSeverity.Rank(), x.AlertSeverity.Rank()),
			cmp.Compare(y.Alerts, x.Alerts),
			cmp.Compare(kindRank(x.Type, x.Internal), kindRank(y.Type, y.Internal)),
		)
	})
	for i := range inds {
		inds[i].Priority = i + 1
	}
}

// kindRank orders kinds for lookup: what identifies malware or its delivery
// most precisely comes first.
func kindRank(k ioc.Kind, internal bool) int {
	switch k {
	case ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.URL:
		return 0
	case ioc.IPv4, ioc.IPv6:
		if !internal {
			return 1
		}
	case ioc.Domain, ioc.Hostname:
		return 2
	}
	return 3
}

// Order orders indicators of no incident (a lookup of pasted text) as
// Prioritize does: by kind, then in the order given.
func Order(inds []ioc.Indicator) []ioc.Indicator {
	out := slices.Clone(inds)
	slices.SortStableFunc(out, func(a, b ioc.Indicator) int {
		return cmp.Compare(kindRank(a.Kind, a.Internal()), kindRank(b.Kind, b.Internal()))
	})
	return out
}
