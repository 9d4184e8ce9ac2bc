package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// smallWorkspace loads the conformance data set: prefix-sharing addresses, a
// missing alert, an alert whose Entities is not JSON, an incident with no alerts.
func smallWorkspace(t *testing.T) *local.Workspace {
	t.Helper()
	return memWorkspace(t, workspacetest.Records())
}

// memWorkspace is an in-memory workspace holding recs, closed after the test.
func memWorkspace(t *testing.T, recs map[string][]map[string]any) *local.Workspace {
	t.Helper()
	ctx := context.Background()
	ws, err := local.Open(ctx, "test", ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.Load(ctx, workspacetest.Emitter(recs)); err != nil {
		t.Fatal(err)
	}
	return ws
}

func section(r *report.Report, name string) report.Section {
	for _, s := range r.Sections {
		if s.Name == name {
			return s
		}
	}
	return report.Section{}
}

func TestRunBadInput(t *testing.T) {
	ws := smallWorkspace(t)
	clock := func() time.Time { return workspacetest.T0.Add(24 * time.Hour) }
	opts := pipeline.Options{Now: clock, Sources: sources.Sources{Workspace: ws,
		Intel: &intel.Engine{Providers: []intel.Provider{sentinelti.New(pipeline.TIQuery(ws, clock))}}}}
	ctx := context.Background()

	r, err := pipeline.Run(ctx, opts, workspacetest.Incident1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(problems(r), workspacetest.AlertMissing) {
		t.Errorf("incident 1: problems %q do not name the missing alert", problems(r))
	}
	var ids []string
	for _, rel := range r.RelatedAlerts {
		if rel.Entity == "Ip:10.0.0.1" {
			for _, a := range rel.Alerts {
				ids = append(ids, a.ID)
			}
		}
		if rel.Entity == "Ip:10.0.0.10" {
			t.Errorf("incident 1 has no 10.0.0.10 entity, yet related alerts list it")
		}
	}
	if len(ids) != 1 || ids[0] != workspacetest.AlertOther {
		t.Errorf("related alerts of 10.0.0.1 = %v, want only %s (not the 10.0.0.10 alert)", ids, workspacetest.AlertOther)
	}

	r, err = pipeline.Run(ctx, opts, workspacetest.Incident3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(problems(r), workspacetest.Alert4) {
		t.Errorf("incident 3: problems %q do not name the alert with broken entities", problems(r))
	}
	if s := section(r, pipeline.SectionTI); s.Status == report.StatusError {
		t.Errorf("incident 3: a broken entity failed the TI section: %+v", s)
	}

	r, err = pipeline.Run(ctx, opts, "4")
	if err != nil {
		t.Fatal(err)
	}
	if s := section(r, pipeline.SectionDetails); s.Status != report.StatusEmpty {
		t.Errorf("incident without alerts: details section %+v, want empty", s)
	}

	if _, err := pipeline.Run(ctx, opts, "999"); !errors.Is(err, workspace.ErrNotFound) {
		t.Errorf("missing incident: err = %v, want ErrNotFound", err)
	}
}

func TestRunFailingProvider(t *testing.T) {
	ws := smallWorkspace(t)
	failing := sentinelti.New(func(context.Context, []string) ([]intel.TIMatch, error) {
		return nil, errors.New("service unavailable")
	})
	opts := pipeline.Options{Sources: sources.Sources{Workspace: ws, Intel: &intel.Engine{Providers: []intel.Provider{failing}}}}
	r, err := pipeline.Run(context.Background(), opts, workspacetest.Incident1)
	if err != nil {
		t.Fatal(err)
	}
	if s := section(r, pipeline.SectionTI); s.Status != report.StatusError {
		t.Errorf("TI section %+v, want error", s)
	}
	if r.TI.Severity != intel.SeverityUnknown {
		t.Errorf("verdict %s after every lookup failed, want unknown", r.TI.Severity)
	}
	if !r.Partial() {
		t.Error("report with failed lookups is not partial")
	}
	if s := section(r, pipeline.SectionRelated); s.Status != report.StatusOK {
		t.Errorf("related alerts section %+v: a failing provider stopped another step", s)
	}
}

func problems(r *report.Report) string {
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}
