package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// gated answers every lookup "information" once open is closed, and
// records what it was asked, in order.
type gated struct {
	open  chan struct{}
	mu    sync.Mutex
	asked []string
}

func (g *gated) Name() string           { return "gated" }
func (g *gated) External() bool         { return false }
func (g *gated) Supports(ioc.Kind) bool { return true }
func (g *gated) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	g.mu.Lock()
	g.asked = append(g.asked, ind.Value)
	g.mu.Unlock()
	select {
	case <-g.open:
	case <-ctx.Done():
		return intel.Result{}, ctx.Err()
	}
	return intel.Result{Severity: intel.SeverityInformation, Summary: "seen by gated"}, nil
}

// TestSummariesDoNotWaitForTI checks that the entity summaries and related
// alerts complete while the lookups are still in flight, and that the
// summaries are completed again with the answers once they come.
func TestSummariesDoNotWaitForTI(t *testing.T) {
	ws := smallWorkspace(t)
	g := &gated{open: make(chan struct{})}
	var mu sync.Mutex
	var seen []report.Section
	early := make(chan struct{})
	opts := pipeline.Options{Sources: sources.Sources{Workspace: ws, Intel: &intel.Engine{Providers: []intel.Provider{g}}},
		Progress: func(s report.Section, r *report.Report) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, s)
			if s.Name == pipeline.SectionSummaries && len(seen) > 0 && !slices.ContainsFunc(seen, func(s report.Section) bool { return s.Name == pipeline.SectionTI }) {
				close(early)
			}
		}}
	done := make(chan *report.Report)
	go func() {
		r, err := pipeline.Run(context.Background(), opts, workspacetest.Incident1)
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	select {
	case <-early:
	case <-time.After(20 * time.Second):
		t.Fatal("the summaries did not complete while the lookups were held")
	}
	mu.Lock()
	if !slices.ContainsFunc(seen, func(s report.Section) bool { return s.Name == pipeline.SectionRelated }) {
		t.Error("related alerts did not complete while the lookups were held")
	}
	for _, s := range seen {
		if s.Name == pipeline.SectionSummaries && !strings.Contains(s.Reason, "threat intel still running") {
			t.Errorf("summaries before threat intel: reason %q does not say it is still running", s.Reason)
		}
	}
	mu.Unlock()
	close(g.open)
	r := <-done

	var sums []report.Section
	for _, s := range r.Sections {
		if s.Name == pipeline.SectionSummaries {
			sums = append(sums, s)
		}
	}
	if len(sums) != 1 || strings.Contains(sums[0].Reason, "still running") {
		t.Errorf("the report's summaries sections %+v, want one, complete", sums)
	}
	var ti string
	for _, s := range r.Summaries {
		if s.Entity == "Ip:10.0.0.1" {
			for _, sec := range s.Sections {
				if sec.Name == "Threat intelligence" {
					ti = string(sec.Status) + " " + sec.Reason
				}
			}
		}
	}
	if !strings.HasPrefix(ti, "ok") {
		t.Errorf("10.0.0.1's threat-intelligence section after the answers: %q, want ok", ti)
	}
}

