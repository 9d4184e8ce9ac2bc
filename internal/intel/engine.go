package intel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/timespan"
)

// Defaults for the Engine's zero values.
const (
	// DefaultConcurrency is a ceiling, not a pace: the quota decides how
	// many requests go at once (a quota of 60 a minute lets 60 go; one of
	// 4 a minute, 4).
	DefaultConcurrency = 64
	DefaultCacheTTL    = 24 * time.Hour
	DefaultNegativeTTL = time.Hour
	DefaultRetries     = 2
	DefaultBackoff     = 500 * time.Millisecond
	DefaultBreakAfter  = 5
	// DefaultMaxWait is short: a person is waiting for the triage, and a
	// free-tier quota (4 a minute) would otherwise hold it for minutes.
	DefaultMaxWait = 20 * time.Second
)

// The MaxWait of a lookup that never waits for a quota, and of one that
// waits as long as it takes (batch work).
const (
	NoWait      time.Duration = -1
	WaitForever time.Duration = math.MaxInt64
)

// Settings are how the Engine treats one provider. Zero values take the
// defaults above.
type Settings struct {
	// Concurrency bounds the provider's requests in flight.
	Concurrency int
	// Quota is the provider's request budget; requests wait for room in it.
	Quota Quota
	// CacheTTL is how long an answer is reused; NegativeTTL how long a
	// "not found" is. Failures are never cached.
	CacheTTL, NegativeTTL time.Duration
	// Fingerprint stands for the provider's configuration in cache keys.
	Fingerprint string

	cache bool // answers are cached: the provider is external
}

// Engine runs lookups of many indicators against many providers. One Engine
// may serve several lookups at once (the web UI's concurrent triages): it
// looks an indicator up once for all of them, and its quotas are shared.
//
// Set the fields before the first Lookup; they are read-only afterwards.
type Engine struct {
	Providers []Provider
	// Settings by provider name.
	Settings map[string]Settings
	// NotConfigured names providers that are wanted but cannot run, with
	// the reason ("no API key"); each indicator gets a not_configured
	// result from them.
	NotConfigured map[string]string
	// PerProvider is the default Concurrency; 0 means DefaultConcurrency.
	PerProvider int
	// NoExternal turns every external provider off: its lookups are skipped.
	NoExternal bool
	// Private, when set, says why an indicator must not leave the
	// organisation ("" when it may), on top of ioc.Indicator.Internal:
	// configured internal domains, networks and accounts.
	Private func(ioc.Indicator) string
	// Cache and Requests keep answers and quota use across runs; nil means
	// none. Only external providers' answers are cached: the others are
	// local and cheap, and their data changes with the workspace. Refresh
	// skips reading the cache (answers are still stored).
	Cache    Cache
	Requests RequestLog
	Refresh  bool
	// Retries is how often a transient failure is retried (0 means
	// DefaultRetries, negative none), after Backoff, doubling.
	Retries int
	Backoff time.Duration
	// BreakAfter consecutive failures of a provider in one lookup stop
	// further calls to it in that lookup (0 means DefaultBreakAfter); a
	// rejected key stops them at once.
	BreakAfter int
	// MaxWait is the wait budget of a Lookup: how long, from its start,
	// its requests may wait for their provider's quota or a Retry-After. A
	// request that would have to wait past it is not made: its result is
	// rate_limited, saying which quota, when it frees and how many of the
	// provider's indicators were left. 0 means DefaultMaxWait, NoWait none,
	// WaitForever no limit.
	MaxWait time.Duration
	// Progress, when set, is called with each result as it is made, from
	// any goroutine.
	Progress func(Result)
	// Notify, when set, is told about waits ("virustotal: quota of 4 per
	// minute reached; waiting 38s").
	Notify func(string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Quotas, when set, keeps the providers' quota use for this Engine and
	// every other Engine given the same Quotas, so that they share each
	// provider's quota as the Lookups of one Engine do: a watch over
	// several workspaces builds an Engine for each. Nil means the Engine's
	// own.
	Quotas *Quotas

	once   sync.Once
	own    *Quotas // the Engine's own Quotas, when Quotas is nil
	flight singleflight.Group
}

// Quotas holds the request times of each provider, by its name, within
// its quota's longest window: what makes requests wait for room. The
// zero value is ready to use; it is safe for concurrent use.
type Quotas struct {
	mu       sync.Mutex
	limiters map[string]*limiter
}

// Stats counts what one Lookup did.
type Stats struct {
	Calls     int // requests made to providers
	CacheHits int
	Retries   int
	Waited    time.Duration // total time requests waited for quotas
}

// Lookup asks every provider about every indicator, concurrently across
// providers and across indicators within a provider, and returns exactly one
// Result per provider × indicator, sorted by indicator then provider. Failures
// are results with a failure status, never missing rows. Duplicate indicators
// are looked up once.
//
// Each provider takes the indicators in the order given: put the ones that
// matter most first, for when its quota cannot answer them all within the
// wait budget (MaxWait).
func (e *Engine) Lookup(ctx context.Context, inds []ioc.Indicator) []Result {
	rs, _ := e.LookupStats(ctx, inds)
	return rs
}

// LookupStats is Lookup that also says what it did.
func (e *Engine) LookupStats(ctx context.Context, inds []ioc.Indicator) ([]Result, Stats) {
	return e.lookup(ctx, inds, e.MaxWait)
}

// LookupWithin is Lookup with its own wait budget in place of MaxWait
// (the same values): to finish, in the background, what a Lookup's budget
// left unasked.
func (e *Engine) LookupWithin(ctx context.Context, inds []ioc.Indicator, wait time.Duration) []Result {
	rs, _ := e.lookup(ctx, inds, wait)
	return rs
}

func (e *Engine) lookup(ctx context.Context, inds []ioc.Indicator, wait time.Duration) ([]Result, Stats) {
	inds = dedupe(inds)
	run := &run{e: e, deadline: e.deadline(wait)}
	var wg sync.WaitGroup
	for _, p := range e.Providers {
		var todo []ioc.Indicator
		for _, ind := range inds {
			if r, skip := e.precheck(p, ind); skip {
				run.add(r)
				continue
			}
			todo = append(todo, ind)
		}
		if len(todo) == 0 {
			continue
		}
		wg.Go(func() { run.provider(ctx, p, todo) })
	}
	for _, name := range sortedKeys(e.NotConfigured) {
		for _, ind := range inds {
			run.add(Result{Indicator: ind.Value, Type: ind.Kind, Provider: name, Status: StatusNotConfigured,
				Severity: SeverityUnknown, Reason: e.NotConfigured[name]})
		}
	}
	wg.Wait()
	slices.SortFunc(run.out, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.Indicator, b.Indicator), cmp.Compare(a.Provider, b.Provider))
	})
	return run.out, run.stats
}

