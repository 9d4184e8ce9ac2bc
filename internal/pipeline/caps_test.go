package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// TestCappedEntitiesMakeThePartialReport: an incident whose alert names
// more entities than the workspace's cap is triaged with the cap's entities;
// the problem counts the rest, and every section built from the entities
// says it is partial, so the report is partial, not clean.
func TestCappedEntitiesMakeThePartialReport(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ws := memWorkspace(t, workspacetest.LargeIncident(t0, 2, 300))
	opts := pipeline.Options{Sources: sources.Sources{Workspace: ws}, Now: func() time.Time { return t0.Add(time.Hour) }}

	r, err := pipeline.Run(context.Background(), opts, "1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Partial() || r.EntitiesLeftOut != 0 || len(r.Entities) != 600 {
		t.Fatalf("within the default caps: partial %v, %d left out, %d entities; want a whole report of 600",
			r.Partial(), r.EntitiesLeftOut, len(r.Entities))
	}

	ws.SetLimits(triage.Limits{EntitiesPerAlert: 250, EntitiesPerIncident: 400})
	r, err = pipeline.Run(context.Background(), opts, "1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entities) != 400 {
		t.Errorf("%d entities, want the incident's cap of 400", len(r.Entities))
	}
	if !r.Partial() {
		t.Error("the report is not partial, yet entities were left out")
	}
	var text []string
	for _, p := range r.Problems {
		text = append(text, p.String())
	}
	for _, want := range []string{"the alert names 300 entities; the first 250 were kept, 50 left out (",
		"incident 1: the incident names 500 entities; the first 400 were kept, 100 left out ("} {
		if !strings.Contains(strings.Join(text, "\n"), want) {
			t.Errorf("no problem says %q:\n%s", want, strings.Join(text, "\n"))
		}
	}
	for _, name := range []string{pipeline.SectionDetails, pipeline.SectionGraph, pipeline.SectionIndicator,
		pipeline.SectionRelated, pipeline.SectionSummaries} {
		if s := section(r, name); s.Status != report.StatusPartial || !strings.Contains(s.Reason, "left out by the caps") {
			t.Errorf("section %s: %s %q, want partial saying entities were left out", name, s.Status, s.Reason)
		}
	}
	// The threat intel is off here: a skipped section stays skipped.
	if s := section(r, pipeline.SectionTI); s.Status != report.StatusSkipped {
		t.Errorf("section %s: %s, want skipped", pipeline.SectionTI, s.Status)
	}
}
