package history

import (
	"github.com/triage-dev/triage/internal/report"
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
	alerts := map[string]bool{}
	for _, a := range prev.Alerts {
		alerts[a.ID] = true
	}
	for _, a := range cur.Alerts {
		if !alerts[a.ID] {
			alerts[a.ID] = true
			c.NewAlerts = append(c.NewAlerts, report.ChangedAlert{ID: a.ID, Name: a.Name, Severity: a.Severity})
		}
	}
	entities := map[string]bool{}
	for _, e := range prev.Entities {
		entities[e.Key] = true
	}
	for _, e := range cur.Entities {
		if !entities[e.Key] {
			entities[e.Key] = true
			c.NewEntities = append(c.NewEntities, report.ChangedEntity{Key: e.Key, Kind: e.Kind, Name: e.Name})
		}
	}
	related := map[string]bool{}
	for _, r := range prev.RelatedAlerts {
		for _, a := range r.Alerts {
			related[a.ID] = true
		}
	}
	for _, r := range cur.RelatedAlerts {
		for _, a := range r.Alerts {
			if !related[a.ID] {
				related[a.ID] = true
				c.NewRelatedAlerts = append(c.NewRelatedAlerts, a)
			}
		}
	}
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