// precheck returns the result of a lookup that must not be made.
func (e *Engine) precheck(p Provider, ind ioc.Indicator) (Result, bool) {
	r := Result{Indicator: ind.Value, Type: ind.Kind, Provider: p.Name(), Severity: SeverityUnknown}
	switch {
	case !p.Supports(ind.Kind):
		r.Status, r.Reason = StatusUnsupported, fmt.Sprintf("%s does not look up %s indicators", p.Name(), ind.Kind)
	case p.External() && e.NoExternal:
		r.Status, r.Reason = StatusSkipped, "external lookups are turned off"
	case p.External() && ind.Internal():
		r.Status, r.Reason = StatusSkipped, internalReason(ind)
	case p.External() && e.Private != nil && e.Private(ind) != "":
		r.Status, r.Reason = StatusSkipped, e.Private(ind)
	default:
		return r, false
	}
	return r, true
}

func internalReason(ind ioc.Indicator) string {
	w := ind.Withheld()
	switch {
	case w == ioc.WithheldCredentials:
		return "a URL with a password is never sent to external providers"
	case ind.Scope != "" && ind.Scope != ioc.Public:
		return fmt.Sprintf("%s address (%s) is never sent to external providers", ind.Scope, w)
	}
	return fmt.Sprintf("%s name is never sent to external providers", w)
}

// Withheld says why ind is never sent to external providers, "" when it may
// be: what it is (ioc.Indicator.Withheld), or the organisation's own names,
// networks and accounts (Private), which are internal. A nil Engine knows
// only the former.
func (e *Engine) Withheld(ind ioc.Indicator) ioc.Withholding {
	if w := ind.Withheld(); w != "" {
		return w
	}
	if e != nil && e.Private != nil && e.Private(ind) != "" {
		return ioc.WithheldInternal
	}
	return ""
}

