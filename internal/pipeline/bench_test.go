package pipeline_test

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// BenchmarkTriageAtTheCaps triages, in a demo workspace (whose logs the
// summaries and related alerts read), the worst cases the caps on entities
// allow: an incident of 100 alerts each naming as many entities as the
// per-alert cap (the incident's cap keeps 2,000), and one alert naming
// 105,000 entities. It reports the peak of the heap during the triage.
//
//	go test ./internal/pipeline -run '^$' -bench TriageAtTheCaps -benchtime 3x
func BenchmarkTriageAtTheCaps(b *testing.B) {
	for _, bc := range []struct {
		name            string
		alerts, entites int
	}{
		{"100x500", 100, 500},
		{"1x105000", 1, 105_000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			ws, err := local.Open(ctx, "bench", ":memory:", nil)
			if err != nil {
				b.Fatal(err)
			}
			defer ws.Close()
			recs := workspacetest.LargeIncident(now.Add(-time.Hour), bc.alerts, bc.entites)
			recs["SecurityIncident"][0]["IncidentNumber"] = 100_000
			err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
				if err := demo.Generate(demo.Options{Now: now}, emit); err != nil {
					return err
				}
				return workspacetest.Emitter(recs)(emit)
			})
			if err != nil {
				b.Fatal(err)
			}
			opts := pipeline.Options{Sources: sources.Sources{Workspace: ws}, Now: func() time.Time { return now }}
			if _, err := pipeline.Run(ctx, opts, "100000"); err != nil { // the indexes a first query builds
				b.Fatal(err)
			}
			runtime.GC()
			var peak atomic.Uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
				for {
					metrics.Read(s)
					if v := s[0].Value.Uint64(); v > peak.Load() {
						peak.Store(v)
					}
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
			}()
			b.ResetTimer()
			for b.Loop() {
				r, err := pipeline.Run(ctx, opts, "100000")
				if err != nil || len(r.Entities) > 2000 {
					b.Fatalf("%v, %d entities", err, len(r.Entities))
				}
			}
			b.StopTimer()
			close(stop)
			<-done
			b.ReportMetric(float64(peak.Load())/1e6, "peak-heap-MB")
		})
	}
}
