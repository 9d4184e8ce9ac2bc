package pipeline

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/enrich/geoip"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// TestCutKeepsTheIncidentsRows summarises the entities of every demo
// incident twice, uncut and cut to 20 rows a table: every row of a cut
// table that lies within the incident's activity is kept (when there are at
// most 20), the cut says how many of the incident's rows it left out, and
// incident 126's resource group keeps the Owner role assignment it is
// about.
func TestCutKeepsTheIncidentsRows(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	ws, err := local.Open(ctx, "demo", ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: now}, emit)
	}); err != nil {
		t.Fatal(err)
	}
	var incs []triage.Incident
	ws.ListIncidents(ctx, workspace.IncidentFilter{Start: now.Add(-demo.Window), End: now}, func(inc triage.Incident) error {
		incs = append(incs, inc)
		return nil
	})
	geo := geoip.Open(geoip.Options{Static: demo.Locations()})
	cuts, roleAssignment := 0, false
	for _, inc := range incs {
		d, err := ws.Details(ctx, inc)
		if err != nil {
			t.Fatal(err)
		}
		w := window(inc, time.Time{}, time.Time{}, now)
		env := summary.Memo(summary.Env{Start: w.Start.Add(-RelatedLookback), End: w.End,
			Sources: sources.Sources{Workspace: ws, Geo: geo, Registry: demo.Registry{}, DNS: demo.DNS{}}})
		full := env
		full.MaxRows = 1 << 20
		f := focus(inc, d.Entities)
		env.Focus = f
		whole := summary.Summarize(ctx, full, d.Entities)
		cut := summary.Summarize(ctx, env, d.Entities)
		for i, s := range cut {
			for j, sec := range s.Sections {
				if sec.Table == nil || sec.Table.Total == 0 {
					continue
				}
				cuts++
				all := whole[i].Sections[j].Table
				var inside [][]string
				for _, row := range all.Rows {
					if within(row, f) {
						inside = append(inside, row)
					}
				}
				if sec.Table.IncidentRowsLeftOut == nil || !strings.Contains(sec.Table.Cut(), "of them left out") {
					t.Errorf("incident %d, %s, %s: the cut %q does not say how many of the incident's rows it left out", inc.Number, s.Name, sec.Name, sec.Table.Cut())
				}
				if len(inside) > len(sec.Table.Rows) {
					continue
				}
				for _, row := range inside {
					if !slices.ContainsFunc(sec.Table.Rows, func(r []string) bool { return slices.Equal(r, row) }) {
						t.Errorf("incident %d, %s, %s: a row within the incident's activity was cut: %v", inc.Number, s.Name, sec.Name, row)
					}
				}
			}
			if inc.Number == 126 && s.Kind == triage.KindAzureResource {
				roleAssignment = roleAssignment || hasRow(s, "ROLEASSIGNMENTS/WRITE")
			}
		}
	}
	if cuts == 0 {
		t.Fatal("no demo summary table was cut: the test checks nothing")
	}
	if !roleAssignment {
		t.Error("incident 126's resource-group summary lost the role assignment it is about")
	}
}

// within reports whether a rendered row has times, all within f's activity
// (an hour either side), as Focus ranks its records.
func within(row []string, f *summary.Focus) bool {
	n := 0
	for _, c := range row {
		at, err := time.Parse("2006-01-02 15:04", c)
		if err != nil {
			continue
		}
		n++
		// Cells are cut to the minute.
		if at.Before(f.Start.Add(-time.Hour).Truncate(time.Minute)) || at.After(f.End.Add(time.Hour)) {
			return false
		}
	}
	return n > 0
}

func hasRow(s report.Summary, text string) bool {
	for _, sec := range s.Sections {
		if sec.Table == nil {
			continue
		}
		for _, row := range sec.Table.Rows {
			if slices.ContainsFunc(row, func(c string) bool { return strings.Contains(c, text) }) {
				return true
			}
		}
	}
	return false
}
