package intel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
)

// scripted answers each lookup with the next answer of its indicator's
// script (the last one repeats), after a delay, and records call times.
type scripted struct {
	name    string
	delay   time.Duration
	scripts map[string][]func() (Result, error)
	def     func() (Result, error)
	mu      sync.Mutex
	seen    map[string]int
	times   []time.Time
}

func (p *scripted) Name() string           { return p.name }
func (p *scripted) External() bool         { return true }
func (p *scripted) Supports(ioc.Kind) bool { return true }
func (p *scripted) Lookup(ctx context.Context, ind ioc.Indicator) (Result, error) {
	p.mu.Lock()
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	n := p.seen[ind.Value]
	p.seen[ind.Value]++
	p.times = append(p.times, time.Now())
	s := p.scripts[ind.Value]
	p.mu.Unlock()
	if p.delay > 0 {
		if err := sleep(ctx, p.delay); err != nil {
			return Result{}, err
		}
	}
	switch {
	case len(s) == 0 && p.def != nil:
		return p.def()
	case len(s) == 0:
		return Result{Severity: SeverityInformation}, nil
	case n >= len(s):
		return s[len(s)-1]()
	}
	return s[n]()
}

func (p *scripted) calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.times)
}

func addrs(n int) []ioc.Indicator {
	out := make([]ioc.Indicator, n)
	for i := range out {
		out[i] = public(fmt.Sprintf("198.51.100.%d", i+1))
	}
	return out
}

func byIndicator(rs []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range rs {
		m[r.Indicator] = r
	}
	return m
}

func TestQuotaWindowsHoldAndWait(t *testing.T) {
	p := &scripted{name: "q"}
	e := &Engine{Providers: []Provider{p}, Settings: map[string]Settings{"q": {Quota: Quota{PerSecond: 4}, Concurrency: 8}}}
	start := time.Now()
	rs, st := e.LookupStats(context.Background(), addrs(9))
	for _, r := range rs {
		if r.Status != StatusOK {
			t.Fatalf("%s: %s %s", r.Indicator, r.Status, r.Reason)
		}
	}
	if el := time.Since(start); el < 2*time.Second {
		t.Errorf("9 lookups at 4 per second took %s, want at least 2s", el)
	}
	if st.Calls != 9 || st.Waited == 0 {
		t.Errorf("stats = %+v", st)
	}
	// No second holds more than 4 calls.
	for i := range p.times {
		in := 0
		for _, u := range p.times[i:] {
			if u.Sub(p.times[i]) < time.Second-5*time.Millisecond {
				in++
			}
		}
		if in > 4 {
			t.Fatalf("%d calls within one second from call %d", in, i)
		}
	}
}

// memLog is a RequestLog in memory.
type memLog struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (l *memLog) Record(_ context.Context, p string, t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.times == nil {
		l.times = map[string][]time.Time{}
	}
	l.times[p] = append(l.times[p], t)
	return nil
}

func (l *memLog) Since(_ context.Context, p string, t time.Time) ([]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Time
	for _, u := range l.times[p] {
		if !u.Before(t) {
			out = append(out, u)
		}
	}
	return out, nil
}

