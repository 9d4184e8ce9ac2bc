package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// theDemo is the triage of every demo incident, made once for the tests
// that read it.
var theDemo struct {
	once    sync.Once
	reports map[int]*report.Report
	// unsettled are the steps told to Progress before their part of the
	// report was settled (TestDemoTriage reports them).
	unsettled []string
	// signins are the times of the demo's sign-ins by address, as
	// generated (the first-seen checks compare the reports with them).
	signins map[string][]time.Time
	err     error
}

// triageDemo returns the triage of every demo incident of the last 14 days.
func triageDemo(t *testing.T) map[int]*report.Report {
	t.Helper()
	d := &theDemo
	d.once.Do(func() { d.reports, d.unsettled, d.err = runDemo() })
	if d.err != nil {
		t.Fatal(d.err)
	}
	return d.reports
}

// runDemo triages every demo incident of the last 14 days, in an in-memory
// demo workspace.
func runDemo() (map[int]*report.Report, []string, error) {
	ctx := context.Background()
	ws, err := local.Open(ctx, "demo", ":memory:", nil)
	if err != nil {
		return nil, nil, err
	}
	defer ws.Close()
	theDemo.signins = map[string][]time.Time{}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: now}, func(table string, rec map[string]any) error {
			if ip, ok := rec["IPAddress"].(string); ok && (table == "SigninLogs" || table == "AADNonInteractiveUserSignInLogs") {
				at, _ := rec["TimeGenerated"].(time.Time)
				theDemo.signins[strings.ToLower(ip)] = append(theDemo.signins[strings.ToLower(ip)], at)
			}
			return emit(table, rec)
		})
	})
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	var unsettled []string
	opts := pipeline.Options{
		Sources: sources.Sources{Workspace: ws,
			Intel: &intel.Engine{Providers: []intel.Provider{sentinelti.New(pipeline.TIQuery(ws, func() time.Time { return now }))}}},
		Now: func() time.Time { return now },
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
				mu.Lock()
				unsettled = append(unsettled, fmt.Sprintf("incident %d: step %q is ok but its part of the report is empty when Progress is called", r.Incident.Number, s.Name))
				mu.Unlock()
			}
		},
	}
	var incs []triage.Incident
	err = ws.ListIncidents(ctx, workspace.IncidentFilter{Start: now.Add(-demo.Window), End: now}, func(inc triage.Incident) error {
		incs = append(incs, inc)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(incs) < 30 {
		return nil, nil, fmt.Errorf("%d demo incidents in 14 days, want at least 30", len(incs))
	}
	out := make(map[int]*report.Report)
	for _, inc := range incs {
		r, err := pipeline.Run(ctx, opts, inc.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("incident %d: %v", inc.Number, err)
		}
		out[inc.Number] = r
	}
	return out, unsettled, nil
}

func TestDemoTriage(t *testing.T) {
	reports := triageDemo(t)
	story := demo.DefaultStory()
	for _, u := range theDemo.unsettled {
		t.Error(u)
	}

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

	// Related alerts: recurring entities have them, and each names the
	// entity: as itself, or as its mailbox or account.
	alertEnts := map[string][]triage.Entity{} // every incident alert's entities
	for _, r := range reports {
		for _, e := range r.Entities {
			for _, id := range e.Alerts {
				alertEnts[id] = append(alertEnts[id], e)
			}
		}
	}
	related := map[string]bool{}
	for n, r := range reports {
		for _, rel := range r.RelatedAlerts {
			related[rel.Entity] = true
			i := slices.IndexFunc(r.Entities, func(e triage.Entity) bool { return e.Key == rel.Entity })
			for _, a := range rel.Alerts {
				ents, ok := alertEnts[a.ID]
				if ok && !slices.ContainsFunc(ents, func(x triage.Entity) bool { return summary.NamedBy(r.Entities[i], x) != "" }) {
					t.Errorf("incident %d: alert %s related to %s does not name it (names %v)", n, a.ID, rel.Entity, alertKeys[a.ID])
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

// TestRelatedAgreesWithSummaries: the incident's Related alerts section
// and the entity summaries' related alerts answer one question the same
// way, in every demo incident: for each entity whose summary has the part,
// the same alerts outside the incident over the same window (the table's
// rows are the first of the section's, in its order; its count is the
// section's).
func TestRelatedAgreesWithSummaries(t *testing.T) {
	reports := triageDemo(t)
	for n, r := range reports {
		section := map[string][]report.RelatedAlert{}
		for _, rel := range r.RelatedAlerts {
			section[rel.Entity] = rel.Alerts
		}
		for _, s := range r.Summaries {
			i := slices.IndexFunc(s.Sections, func(sec report.SummarySection) bool { return sec.Name == "Related alerts" })
			if i < 0 {
				continue // a kind whose summary has no related alerts
			}
			sec := s.Sections[i]
			var want, got []string
			for _, a := range section[s.Entity] {
				want = append(want, a.Time.UTC().Format(time.RFC3339)+" "+a.Name)
			}
			switch sec.Status {
			case report.StatusOK:
				at, name := slices.Index(sec.Table.Headers(), "Time"), slices.Index(sec.Table.Headers(), "Alert")
				for _, row := range sec.Table.Rows {
					got = append(got, row[at]+" "+row[name])
				}
				if c := factOf(sec.Facts, "Other alerts"); c != fmt.Sprint(len(want)) {
					t.Errorf("incident %d, %s: the summary counts %s related alerts, the section %d", n, s.Entity, c, len(want))
				}
				want = want[:min(len(want), len(got))] // the table is cut to its first rows
			case report.StatusEmpty:
			default:
				t.Errorf("incident %d, %s: related alerts %s: %s", n, s.Entity, sec.Status, sec.Reason)
				continue
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("incident %d, %s: related alerts (-section +summary):\n%s", n, s.Entity, d)
			}
		}
	}

	// The story: the phishing mail reached sam.taylor (incident 121's
	// user); its alert names her mailbox, and is related to her account.
	const sam = "sam.taylor@contoso-demo.example"
	var phish []string
	for _, r := range reports {
		for _, a := range r.Alerts {
			if slices.Contains(a.EntityKeys, "Mailbox:"+sam) && !slices.Contains(a.EntityKeys, "Account:"+sam) {
				phish = append(phish, a.ID)
			}
		}
	}
	r := reports[121]
	if len(phish) == 0 || r == nil {
		t.Fatalf("no demo alert names %s only as a mailbox, or no incident 121", sam)
	}
	i := slices.IndexFunc(r.RelatedAlerts, func(rel report.Related) bool { return rel.Entity == "Account:"+sam })
	if i < 0 || !slices.ContainsFunc(r.RelatedAlerts[i].Alerts, func(a report.RelatedAlert) bool { return slices.Contains(phish, a.ID) }) {
		t.Errorf("incident 121: the related alerts of %s leave out the alerts naming her mailbox %v", sam, phish)
	}
}

func factOf(facts []report.Fact, label string) string {
	for _, f := range facts {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}
