package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// withEvidence is a workspace whose incidents' first alert also carries
// Graph alert evidence, as a defender workspace's alerts do.
type withEvidence struct {
	workspace.Workspace
	evidence string
}

func (w withEvidence) Details(ctx context.Context, inc triage.Incident) (triage.Details, error) {
	d, err := w.Workspace.Details(ctx, inc)
	if err != nil || len(d.Alerts) == 0 {
		return d, err
	}
	ents, probs := triage.ParseGraphEvidence([]byte(w.evidence), "alert "+d.Alerts[0].ID+" evidence")
	d.Problems = append(d.Problems, probs...)
	set := triage.NewSet()
	for _, e := range d.Entities {
		set.Add(e)
	}
	for _, e := range ents {
		e.Alerts = []string{d.Alerts[0].ID}
		d.Alerts[0].EntityKeys = append(d.Alerts[0].EntityKeys, set.Add(e))
	}
	d.Entities = set.Entities()
	return d, nil
}

// asking is an external provider that knows nothing and records what it
// was asked.
type asking struct {
	mu    sync.Mutex
	asked []string
}

func (a *asking) Name() string           { return "outside" }
func (a *asking) External() bool         { return true }
func (a *asking) Supports(ioc.Kind) bool { return true }
func (a *asking) Lookup(_ context.Context, ind ioc.Indicator) (intel.Result, error) {
	a.mu.Lock()
	a.asked = append(a.asked, ind.Value)
	a.mu.Unlock()
	return intel.Result{}, intel.ErrNotFound
}

// defenderFile is a file Defender XDR judged as given, with its hash, on a
// private address's device.
func defenderFile(verdict string) string {
	return `[
	 {"@odata.type":"#microsoft.graph.security.fileEvidence","verdict":"` + verdict + `","remediationStatus":"blocked","detectionStatus":"blocked","roles":[],
	  "fileDetails":{"fileName":"payload.exe","filePath":"C:\\Users\\alice\\Downloads","sha256":"5d1b7a0e9f3c2b4a6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c"}},
	 {"@odata.type":"#microsoft.graph.security.ipEvidence","verdict":"unknown","remediationStatus":"none","roles":[],"ipAddress":"10.20.30.40"}
	]`
}