// TestScarceQuotaAnswersTheHighFirst triages an incident whose high-severity
// alert names 2 addresses and whose earlier low-severity alert names 120
// more, against a provider with 4 requests left: it answers the 2 first, and
// the verdict says it is incomplete.
// manyAddresses is a workspace with incident 1: its high-severity alert
// names 203.0.113.7 and .8, its earlier low-severity one 120 other
// addresses.
func manyAddresses(t *testing.T) (*local.Workspace, time.Time) {
	t.Helper()
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ipList := func(from, n int) string {
		var b strings.Builder
		b.WriteString("[")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"$id":"%d","Address":"198.51.%d.%d","Type":"ip"}`, i+1, 100+(from+i)/250, 1+(from+i)%250)
		}
		b.WriteString("]")
		return b.String()
	}
	alert := func(id, sev string, at time.Time, ents string) map[string]any {
		return map[string]any{"TimeGenerated": at, "SystemAlertId": id, "AlertName": sev + " alert", "DisplayName": sev + " alert",
			"AlertSeverity": sev, "StartTime": at, "EndTime": at, "Status": "New", "ProviderName": "test", "Entities": ents}
	}
	recs := map[string][]map[string]any{
		"SecurityIncident": {{
			"TimeGenerated": t0, "IncidentName": "inc-1", "IncidentNumber": 1, "Title": "Many addresses", "Severity": "High",
			"Status": "New", "CreatedTime": t0, "LastModifiedTime": t0, "AlertIds": []any{"low", "high"},
		}},
		"SecurityAlert": {
			alert("low", "Low", t0.Add(-time.Hour), ipList(0, 120)),
			alert("high", "High", t0.Add(-time.Minute), `[{"$id":"1","Address":"203.0.113.7","Type":"ip"},{"$id":"2","Address":"203.0.113.8","Type":"ip"}]`),
		},
	}
	return memWorkspace(t, recs), t0
}

func TestScarceQuotaAnswersTheHighFirst(t *testing.T) {
	ctx := context.Background()
	ws, t0 := manyAddresses(t)
	g := &gated{open: make(chan struct{})}
	close(g.open)
	e := &intel.Engine{Providers: []intel.Provider{g}, MaxWait: 200 * time.Millisecond,
		Settings: map[string]intel.Settings{"gated": {Quota: intel.Quota{PerMinute: 4}}}}
	start := time.Now()
	r, err := pipeline.Run(ctx, pipeline.Options{Sources: sources.Sources{Workspace: ws, Intel: e}, Now: func() time.Time { return t0 }}, "1")
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("the triage took %s with a 200ms wait budget", el)
	}
	if len(r.Indicators) != 122 || r.Indicators[0].Priority != 1 || r.Indicators[0].AlertSeverity != "High" {
		t.Fatalf("%d indicators, the first %+v; want 122, the high alert's first", len(r.Indicators), r.Indicators[0])
	}
	status := map[string]intel.Status{}
	for _, res := range r.TI.Results {
		status[res.Indicator] = res.Status
	}
	for _, ip := range []string{"203.0.113.7", "203.0.113.8"} {
		if status[ip] != intel.StatusOK {
			t.Errorf("%s, named by the high-severity alert: %s, want answered first", ip, status[ip])
		}
	}
	if len(g.asked) != 4 {
		t.Errorf("%d lookups asked, want the quota's 4", len(g.asked))
	}
	if r.TI.Complete || r.TI.Severity != intel.SeverityUnknown || !strings.Contains(r.TI.Explanation, "gated did not answer 118 lookups") {
		t.Errorf("verdict %s, complete %v: %q; want unknown and incomplete, naming the 118 not answered", r.TI.Severity, r.TI.Complete, r.TI.Explanation)
	}
	if s := section(r, pipeline.SectionTI); s.Status != report.StatusPartial {
		t.Errorf("TI section %+v, want partial", s)
	}
}

// TestFinish triages 122 addresses with a quota of 50 lookups a second and
// no wait, then finishes: every lookup is answered, the verdict is complete,
// the report given is unchanged, and Progress hears the threat intel say
// what it waits for, then its end, then the summaries.
func TestFinish(t *testing.T) {
	ws, t0 := manyAddresses(t)
	g := &gated{open: make(chan struct{})}
	close(g.open)
	e := &intel.Engine{Providers: []intel.Provider{g}, MaxWait: intel.NoWait,
		Settings: map[string]intel.Settings{"gated": {Quota: intel.Quota{PerSecond: 50}}}}
	opts := pipeline.Options{Sources: sources.Sources{Workspace: ws, Intel: e}, Now: func() time.Time { return t0 }}
	r, err := pipeline.Run(context.Background(), opts, "1")
	if err != nil {
		t.Fatal(err)
	}
	left := pipeline.Unfinished(r)
	if left == 0 || r.TI.Complete {
		t.Fatalf("%d lookups left, complete %v: want 72 left by a quota of 50 a second", left, r.TI.Complete)
	}
	var steps []string
	opts.Progress = func(s report.Section, _ *report.Report) {
		steps = append(steps, s.Name+": "+string(s.Status)+" "+s.Reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := pipeline.Finish(ctx, opts, r)
	if n := pipeline.Unfinished(f); n != 0 || !f.TI.Complete || f.TI.Severity != intel.SeverityInformation {
		t.Errorf("after Finish: %d left, complete %v, verdict %s (%s)", n, f.TI.Complete, f.TI.Severity, f.TI.Explanation)
	}
	if pipeline.Unfinished(r) != left || r.TI.Complete {
		t.Error("Finish changed the report it was given")
	}
	if len(steps) != 3 || !strings.Contains(steps[0], fmt.Sprintf("looking up the %d lookups left", left)) ||
		!strings.HasPrefix(steps[1], pipeline.SectionTI+": ok") || !strings.HasPrefix(steps[2], pipeline.SectionSummaries) {
		t.Errorf("progress:\n%s", strings.Join(steps, "\n"))
	}
	if s := section(f, pipeline.SectionTI); s.Status != report.StatusOK {
		t.Errorf("the finished report's TI section: %+v", s)
	}
}
