package web

import (
	"context"
	"fmt"
	"strings"

	"github.com/triage-dev/triage/internal/history"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/triage"
)

// latest is the workspace's latest triage of each incident, by number.
type latest map[int]history.Record

// latestTriages reads the latest triage of every incident of env's
// workspace, in one query; nil without a history. A history that cannot be
// read leaves the columns empty and says so on the page.
func (s *Server) latestTriages(ctx context.Context, env *Env, p *queuePage) latest {
	if env.History == nil {
		return nil
	}
	recs, err := env.History.Latest(ctx, env.Workspace.Name())
	if err != nil {
		s.log.Warn("triage history", "workspace", env.Workspace.Name(), "err", err)
		p.Problems = append(p.Problems, "The triage history could not be read: the verdicts and priorities are not shown.")
		return nil
	}
	out := make(latest, len(recs))
	for _, rec := range recs {
		if old, ok := out[rec.Incident]; !ok || rec.At.After(old.At) {
			out[rec.Incident] = rec
		}
	}
	return out
}

// row returns inc's latest triage for its queue row, or nil.
func (l latest) row(inc triage.Incident) *rowTriage {
	rec, ok := l[inc.Number]
	if !ok {
		return nil
	}
	return &rowTriage{
		Verdict: string(rec.Verdict), VerdictClass: "ti-" + reporthtml.TIClass(rec.Verdict), Complete: rec.Complete,
		Priority: rec.Priority, Stale: !rec.Current(inc), rec: rec,
	}
}

// scored reports whether the row's incident has a triage with a priority.
func (r *queueRow) scored() bool { return r.Triage != nil && r.Triage.Priority != nil }

// reasonTitles writes each shown row's priority reasons (which its record
// carries) as the one line of its cell's title: only for the rows shown,
// as a queue may hold tens of thousands.
func reasonTitles(rows []queueRow) {
	for i := range rows {
		t := rows[i].Triage
		if t == nil || t.Priority == nil {
			continue
		}
		if t.Reasons = t.rec.Reasons(); len(t.Reasons) == 0 {
			continue
		}
		parts := make([]string, len(t.Reasons))
		for k, rs := range t.Reasons {
			parts[k] = fmt.Sprintf("%+d %s: %s", rs.Points, rs.Factor, rs.Detail)
		}
		t.Title = clip(600, visible(strings.Join(parts, "; ")))
	}
}