// TestDefenderVerdictCounts: an incident whose only bad signal is Defender
// XDR's "malicious" on a file gets a verdict that is not clean and names
// Defender, in the threat intel and in the priority; "noThreatsFound"
// adds nothing; the lookups are made as before, private addresses never
// given to an external provider.
func TestDefenderVerdictCounts(t *testing.T) {
	ws := smallWorkspace(t)
	ctx := context.Background()
	run := func(t *testing.T, evidence string, engine *intel.Engine) *triageRun {
		t.Helper()
		opts := pipeline.Options{Sources: sources.Sources{Workspace: withEvidence{ws, evidence}, Intel: engine}}
		r, err := pipeline.Run(ctx, opts, workspacetest.Incident1)
		if err != nil {
			t.Fatal(err)
		}
		return &triageRun{r.TI.Severity, r.TI.Reasons, r.TI.Results, r.TI.Providers, r.Priority.Reasons, r.Entities, section(r, pipeline.SectionTI)}
	}
	const hash = "5d1b7a0e9f3c2b4a6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c"

	outside := &asking{}
	bad := run(t, defenderFile("malicious"), &intel.Engine{Providers: []intel.Provider{outside}})
	if bad.severity != intel.SeverityHigh {
		t.Errorf("verdict %s, want high from Defender's malicious", bad.severity)
	}
	if len(bad.reasons) != 1 || bad.reasons[0].Provider != pipeline.DefenderSource || bad.reasons[0].Indicator != "payload.exe" || bad.reasons[0].Type != "file" ||
		!strings.Contains(bad.reasons[0].Summary, "malicious") || !strings.Contains(bad.reasons[0].Summary, "remediationStatus blocked") {
		t.Errorf("reasons %+v, want Defender's verdict on payload.exe", bad.reasons)
	}
	if !slices.Equal(bad.providers, []string{"outside"}) {
		t.Errorf("providers asked %v, want outside only: Defender was not asked", bad.providers)
	}
	if bad.section.Status != report.StatusOK || !strings.Contains(bad.section.Reason, pipeline.DefenderSource+" judged 1 entity") {
		t.Errorf("threat intel section %+v", bad.section)
	}
	if !slices.ContainsFunc(bad.priority, func(p report.PriorityReason) bool {
		return p.Factor == priority.TIHigh && strings.Contains(p.Detail, "payload.exe ("+pipeline.DefenderSource+")")
	}) {
		t.Errorf("priority reasons %+v do not name Defender", bad.priority)
	}
	outside.mu.Lock()
	asked := slices.Clone(outside.asked)
	outside.mu.Unlock()
	if !slices.Contains(asked, hash) {
		t.Errorf("the provider was asked %v, not Defender's file hash: the lookups must go on", asked)
	}
	if slices.Contains(asked, "10.20.30.40") {
		t.Error("a private address from Defender's evidence went to an external provider")
	}
	var file triage.Entity
	for _, e := range bad.entities {
		if e.Kind == triage.KindFile {
			file = e
		}
	}
	if file.DefenderVerdict() != triage.VerdictMalicious {
		t.Errorf("file entity %+v does not keep Defender's verdict", file)
	}

	// No provider configured: Defender's verdict still counts.
	alone := run(t, defenderFile("suspicious"), nil)
	if alone.severity != intel.SeverityWarning || len(alone.reasons) != 1 {
		t.Errorf("without providers: verdict %s, reasons %+v; want warning from Defender", alone.severity, alone.reasons)
	}
	if alone.section.Status != report.StatusOK || !strings.Contains(alone.section.Reason, "verdict warning from "+pipeline.DefenderSource+"'s own verdicts on 1 entity; no threat-intel provider is configured") {
		t.Errorf("without providers: threat intel section %+v", alone.section)
	}

	// Nothing found: no result of Defender's, the verdict what the
	// providers say.
	clean := run(t, defenderFile("noThreatsFound"), &intel.Engine{Providers: []intel.Provider{&asking{}}})
	if clean.severity != intel.SeverityNone || strings.Contains(clean.section.Reason, pipeline.DefenderSource) {
		t.Errorf("noThreatsFound: verdict %s, section %+v; want none, Defender absent", clean.severity, clean.section)
	}
	for _, res := range clean.results {
		if res.Provider == pipeline.DefenderSource {
			t.Errorf("noThreatsFound gave a result: %+v", res)
		}
	}
	if none := run(t, defenderFile("noThreatsFound"), nil); none.severity != intel.SeverityUnknown {
		t.Errorf("noThreatsFound and no provider: verdict %s, want unknown", none.severity)
	}
}

type triageRun struct {
	severity  intel.Severity
	reasons   []intel.Result
	results   []intel.Result
	providers []string
	priority  []report.PriorityReason
	entities  []triage.Entity
	section   report.Section
}

// noAlertsTable is a workspace without the alerts table related alerts
// read, as a Defender XDR workspace without Log Analytics.
type noAlertsTable struct{ workspace.Workspace }

func (w noAlertsTable) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	if name == "related_alerts" {
		return workspace.Table{}, fmt.Errorf("query %s: %w", name, &workspace.NoTableError{Table: "SecurityAlert"})
	}
	return w.Workspace.Run(ctx, name, p)
}

// A workspace without the alerts table skips related alerts, saying which
// table it lacks: a missing table is not a failure.
func TestRelatedWithoutAlertsTableSkipped(t *testing.T) {
	opts := pipeline.Options{Sources: sources.Sources{Workspace: noAlertsTable{smallWorkspace(t)}}}
	r, err := pipeline.Run(context.Background(), opts, workspacetest.Incident1)
	if err != nil {
		t.Fatal(err)
	}
	if s := section(r, pipeline.SectionRelated); s.Status != report.StatusSkipped || !strings.Contains(s.Reason, "no SecurityAlert table") {
		t.Errorf("related alerts section %+v, want skipped naming the table", s)
	}
}
