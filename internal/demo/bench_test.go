package demo

import (
	"testing"
	"time"
)

// BenchmarkGenerate measures a Scale 1 run with an emit that keeps nothing.
func BenchmarkGenerate(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	rows := 0
	b.ReportAllocs()
	for b.Loop() {
		rows = 0
		if err := Generate(Options{Now: now}, func(string, map[string]any) error { rows++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows), "rows/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
}
