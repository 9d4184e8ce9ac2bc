package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// PartialError is returned with a usable result that the workspace marked
// incomplete.
type PartialError struct{ Warnings []string }

func (e *PartialError) Error() string {
	return "the workspace marked the result partial: " + strings.Join(e.Warnings, "; ")
}

// Related finds the alerts outside the incident, from RelatedLookback before
// the window to its end, that name one of the incident's entities. The
// search is loose (related_alerts finds candidates by text), the match is
// not: an alert relates to an entity only when one of its entities is the
// same identity (summary.NamedBy: 10.0.0.1 does not match 10.0.0.10; an
// account matches the mailbox of its UPN). The entities' summaries find
// their related alerts the same way, so both say the same.
//
// When the workspace marks the query's result partial, the related alerts
// found are returned with a *PartialError.
func Related(ctx context.Context, ws workspace.Workspace, win report.Window,
	alerts []triage.Alert, ents []triage.Entity, problem func(triage.Problem)) ([]report.Related, error) {
	var values, keys []string
	for _, e := range ents {
		if vs := summary.RelatedValues(e); len(vs) > 0 {
			values = append(values, vs...)
			keys = append(keys, e.Key)
		}
	}
	if len(values) == 0 {
		return nil, nil
	}
	t, err := ws.Run(ctx, "related_alerts", workspace.Params{
		"start":  win.Start.Add(-RelatedLookback),
		"end":    win.End,
		"values": dedupeStrings(values),
		"keys":   dedupeStrings(keys),
	})
	if err != nil {
		return nil, fmt.Errorf("related alerts: %w", err)
	}
	for _, w := range t.Warnings {
		problem(triage.Problem{Where: "related alerts query", What: w})
	}
	var partial error
	if len(t.Warnings) > 0 {
		partial = &PartialError{Warnings: t.Warnings}
	}
	own := make(map[string]bool, len(alerts))
	for _, a := range alerts {
		own[a.ID] = true
	}
	cands := summary.ParseRelated(t.Records())
	var out []report.Related
	for _, e := range ents {
		found := cands.For(e, func(id string) bool { return own[id] })
		if len(found) == 0 {
			continue
		}
		ras := make([]report.RelatedAlert, len(found))
		for i, a := range found {
			ras[i] = report.RelatedAlert{ID: a.ID, Name: a.Name, Severity: a.Severity, Time: a.Time, Product: a.Product}
		}
		out = append(out, report.Related{Entity: e.Key, Kind: e.Kind, Name: e.Name, Alerts: ras})
	}
	return out, partial
}

func dedupeStrings(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
