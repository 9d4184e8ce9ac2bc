package intel

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
)

// quotaFake is a provider with a fixed latency that enforces its own
// per-second quota: a call beyond it is a 429, counted.
type quotaFake struct {
	name     string
	latency  time.Duration
	perSec   int
	mu       sync.Mutex
	times    []time.Time
	calls    atomic.Int64
	provoked atomic.Int64
}

func (p *quotaFake) Name() string           { return p.name }
func (p *quotaFake) External() bool         { return true }
func (p *quotaFake) Supports(ioc.Kind) bool { return true }
func (p *quotaFake) Lookup(ctx context.Context, ind ioc.Indicator) (Result, error) {
	p.calls.Add(1)
	now := time.Now()
	p.mu.Lock()
	in := 0
	for i := len(p.times) - 1; i >= 0 && now.Sub(p.times[i]) < time.Second; i-- {
		in++
	}
	p.times = append(p.times, now)
	p.mu.Unlock()
	if in >= p.perSec {
		p.provoked.Add(1)
		return Result{}, &RateLimitError{RetryAfter: time.Second}
	}
	if err := sleep(ctx, p.latency); err != nil {
		return Result{}, err
	}
	return Result{Severity: SeverityInformation, Summary: "seen"}, nil
}

// BenchmarkEngine looks N indicators (with duplicates and private ones) up
// in P providers of different latency, quota and concurrency, then again
// from the cache, and reports the wall time against the lower bound the
// providers' latency and quota allow, the calls made and the 429s provoked.
func BenchmarkEngine(b *testing.B) {
	type spec struct {
		latency     time.Duration
		perSec, par int
	}
	specs := []spec{{50 * time.Millisecond, 40, 4}, {120 * time.Millisecond, 25, 8}, {20 * time.Millisecond, 60, 2}, {80 * time.Millisecond, 100, 16}}
	const unique = 100
	var inds []ioc.Indicator
	for i := range unique {
		inds = append(inds, public(fmt.Sprintf("198.51.%d.%d", i/200, i%200+1)))
	}
	inds = append(inds, inds[:20]...) // duplicates
	for i := range 10 {
		inds = append(inds, ioc.Indicator{Kind: ioc.IPv4, Value: fmt.Sprintf("10.0.0.%d", i+1), Scope: ioc.Private})
	}
	for b.Loop() {
		var provs []Provider
		var fakes []*quotaFake
		settings := map[string]Settings{}
		lower := 0.0
		for i, s := range specs {
			f := &quotaFake{name: fmt.Sprintf("p%d", i), latency: s.latency, perSec: s.perSec}
			fakes = append(fakes, f)
			provs = append(provs, f)
			settings[f.name] = Settings{Concurrency: s.par, Quota: Quota{PerSecond: s.perSec}}
			// By concurrency: ceil(n/par) rounds of latency. By quota: the
			// last of n requests can start after floor((n-1)/q) seconds.
			byPar := math.Ceil(float64(unique)/float64(s.par)) * s.latency.Seconds()
			byQuota := math.Floor(float64(unique-1)/float64(s.perSec)) + s.latency.Seconds()
			lower = math.Max(lower, math.Max(byPar, byQuota))
		}
		e := &Engine{Providers: provs, Settings: settings, Cache: &memCache{}}
		start := time.Now()
		rs, st := e.LookupStats(context.Background(), inds)
		wall := time.Since(start).Seconds()
		_, st2 := e.LookupStats(context.Background(), inds)
		var provoked int64
		for _, f := range fakes {
			provoked += f.provoked.Load()
		}
		okRows := 0
		for _, r := range rs {
			if r.Status == StatusOK {
				okRows++
			}
		}
		b.ReportMetric(wall, "wall-s")
		b.ReportMetric(lower, "lower-bound-s")
		b.ReportMetric(wall/lower, "wall/lower")
		b.ReportMetric(float64(st.Calls), "calls")
		b.ReportMetric(float64(unique*len(specs)), "unique-lookups")
		b.ReportMetric(float64(provoked), "429s")
		b.ReportMetric(float64(st2.Calls), "calls-2nd-run")
		if okRows != unique*len(specs) {
			b.Fatalf("%d ok results, want %d", okRows, unique*len(specs))
		}
	}
}
