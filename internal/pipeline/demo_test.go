package pipeline_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// triageDemo runs the triage of every demo incident of the last 14 days.
func triageDemo(t *testing.T) map[int]*report.Report {
	t.Helper()
	ctx := context.Background()
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := local.Open(ctx, "demo", ":memory:", cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: now}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := pipeline.Options{
		Workspace: ws, Catalog: cat, Now: func() time.Time { return now },
		Intel: &intel.Engine{Providers: []intel.Provider{sentinelti.New(pipeline.TIQuery(ws, cat, func() time.Time { return now }))}},
		// Each step's part of the report is settled when its progress is
		// told (the web UI renders it then).
		Progress: func(s report.Section, r *report.Report) {
			if s.Status != report.StatusOK {
				return
			}
			settled := map[string]bool{
				pipeline.SectionDetails:   len(r.Alerts) > 0,
				pipeline.SectionGraph:     len(r.Graph.Nodes) > 0,
				pipeline.SectionIndicator: len(r.Indicators) > 0,
				pipeline.SectionTI:        len(r.TI.Results) > 0,
				pipeline.SectionRelated:   len(r.RelatedAlerts) > 0,
				pipeline.SectionSummaries: len(r.Summaries) > 0,
			}
			if !settled[s.Name] {
				t.Errorf("incident %d: step %q is ok but its part of the report is empty when Progress is called", r.Incident.Number, s.Name)
			}
		},
	}
	var incs []triage.Incident
	err = ws.ListIncidents(ctx, workspace.IncidentFilter{Start: now.Add(-demo.Window), End: now}, func(inc triage.Incident) error {
		incs = append(incs, inc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) < 30 {
		t.Fatalf("%d demo incidents in 14 days, want at least 30", len(incs))
	}
	out := make(map[int]*report.Report)
	for _, inc := range incs {
		r, err := pipeline.Run(ctx, opts, inc.Name)
		if err != nil {
			t.Fatalf("incident %d: %v", inc.Number, err)
		}
		out[inc.Number] = r
	}
	return out
}

func TestDemoTriage(t *testing.T) {
	reports := triageDemo(t)
	story := demo.DefaultStory()

	kinds := map[triage.Kind]bool{}
	alertKeys := map[string][]string{} // every incident alert's entity keys
	for n, r := range reports {
		if r.Partial() {
			t.Errorf("incident %d: partial report: %+v", n, r.Sections)
		}
		if len(r.Problems) > 0 {
			t.Errorf("incident %d: problems: %v", n, r.Problems)
		}
		for _, e := range r.Entities {
			kinds[e.Kind] = true
		}
		for _, a := range r.Alerts {
			alertKeys[a.ID] = a.EntityKeys
		}
		checkGraph(t, n, r)
	}
	for _, k := range []triage.Kind{
		triage.KindAccount, triage.KindHost, triage.KindIP, triage.KindURL, triage.KindDNS, triage.KindFileHash,
		triage.KindFile, triage.KindProcess, triage.KindMailbox, triage.KindMailMessage, triage.KindMailCluster,
		triage.KindSubmissionMail, triage.KindCloudApplication, triage.KindAzureResource, triage.KindMalware,
		triage.KindRegistryKey, triage.KindRegistryValue, triage.KindSecurityGroup, triage.KindIoTDevice,
		triage.KindNic, triage.KindNetworkConnection, triage.KindLogonSession,
	} {
		if !kinds[k] {
			t.Errorf("no demo incident has a %s entity", k)
		}
	}

	// Threat intel: every malicious indicator that an incident names is a hit;
	// no benign indicator ever is.
	hits := map[string]bool{}
	for n, r := range reports {
		for _, res := range r.TI.Results {
			if res.Status == intel.StatusOK && res.Severity.Rank() >= intel.SeverityWarning.Rank() {
				hits[strings.ToLower(res.Indicator)] = true
				if slices.Contains(story.BenignIndicators, res.Indicator) {
					t.Errorf("incident %d: benign %s rated %s by %s", n, res.Indicator, res.Severity, res.Provider)
				}
			}
		}
	}
	for _, ind := range []string{story.AttackerIP, story.C2Domain, story.C2IP, story.PhishingURL} {
		if !hits[strings.ToLower(ind)] {
			t.Errorf("malicious %s is no threat-intel hit in any incident", ind)
		}
	}
	for _, n := range story.AttackIncidents {
		if r := reports[n]; r != nil && r.TI.Severity.Rank() < intel.SeverityWarning.Rank() {
			t.Errorf("attack incident %d: TI verdict %s, want warning or high", n, r.TI.Severity)
		}
	}
	if r := reports[story.FalsePositiveIncident]; r != nil && r.TI.Severity.Rank() >= intel.SeverityWarning.Rank() {
		t.Errorf("false-positive incident %d: TI verdict %s", story.FalsePositiveIncident, r.TI.Severity)
	}

	// Related alerts: recurring entities have them, and each names the entity exactly.
	related := map[string]bool{}
	for n, r := range reports {
		for _, rel := range r.RelatedAlerts {
			related[rel.Entity] = true
			for _, a := range rel.Alerts {
				if keys, ok := alertKeys[a.ID]; ok && !slices.Contains(keys, rel.Entity) {
					t.Errorf("incident %d: alert %s related to %s does not name it (names %v)", n, a.ID, rel.Entity, keys)
				}
			}
		}
	}
	for _, want := range []string{"Ip:" + story.AttackerIP} {
		if !related[want] {
			t.Errorf("recurring entity %s has no related alerts in any incident", want)
		}
	}
}

// checkGraph checks that the graph holds the incident, its alerts and
// entities, and that its edges join nodes it holds.
func checkGraph(t *testing.T, n int, r *report.Report) {
	t.Helper()
	nodes := map[string]bool{}
	for _, nd := range r.Graph.Nodes {
		if nodes[nd.ID] {
			t.Errorf("incident %d: duplicate graph node %s", n, nd.ID)
		}
		nodes[nd.ID] = true
	}
	if want := 1 + len(r.Alerts) + len(r.Entities); len(nodes) != want {
		t.Errorf("incident %d: %d graph nodes, want %d", n, len(nodes), want)
	}
	linked := map[string]bool{}
	for _, e := range r.Graph.Edges {
		if !nodes[e.From] || !nodes[e.To] {
			t.Errorf("incident %d: edge %s-%s joins a missing node", n, e.From, e.To)
		}
		linked[e.From+" "+e.To] = true
	}
	for _, a := range r.Alerts {
		if !linked["incident:"+r.Incident.Name+" alert:"+a.ID] {
			t.Errorf("incident %d: alert %s not linked to the incident", n, a.ID)
		}
		for _, k := range a.EntityKeys {
			if !linked["alert:"+a.ID+" "+k] {
				t.Errorf("incident %d: alert %s not linked to its entity %s", n, a.ID, k)
			}
		}
	}
}