func (e *Engine) settings(name string) Settings {
	s := e.Settings[name]
	if s.Concurrency <= 0 {
		s.Concurrency = cmp.Or(e.PerProvider, DefaultConcurrency)
	}
	if s.CacheTTL <= 0 {
		s.CacheTTL = DefaultCacheTTL
	}
	if s.NegativeTTL <= 0 {
		s.NegativeTTL = DefaultNegativeTTL
	}
	return s
}

// limiter returns provider name's limiter, made on its first request: its
// quota q, and its requests within q's longest window as e.Requests kept
// them across runs.
func (e *Engine) limiter(ctx context.Context, name string, q Quota) *limiter {
	qs := e.Quotas
	if qs == nil {
		e.once.Do(func() { e.own = &Quotas{} })
		qs = e.own
	}
	qs.mu.Lock()
	defer qs.mu.Unlock()
	l, ok := qs.limiters[name]
	if !ok {
		l = &limiter{name: name, quota: q, log: e.Requests}
		if e.Requests != nil && !q.IsZero() {
			l.times, _ = e.Requests.Since(ctx, name, e.now().Add(-q.longest()))
		}
		if qs.limiters == nil {
			qs.limiters = map[string]*limiter{}
		}
		qs.limiters[name] = l
	}
	return l
}

// run is the state of one Lookup: its results, and each provider's breaker.
type run struct {
	e        *Engine
	deadline time.Time // no wait past it; zero: none
	mu       sync.Mutex
	out      []Result
	stats    Stats
}

// deadline is the end of the wait budget of a lookup starting now.
func (e *Engine) deadline(wait time.Duration) time.Time {
	switch {
	case wait == WaitForever:
		return time.Time{}
	case wait < 0:
		return e.now()
	}
	return e.now().Add(cmp.Or(wait, DefaultMaxWait))
}

func (r *run) add(rs ...Result) {
	r.mu.Lock()
	r.out = append(r.out, rs...)
	r.mu.Unlock()
	if r.e.Progress != nil {
		for _, res := range rs {
			r.e.Progress(res)
		}
	}
}

func (r *run) count(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// breaker stops calls to a provider that keeps failing within one run.
type breaker struct {
	mu       sync.Mutex
	limit    int
	failures int
	open     error // the failure that opened it
}

func (b *breaker) allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}

func (b *breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var rl *RateLimitError
	var qe *QuotaError
	switch {
	case err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnsupported) || errors.Is(err, ErrNotConfigured):
		b.failures = 0
	case errors.As(err, &rl), errors.As(err, &qe):
		// Throttling is the quota's business, not a sign of a broken provider.
	case errors.Is(err, ErrUnauthorized):
		b.open = err
	case errors.Is(err, context.Canceled):
	default:
		b.failures++
		if b.failures >= b.limit && b.open == nil {
			b.open = fmt.Errorf("%d failures in a row, the last: %w", b.failures, err)
		}
	}
}

func (r *run) provider(ctx context.Context, p Provider, inds []ioc.Indicator) {
	e := r.e
	s := e.settings(p.Name())
	s.cache = p.External()
	br := &breaker{limit: cmp.Or(e.BreakAfter, DefaultBreakAfter)}
	if bp, ok := p.(BatchProvider); ok {
		r.add(r.batch(ctx, bp, s, br, inds)...)
		return
	}
	// Cached answers first: they cost no quota. The rest are taken in
	// order by workers, so that the first get the first requests.
	var todo []ioc.Indicator
	for _, ind := range inds {
		if res, ok := r.cached(ctx, p.Name(), s, ind); ok {
			r.add(res)
			continue
		}
		todo = append(todo, ind)
	}
	var (
		next    atomic.Int64
		mu      sync.Mutex
		refused []Result // not asked: the wait budget ran out
		wg      sync.WaitGroup
	)
	// Requests take their turn at the quota in the order given: the i-th
	// waits for turn i, and passes it on once the quota has let it go (or
	// refused it), so that a scarce quota goes to the first.
	turns := make([]chan struct{}, len(todo)+1)
	for i := range turns {
		turns[i] = make(chan struct{})
	}
	close(turns[0])
	passed := make([]sync.Once, len(todo))
	pass := func(i int) {
		<-turns[i]
		passed[i].Do(func() { close(turns[i+1]) })
	}
	for range min(s.Concurrency, len(todo)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(todo); i = int(next.Add(1) - 1) {
				ind := todo[i]
				// Concurrent lookups of the same indicator (other runs of
				// this Engine) share one request.
				key := p.Name() + "\x00" + string(ind.Kind) + "\x00" + ind.Value
				v, _, _ := e.flight.Do(key, func() (any, error) {
					<-turns[i]
					res, err := r.call(ctx, p, s, br, ind, func() { pass(i) })
					res = e.finish(p, ind, res, err)
					r.store(ctx, p.Name(), s, ind, res)
					return outcome{res, errors.Is(err, errOverBudget)}, nil
				})
				pass(i) // when another run made the request, or none was made
				if o := v.(outcome); o.refused {
					mu.Lock()
					refused = append(refused, o.res)
					mu.Unlock()
				} else {
					r.add(o.res)
				}
			}
		})
	}
	wg.Wait()
	// Said once the count is known: how many of this provider's
	// indicators the budget left unasked.
	for i := range refused {
		refused[i].Reason += fmt.Sprintf("; %d of %s not looked up by %s within the wait budget",
			len(refused), english.Plural(len(inds), "indicator", "indicators"), p.Name())
	}
	r.add(refused...)
}

