package local_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/workspace/local"
)

// signinRecords builds n SigninLogs-like records.
func signinRecords(n int) []map[string]any {
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = map[string]any{
			"TimeGenerated":     t0.Add(time.Duration(i) * time.Second),
			"UserPrincipalName": fmt.Sprintf("user%d@contoso.com", i%500),
			"UserDisplayName":   fmt.Sprintf("User %d", i%500),
			"IPAddress":         fmt.Sprintf("10.%d.%d.%d", i%7, i%250, i%200),
			"ResultType":        "0",
			"AppDisplayName":    "Azure Portal",
			"ClientAppUsed":     "Browser",
			"IsInteractive":     true,
			"Location":          "NO",
			"LocationDetails":   map[string]any{"city": "Oslo", "countryOrRegion": "NO", "geoCoordinates": map[string]any{"latitude": 59.9, "longitude": 10.7}},
			"DeviceDetail":      map[string]any{"operatingSystem": "Windows 10", "browser": "Edge 120"},
			"UserAgent":         "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
			"CorrelationId":     fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i),
			"DurationMs":        i % 1000,
		}
	}
	return recs
}

// BenchmarkLoad loads 100k SigninLogs-like records into a fresh in-memory
// workspace per iteration and reports the time per row. The table's
// secondary indexes are deferred to its first query; BenchmarkLoadAndIndex
// includes building them.
func BenchmarkLoad(b *testing.B) { benchmarkLoad(b, false) }

// BenchmarkLoadAndIndex is BenchmarkLoad followed by BuildIndexes.
func BenchmarkLoadAndIndex(b *testing.B) { benchmarkLoad(b, true) }

func benchmarkLoad(b *testing.B, index bool) {
	const n = 100_000
	recs := signinRecords(n)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		ws, err := local.Open(ctx, "bench", ":memory:", nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
			for _, r := range recs {
				if err := emit("SigninLogs", r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if index {
			if err := ws.BuildIndexes(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		ws.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
