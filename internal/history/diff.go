package history

import (
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// Changes is what changed between two triages of an incident (the model
// keeps it, as report.Report.SinceLast).
type Changes = report.Changes

// Diff returns what cur has that prev had not: alerts (by ID), entities
// (by key) and related alerts (by ID, each once, in cur's order), and the
// verdict and priority when they moved. Previous is prev's time; the
// caller sets PreviousVersion from prev's record. The lists are empty,
// never nil, so that JSON shows them.
func Diff(prev, cur report.Report) Changes {
	c := Changes{
		Previous:         prev.GeneratedAt,
		NewAlerts:        []report.ChangedAlert{},
		NewEntities:      []report.ChangedEntity{},
		NewRelatedAlerts: []report.RelatedAlert{},
	}
	for _, a := range added(prev.Alerts, cur.Alerts, func(a triage.Alert) string { return a.ID }) {
		c.NewAlerts = append(c.NewAlerts, report.ChangedAlert{ID: a.ID, Name: a.Name, Severity: a.Severity})
	}
	for _, e := range added(prev.Entities, cur.Entities, func(e triage.Entity) string { return e.Key }) {
		c.NewEntities = append(c.NewEntities, report.ChangedEntity{Key: e.Key, Kind: e.Kind, Name: e.Name})
	}
	c.NewRelatedAlerts = append(c.NewRelatedAlerts,
		added(relatedAlerts(prev), relatedAlerts(cur), func(a report.RelatedAlert) string { return a.ID })...)
	if prev.TI.Severity != cur.TI.Severity || prev.TI.Complete != cur.TI.Complete {
		c.Verdict = &report.VerdictMove{From: prev.TI.Severity, To: cur.TI.Severity, FromComplete: prev.TI.Complete, ToComplete: cur.TI.Complete}
	}
	from, to := score(prev.Priority), score(cur.Priority)
	if (from == nil) != (to == nil) || from != nil && *from != *to {
		c.Priority = &report.PriorityMove{From: from, To: to}
	}
	return c
}

func score(p *report.Priority) *int {
	if p == nil {
		return nil
	}
	s := p.Score
	return &s
}

// added returns the items of cur whose key no item of prev has, each key
// once, in cur's order.
func added[T any](prev, cur []T, key func(T) string) []T {
	seen := make(map[string]bool, len(prev))
	for _, x := range prev {
		seen[key(x)] = true
	}
	var out []T
	for _, x := range cur {
		if k := key(x); !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

// relatedAlerts is every related alert of r, entity by entity.
func relatedAlerts(r report.Report) []report.RelatedAlert {
	var out []report.RelatedAlert
	for _, rel := range r.RelatedAlerts {
		out = append(out, rel.Alerts...)
	}
	return out
}