// outcome is one request's result, and whether it was refused for the
// wait budget.
type outcome struct {
	res     Result
	refused bool
}

// cached returns the cached answer for ind, unless Refresh.
func (r *run) cached(ctx context.Context, provider string, s Settings, ind ioc.Indicator) (Result, bool) {
	e := r.e
	if e.Cache == nil || e.Refresh || !s.cache {
		return Result{}, false
	}
	res, ok, err := e.Cache.Get(ctx, e.cacheKey(provider, s, ind), e.now())
	if err != nil || !ok {
		return Result{}, false
	}
	res.FromCache = true
	r.count(func(st *Stats) { st.CacheHits++ })
	return res, true
}

func (r *run) store(ctx context.Context, provider string, s Settings, ind ioc.Indicator, res Result) {
	e := r.e
	if e.Cache == nil || !s.cache {
		return
	}
	var ttl time.Duration
	switch res.Status {
	case StatusOK:
		ttl = s.CacheTTL
	case StatusNotFound:
		ttl = s.NegativeTTL
	default:
		return
	}
	e.Cache.Put(context.WithoutCancel(ctx), e.cacheKey(provider, s, ind), res, res.FetchedAt.Add(ttl))
}

func (e *Engine) cacheKey(provider string, s Settings, ind ioc.Indicator) CacheKey {
	return CacheKey{Provider: provider, Fingerprint: s.Fingerprint, Type: string(ind.Kind), Value: ind.Value}
}

// call makes one lookup within the quota, retrying transient failures and
// waiting out a Retry-After within the wait budget. admitted is called once
// the quota has let its first request go, or refused it.
func (r *run) call(ctx context.Context, p Provider, s Settings, br *breaker, ind ioc.Indicator, admitted func()) (Result, error) {
	e := r.e
	lim := e.limiter(ctx, p.Name(), s.Quota)
	retries := e.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	backoff := cmp.Or(e.Backoff, DefaultBackoff)
	for attempt := 0; ; attempt++ {
		if err := br.allow(); err != nil {
			return Result{}, &notCalledError{err}
		}
		waited, err := lim.wait(ctx, e.now, r.deadline, e.Notify)
		if attempt == 0 {
			admitted()
		}
		r.count(func(st *Stats) { st.Waited += waited })
		if err != nil {
			return Result{}, err
		}
		r.count(func(st *Stats) { st.Calls++ })
		res, err := p.Lookup(ctx, ind)
		var rl *RateLimitError
		var pause time.Duration
		switch {
		case err == nil || attempt >= retries || ctx.Err() != nil:
			br.record(err)
			return res, err
		case errors.As(err, &rl):
			pause = rl.RetryAfter
			if pause <= 0 {
				pause = backoff << attempt
			}
			if !r.deadline.IsZero() && e.now().Add(pause).After(r.deadline) {
				br.record(err)
				return res, err
			}
			lim.pause(e.now().Add(pause))
		case errors.Is(err, ErrTransient):
			br.record(err)
			pause = backoff << attempt
			if err := sleep(ctx, pause); err != nil {
				return res, err
			}
		default:
			br.record(err)
			return res, err
		}
		r.count(func(st *Stats) { st.Retries++ })
	}
}