func TestDailyQuotaSpentAcrossRuns(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	log := &memLog{}
	for i := range 500 {
		log.Record(context.Background(), "vt", now.Add(-20*time.Hour).Add(time.Duration(i)*time.Second))
	}
	p := &scripted{name: "vt"}
	e := &Engine{Providers: []Provider{p}, Requests: log, Now: func() time.Time { return now },
		Settings: map[string]Settings{"vt": {Quota: Quota{PerMinute: 4, PerDay: 500}}}}
	rs := e.Lookup(context.Background(), addrs(3))
	if p.calls() != 0 {
		t.Errorf("%d calls with the day's quota spent", p.calls())
	}
	for _, r := range rs {
		if r.Status != StatusRateLimited || !strings.Contains(r.Reason, "500 per day") || !strings.Contains(r.Reason, "2026-11-30T16:00:00Z") {
			t.Errorf("%s: %s %q, want rate_limited saying the daily quota frees at 16:00", r.Indicator, r.Status, r.Reason)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	p := &scripted{name: "p", scripts: map[string][]func() (Result, error){
		"198.51.100.1": {fail(&RateLimitError{RetryAfter: 300 * time.Millisecond}), ok(SeverityHigh)},
	}}
	e := &Engine{Providers: []Provider{p}}
	start := time.Now()
	rs, st := e.LookupStats(context.Background(), addrs(1))
	if rs[0].Status != StatusOK || rs[0].Severity != SeverityHigh {
		t.Fatalf("result %+v", rs[0])
	}
	if el := time.Since(start); el < 300*time.Millisecond || st.Retries != 1 || p.calls() != 2 {
		t.Errorf("took %s with stats %+v, %d calls; want one retry after 300ms", el, st, p.calls())
	}
	// A Retry-After beyond MaxWait is reported, not waited for.
	p = &scripted{name: "p", def: fail(&RateLimitError{RetryAfter: time.Hour})}
	e = &Engine{Providers: []Provider{p}}
	rs = e.Lookup(context.Background(), addrs(1))
	if rs[0].Status != StatusRateLimited || !strings.Contains(rs[0].Reason, "1h0m0s") || p.calls() != 1 {
		t.Errorf("result %+v after %d calls", rs[0], p.calls())
	}
}

func TestRetriesOnlyTransient(t *testing.T) {
	transient := fmt.Errorf("HTTP 503: %w", ErrTransient)
	p := &scripted{name: "p", scripts: map[string][]func() (Result, error){
		"198.51.100.1": {fail(transient), fail(transient), ok(SeverityWarning)},
		"198.51.100.2": {fail(errors.New("HTTP 400: bad request")), ok(SeverityHigh)},
		"198.51.100.3": {fail(fmt.Errorf("%w: not JSON", ErrMalformed)), ok(SeverityHigh)},
	}}
	e := &Engine{Providers: []Provider{p}, Backoff: time.Millisecond, BreakAfter: 10}
	got := byIndicator(e.Lookup(context.Background(), addrs(3)))
	if r := got["198.51.100.1"]; r.Status != StatusOK || r.Severity != SeverityWarning {
		t.Errorf("transient twice then ok: %+v", r)
	}
	if r := got["198.51.100.2"]; r.Status != StatusError || !strings.Contains(r.Reason, "400") {
		t.Errorf("a 400 was retried or hidden: %+v", r)
	}
	if r := got["198.51.100.3"]; r.Status != StatusError {
		t.Errorf("a malformed answer was retried or hidden: %+v", r)
	}
	if n := p.calls(); n != 5 {
		t.Errorf("%d calls, want 3 + 1 + 1", n)
	}
}

func TestBreakerStopsAFailingProvider(t *testing.T) {
	p := &scripted{name: "down", def: fail(fmt.Errorf("connection refused: %w", ErrTransient))}
	e := &Engine{Providers: []Provider{p}, Retries: -1, BreakAfter: 3, Settings: map[string]Settings{"down": {Concurrency: 1}}}
	rs := e.Lookup(context.Background(), addrs(10))
	if n := p.calls(); n != 3 {
		t.Errorf("%d calls to a provider failing every time, want 3", n)
	}
	notAsked := 0
	for _, r := range rs {
		if r.Status != StatusError {
			t.Errorf("%s: %s", r.Indicator, r.Status)
		}
		if strings.Contains(r.Reason, "not asked") && strings.Contains(r.Reason, "3 failures in a row") {
			notAsked++
		}
	}
	if notAsked != 7 {
		t.Errorf("%d results say the provider was not asked, want 7", notAsked)
	}
	// A rejected key stops the calls at once.
	p = &scripted{name: "badkey", def: fail(fmt.Errorf("HTTP 401: %w", ErrUnauthorized))}
	e = &Engine{Providers: []Provider{p}, Settings: map[string]Settings{"badkey": {Concurrency: 1}}}
	e.Lookup(context.Background(), addrs(5))
	if n := p.calls(); n != 1 {
		t.Errorf("%d calls with a rejected key, want 1", n)
	}
}

// memCache is a Cache in memory.
type memCache struct {
	mu sync.Mutex
	m  map[CacheKey]struct {
		r   Result
		exp time.Time
	}
}

func (c *memCache) Get(_ context.Context, k CacheKey, now time.Time) (Result, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	if !ok || !now.Before(v.exp) {
		return Result{}, false, nil
	}
	return v.r, true, nil
}

func (c *memCache) Put(_ context.Context, k CacheKey, r Result, exp time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[CacheKey]struct {
			r   Result
			exp time.Time
		}{}
	}
	c.m[k] = struct {
		r   Result
		exp time.Time
	}{r, exp}
	return nil
}

func TestCache(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := &scripted{name: "p", scripts: map[string][]func() (Result, error){
		"198.51.100.1": {ok(SeverityHigh)},
		"198.51.100.2": {fail(ErrNotFound)},
		"198.51.100.3": {fail(errors.New("boom"))},
	}}
	cache := &memCache{}
	e := &Engine{Providers: []Provider{p}, Cache: cache, Now: clock, Retries: -1,
		Settings: map[string]Settings{"p": {CacheTTL: 24 * time.Hour, NegativeTTL: time.Hour, Fingerprint: "f1"}}}
	e.Lookup(context.Background(), addrs(3))
	if p.calls() != 3 {
		t.Fatalf("%d calls", p.calls())
	}
	rs, st := e.LookupStats(context.Background(), addrs(3))
	got := byIndicator(rs)
	if p.calls() != 4 || st.CacheHits != 2 {
		t.Errorf("second run: %d calls in all, %d cache hits; want only the failure asked again", p.calls(), st.CacheHits)
	}
	if r := got["198.51.100.1"]; !r.FromCache || r.Severity != SeverityHigh || r.Status != StatusOK {
		t.Errorf("cached answer %+v", r)
	}
	if r := got["198.51.100.3"]; r.FromCache {
		t.Error("a failure came from the cache")
	}
	// The not-found expires after an hour, the answer after a day.
	now = now.Add(2 * time.Hour)
	e.Lookup(context.Background(), addrs(3))
	if p.calls() != 6 {
		t.Errorf("after 2h: %d calls in all, want the not-found and the failure asked again (6)", p.calls())
	}
	// Refresh asks everything again; another configuration does not share answers.
	e.Refresh = true
	e.Lookup(context.Background(), addrs(3))
	if p.calls() != 9 {
		t.Errorf("refresh: %d calls in all, want 9", p.calls())
	}
	e2 := &Engine{Providers: []Provider{p}, Cache: cache, Now: clock, Settings: map[string]Settings{"p": {Fingerprint: "f2"}}}
	e2.Lookup(context.Background(), addrs(1))
	if p.calls() != 10 {
		t.Errorf("another fingerprint reused a cached answer")
	}
}

func TestConcurrentRunsShareLookups(t *testing.T) {
	p := &scripted{name: "slow", delay: 100 * time.Millisecond}
	e := &Engine{Providers: []Provider{p}}
	var wg sync.WaitGroup
	var okCount atomic.Int32
	for range 4 {
		wg.Go(func() {
			for _, r := range e.Lookup(context.Background(), addrs(5)) {
				if r.Status == StatusOK {
					okCount.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := p.calls(); n != 5 {
		t.Errorf("4 concurrent runs of the same 5 indicators made %d calls, want 5", n)
	}
	if okCount.Load() != 20 {
		t.Errorf("%d ok results, want 20", okCount.Load())
	}
}

func TestPrivateAndNotConfigured(t *testing.T) {
	p := &scripted{name: "ext"}
	e := &Engine{Providers: []Provider{p},
		Private: func(ind ioc.Indicator) string {
			if strings.HasSuffix(ind.Value, ".contoso.com") {
				return "contoso.com is an internal domain (intel.internal_domains)"
			}
			return ""
		},
		NotConfigured: map[string]string{"virustotal": "no API key: set providers.virustotal.api_key"}}
	rs := e.Lookup(context.Background(), []ioc.Indicator{{Kind: ioc.Hostname, Value: "fs01.contoso.com"}, public("198.51.100.1")})
	if p.calls() != 1 {
		t.Errorf("%d calls, want only the public address", p.calls())
	}
	var skipped, notConf int
	for _, r := range rs {
		if r.Status == StatusSkipped && strings.Contains(r.Reason, "internal domain") {
			skipped++
		}
		if r.Status == StatusNotConfigured && r.Provider == "virustotal" && strings.Contains(r.Reason, "api_key") {
			notConf++
		}
	}
	if skipped != 1 || notConf != 2 {
		t.Errorf("results %+v", rs)
	}
}

func TestLimiterNext(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &limiter{name: "p", quota: Quota{PerMinute: 2, PerDay: 3}}
	l.times = []time.Time{t0, t0.Add(10 * time.Second)}
	next, qe := l.next(t0.Add(20 * time.Second))
	if !next.Equal(t0.Add(time.Minute)) || qe.Window != "minute" {
		t.Errorf("minute full: next %s (%+v)", next, qe)
	}
	l.times = append(l.times, t0.Add(70*time.Second))
	next, qe = l.next(t0.Add(80 * time.Second))
	if !next.Equal(t0.Add(24*time.Hour)) || qe.Window != "day" || qe.Limit != 3 {
		t.Errorf("day full: next %s (%+v)", next, qe)
	}
	l.pause(t0.Add(48 * time.Hour))
	if next, _ = l.next(t0.Add(80 * time.Second)); !next.Equal(t0.Add(48 * time.Hour)) {
		t.Errorf("paused: next %s", next)
	}
}

// TestWaitBudget checks that a provider whose quota cannot answer every
// indicator within the wait budget answers the first ones given, at once,
// and that the rest are rate_limited saying which quota, when it frees and
// how many were left: no request is made that the quota would refuse.
func TestWaitBudget(t *testing.T) {
	p := &scripted{name: "vt"}
	e := &Engine{Providers: []Provider{p}, MaxWait: 300 * time.Millisecond,
		Settings: map[string]Settings{"vt": {Quota: Quota{PerMinute: 4}}}}
	inds := addrs(30)
	start := time.Now()
	rs := e.Lookup(context.Background(), inds)
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s with a 300ms budget", el)
	}
	got := byIndicator(rs)
	for i, ind := range inds {
		r := got[ind.Value]
		if i < 4 {
			if r.Status != StatusOK {
				t.Errorf("%s (given %d.): %s %q, want ok: the first given are asked first", ind.Value, i+1, r.Status, r.Reason)
			}
			continue
		}
		if r.Status != StatusRateLimited || !strings.Contains(r.Reason, "4 per minute") || !strings.Contains(r.Reason, "frees at") ||
			!strings.Contains(r.Reason, "26 of 30 indicators not looked up by vt within the wait budget") {
			t.Errorf("%s: %s %q, want rate_limited naming the quota, when it frees and the 26 left", ind.Value, r.Status, r.Reason)
		}
	}
	if p.calls() != 4 {
		t.Errorf("%d calls, want the quota's 4", p.calls())
	}
	if v := Roll(rs); v.Complete || v.Severity != SeverityUnknown || !strings.Contains(v.Explanation, "vt did not answer 26 lookups") {
		t.Errorf("verdict %+v, want unknown and incomplete, naming vt's 26", v)
	}
}

func TestWaitNoneAndForever(t *testing.T) {
	p := &scripted{name: "q"}
	e := &Engine{Providers: []Provider{p}, MaxWait: NoWait, Settings: map[string]Settings{"q": {Quota: Quota{PerSecond: 2}}}}
	rs := e.Lookup(context.Background(), addrs(5))
	if n := countStatus(rs, StatusOK); n != 2 || p.calls() != 2 {
		t.Errorf("NoWait: %d ok after %d calls, want the 2 the quota has room for", n, p.calls())
	}
	p = &scripted{name: "q"}
	e = &Engine{Providers: []Provider{p}, MaxWait: WaitForever, Settings: map[string]Settings{"q": {Quota: Quota{PerSecond: 4}}}}
	if n := countStatus(e.Lookup(context.Background(), addrs(6)), StatusOK); n != 6 {
		t.Errorf("WaitForever: %d of 6 ok", n)
	}
}

// TestConcurrencyUpToTheQuota checks that with a quota that allows it, a
// provider has up to its ceiling of requests in flight, not a fixed few.
func TestConcurrencyUpToTheQuota(t *testing.T) {
	var inFlight, most atomic.Int64
	p := &scripted{name: "slow", def: func() (Result, error) { return Result{Severity: SeverityInformation}, nil }}
	e := &Engine{Providers: []Provider{countingProvider{p, &inFlight, &most}},
		Settings: map[string]Settings{"slow": {Quota: Quota{PerMinute: 60}}}}
	p.delay = 100 * time.Millisecond
	start := time.Now()
	rs := e.Lookup(context.Background(), addrs(50))
	if n := countStatus(rs, StatusOK); n != 50 {
		t.Fatalf("%d of 50 ok", n)
	}
	if m := most.Load(); m != 50 {
		t.Errorf("at most %d requests in flight, want all 50: 60 a minute allows them at once", m)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("50 lookups of 100ms took %s", el)
	}
}

// countingProvider tracks how many lookups are in flight at once.
type countingProvider struct {
	*scripted
	now, most *atomic.Int64
}

func (c countingProvider) Lookup(ctx context.Context, ind ioc.Indicator) (Result, error) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for {
		m := c.most.Load()
		if n <= m || c.most.CompareAndSwap(m, n) {
			break
		}
	}
	return c.scripted.Lookup(ctx, ind)
}

func countStatus(rs []Result, st Status) int {
	n := 0
	for _, r := range rs {
		if r.Status == st {
			n++
		}
	}
	return n
}

func TestParseWait(t *testing.T) {
	// A wait is a length of time as timespan.Parse reads it, days too.
	for in, want := range map[string]time.Duration{"20s": 20 * time.Second, "2m": 2 * time.Minute, "0": NoWait, "0s": NoWait,
		"forever": WaitForever, " 1h ": time.Hour, "7d": 7 * 24 * time.Hour} {
		if got, err := ParseWait(in); err != nil || got != want {
			t.Errorf("ParseWait(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-5s", "soon", "-1d", "never"} {
		if _, err := ParseWait(bad); err == nil {
			t.Errorf("ParseWait(%q) accepted", bad)
		}
	}
}

// Engines given one Quotas share each provider's quota, whichever asks
// first and however their lookups interleave: two engines of a quota of
// 4 a minute make 4 calls between them; engines with their own quotas
// make 4 each.
func TestEnginesShareQuotas(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	settings := map[string]Settings{"vt": {Quota: Quota{PerMinute: 4}}}
	for _, tt := range []struct {
		name   string
		shared *Quotas
		want   int
	}{
		{"shared", &Quotas{}, 4},
		{"own", nil, 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &scripted{name: "vt"}
			var es [2]*Engine
			for i := range es {
				es[i] = &Engine{Providers: []Provider{p}, Settings: settings, MaxWait: NoWait, Quotas: tt.shared,
					Now: func() time.Time { return now }}
			}
			inds := addrs(6)
			es[0].Lookup(context.Background(), inds[:1]) // the first engine's limiter first
			es[1].Lookup(context.Background(), inds[1:])
			es[0].Lookup(context.Background(), inds[1:])
			if p.calls() != tt.want {
				t.Errorf("%d calls, want %d", p.calls(), tt.want)
			}
		})
	}
}
