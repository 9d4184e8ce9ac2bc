package cache_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/cache"
)

// benchResult is a typical answer: a few details and a 4 KB body.
func benchResult(k intel.CacheKey) intel.Result {
	r := result(k, "12/94 engines: malicious")
	r.Details = map[string]any{"malicious": 12, "harmless": 70, "tags": []string{"botnet", "scanner"}}
	r.Link = "https://www.virustotal.com/gui/ip-address/" + k.Value
	r.Raw = json.RawMessage(`{"data":"` + strings.Repeat("x", 4096) + `"}`)
	r.FetchedAt = t0
	return r
}

// benchStore opens a cache file holding n answers under keys benchKey(i).
func benchStore(b *testing.B, n int) *cache.Store {
	b.Helper()
	s := open(b, tempPath(b))
	for i := range n {
		k := benchKey(i)
		put(b, s, k, benchResult(k), t0.Add(time.Hour))
	}
	return s
}

func benchKey(i int) intel.CacheKey {
	return intel.CacheKey{Provider: "virustotal", Fingerprint: "fp", Type: "ipv4", Value: fmt.Sprintf("198.51.%d.%d", i/256%256, i%256)}
}

// BenchmarkGetHit reads answers from a file of 10,000.
func BenchmarkGetHit(b *testing.B) {
	const n = 10_000
	s := benchStore(b, n)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, ok, err := s.Get(ctx, benchKey(i%n), t0); err != nil || !ok {
			b.Fatal(ok, err)
		}
		i++
	}
}

// BenchmarkGetHitParallel is BenchmarkGetHit from GOMAXPROCS goroutines.
func BenchmarkGetHitParallel(b *testing.B) {
	const n = 10_000
	s := benchStore(b, n)
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok, err := s.Get(ctx, benchKey(i%n), t0); err != nil || !ok {
				b.Error(ok, err)
				return
			}
			i++
		}
	})
}

// BenchmarkPut writes new answers to a file.
func BenchmarkPut(b *testing.B) {
	s := benchStore(b, 0)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		k := benchKey(i)
		if err := s.Put(ctx, k, benchResult(k), t0.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRecord records requests to one provider.
func BenchmarkRecord(b *testing.B) {
	s := benchStore(b, 0)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if err := s.Record(ctx, "virustotal", t0.Add(time.Duration(i))); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