// notCalledError is a lookup the breaker stopped.
type notCalledError struct{ cause error }

func (e *notCalledError) Error() string { return "not asked: the provider " + e.cause.Error() }
func (e *notCalledError) Unwrap() error { return e.cause }

func (r *run) batch(ctx context.Context, p BatchProvider, s Settings, br *breaker, inds []ioc.Indicator) []Result {
	e := r.e
	out := make([]Result, 0, len(inds))
	var todo []ioc.Indicator
	for _, ind := range inds {
		if res, ok := r.cached(ctx, p.Name(), s, ind); ok {
			out = append(out, res)
			continue
		}
		todo = append(todo, ind)
	}
	if len(todo) == 0 {
		return out
	}
	lim := e.limiter(ctx, p.Name(), s.Quota)
	var rs []Result
	waited, err := lim.wait(ctx, e.now, r.deadline, e.Notify)
	r.count(func(st *Stats) { st.Waited += waited })
	if err == nil {
		r.count(func(st *Stats) { st.Calls++ })
		rs, err = p.LookupBatch(ctx, todo)
	}
	found := make(map[string]Result, len(rs))
	for _, res := range rs {
		found[string(res.Type)+" "+res.Indicator] = res
	}
	for _, ind := range todo {
		var res Result
		switch got, ok := found[string(ind.Kind)+" "+ind.Value]; {
		case err != nil:
			res = e.finish(p, ind, Result{}, err)
		case !ok:
			res = e.finish(p, ind, Result{}, ErrNotFound)
		default:
			res = e.finish(p, ind, got, nil)
		}
		r.store(ctx, p.Name(), s, ind, res)
		out = append(out, res)
	}
	return out
}

// finish fills in the envelope of a lookup from what the provider returned.
func (e *Engine) finish(p Provider, ind ioc.Indicator, r Result, err error) Result {
	r.Indicator, r.Type, r.Provider = ind.Value, ind.Kind, p.Name()
	if r.FetchedAt.IsZero() {
		r.FetchedAt = e.now()
	}
	if err == nil {
		r.Status = StatusOK
		if r.Severity == "" {
			r.Severity = SeverityUnknown
		}
		return r
	}
	r.Severity, r.Details, r.PassiveDNS, r.Raw, r.Summary = SeverityUnknown, nil, nil, nil, ""
	var rl *RateLimitError
	var qe *QuotaError
	// The result names its provider; a reason that starts with the name
	// too would read "sentinel-ti: sentinel-ti: ..." wherever it is shown.
	reason := strings.TrimPrefix(err.Error(), r.Provider+": ")
	switch {
	case errors.Is(err, ErrNotFound):
		r.Status, r.Reason = StatusNotFound, ""
	case errors.Is(err, ErrUnsupported):
		r.Status, r.Reason = StatusUnsupported, reason
	case errors.Is(err, ErrNotConfigured):
		r.Status, r.Reason = StatusNotConfigured, reason
	case errors.As(err, &qe), errors.As(err, &rl):
		r.Status, r.Reason = StatusRateLimited, reason
	case errors.Is(err, context.DeadlineExceeded):
		r.Status, r.Reason = StatusTimeout, reason
	default:
		r.Status, r.Reason = StatusError, reason
	}
	return r
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func dedupe(inds []ioc.Indicator) []ioc.Indicator {
	seen := make(map[ioc.Indicator]bool, len(inds))
	var out []ioc.Indicator
	for _, ind := range inds {
		if !seen[ind] {
			seen[ind] = true
			out = append(out, ind)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Unfinished counts the lookups of rs that a longer wait would make: those
// whose provider's quota, or Retry-After, outlasted the wait budget
// (rate_limited). LookupWithin makes them.
func Unfinished(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Status == StatusRateLimited {
			n++
		}
	}
	return n
}

// ParseWait reads a wait budget as a person writes it: "forever"
// (WaitForever), or a length of time as timespan.Parse reads it ("20s",
// "2m"), zero ("0") meaning none (NoWait).
func ParseWait(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "forever" {
		return WaitForever, nil
	}
	d, err := timespan.Parse(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("want a wait such as 20s or 2m, 0 for none, or forever, got %q", s)
	case d == 0:
		return NoWait, nil
	}
	return d, nil
}
