package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// BenchmarkPrecedents asks, for every demo incident of the 14 days, what
// the priority's precedents ask (first_seen_addresses,
// closed_benign_alerts and privileged_accounts, one each per incident), in a demo workspace of
// the default size and of 5 times its log volume: the time per incident.
//
//	go test ./internal/pipeline -run '^$' -bench Precedents -benchtime 3x
func BenchmarkPrecedents(b *testing.B) {
	for _, scale := range []int{1, 5} {
		b.Run(fmt.Sprintf("scale%d", scale), func(b *testing.B) {
			ctx := context.Background()
			ws, err := local.Open(ctx, "bench", ":memory:", nil)
			if err != nil {
				b.Fatal(err)
			}
			defer ws.Close()
			err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
				return demo.Generate(demo.Options{Now: now, Scale: scale}, emit)
			})
			if err != nil {
				b.Fatal(err)
			}
			var reports []*report.Report
			err = ws.ListIncidents(ctx, workspace.IncidentFilter{Start: now.Add(-demo.Window), End: now}, func(inc triage.Incident) error {
				d, err := ws.Details(ctx, inc)
				if err != nil {
					return err
				}
				reports = append(reports, &report.Report{Incident: inc, Alerts: d.Alerts, Entities: d.Entities,
					Indicators: pipeline.Indicators(d.Alerts, d.Entities), Window: report.Window{End: now}})
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			fail := func(p triage.Problem) { b.Fatalf("%s: %s", p.Where, p.What) }
			for _, r := range reports { // the indexes a first query builds
				pipeline.Precedents(ctx, ws, r, 0, fail)
			}
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				for _, r := range reports {
					pipeline.Precedents(ctx, ws, r, 0, fail)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N*len(reports))/1000, "ms/incident")
		})
	}
}
