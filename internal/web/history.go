package web

import (
	"context"
	"fmt"
	"strconv"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/report"
)

// History is the record of triages as the pages read it; a
// *history.Store is one. Workspace names are the workspaces' own
// (Workspace.Name), as the reports record them.
type History interface {
	// Latest returns the newest record of each incident of workspace
	// named in incidents (numbers or names), keyed as given; with none,
	// of every incident of the workspace, keyed by name.
	Latest(ctx context.Context, workspace string, incidents ...string) (map[string]history.Record, error)
	// Report returns the report of record id.
	Report(ctx context.Context, id int64) (report.Report, error)
}

// sinceLast is what changed in rep since the newest recorded triage of
// its incident, or nil when there is none (the first triage) or no
// history.
func sinceLast(ctx context.Context, h History, rep *report.Report) (*report.Changes, error) {
	if h == nil {
		return nil, nil
	}
	ref := strconv.Itoa(rep.Incident.Number)
	recs, err := h.Latest(ctx, rep.Workspace, ref)
	if err != nil {
		return nil, fmt.Errorf("read the last triage of incident %d: %w", rep.Incident.Number, err)
	}
	rec, ok := recs[ref]
	if !ok {
		return nil, nil
	}
	prev, err := h.Report(ctx, rec.ID)
	if err != nil {
		return nil, fmt.Errorf("read the last triage of incident %d: %w", rep.Incident.Number, err)
	}
	c := history.Diff(prev, *rep)
	c.PreviousVersion = rec.Version
	return &c, nil
}
