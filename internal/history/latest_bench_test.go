package history_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
)

// BenchmarkLatest times Latest over a workspace of 10,000 triaged
// incidents, asked about each by name.
func BenchmarkLatest(b *testing.B) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "history.db"))
	const n = 10000
	names := make([]string, n)
	for i := range n {
		r := rep("bench", i+1, t0.Add(-time.Duration(i)*time.Second), intel.SeverityHigh)
		names[i] = r.Incident.Name
		if _, err := s.Add(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Latest(ctx, "bench", names...)
		if err != nil || len(got) != n {
			b.Fatal(len(got), err)
		}
	}
}
