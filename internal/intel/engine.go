package intel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
)

// Engine runs lookups of many indicators against many providers.
type Engine struct {
	Providers []Provider
	// PerProvider bounds the lookups in flight for one provider; 0 means 4.
	PerProvider int
	// NoExternal turns every external provider off: its lookups are skipped.
	NoExternal bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Lookup asks every provider about every indicator, concurrently across
// providers and across indicators within a provider, and returns exactly one
// Result per provider × indicator, sorted by indicator then provider. Failures
// are results with a failure status, never missing rows. Duplicate indicators
// are looked up once.
func (e *Engine) Lookup(ctx context.Context, inds []ioc.Indicator) []Result {
	inds = dedupe(inds)
	var (
		mu  sync.Mutex
		out []Result
		wg  sync.WaitGroup
	)
	add := func(rs ...Result) {
		mu.Lock()
		out = append(out, rs...)
		mu.Unlock()
	}
	for _, p := range e.Providers {
		var todo []ioc.Indicator
		for _, ind := range inds {
			if r, skip := e.precheck(p, ind); skip {
				add(r)
				continue
			}
			todo = append(todo, ind)
		}
		if len(todo) == 0 {
			continue
		}
		wg.Go(func() { add(e.run(ctx, p, todo)...) })
	}
	wg.Wait()
	slices.SortFunc(out, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.Indicator, b.Indicator), cmp.Compare(a.Provider, b.Provider))
	})
	return out
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
	default:
		return r, false
	}
	return r, true
}

func internalReason(ind ioc.Indicator) string {
	if ind.Scope != "" && ind.Scope != ioc.Public {
		return fmt.Sprintf("%s address is never sent to external providers", ind.Scope)
	}
	return "internal name is never sent to external providers"
}

func (e *Engine) run(ctx context.Context, p Provider, inds []ioc.Indicator) []Result {
	if bp, ok := p.(BatchProvider); ok {
		return e.batch(ctx, bp, inds)
	}
	n := e.PerProvider
	if n <= 0 {
		n = 4
	}
	out := make([]Result, len(inds))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, ind := range inds {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r, err := p.Lookup(ctx, ind)
			out[i] = e.finish(p, ind, r, err)
		})
	}
	wg.Wait()
	return out
}

func (e *Engine) batch(ctx context.Context, p BatchProvider, inds []ioc.Indicator) []Result {
	rs, err := p.LookupBatch(ctx, inds)
	found := make(map[string]Result, len(rs))
	for _, r := range rs {
		found[string(r.Type)+" "+r.Indicator] = r
	}
	out := make([]Result, len(inds))
	for i, ind := range inds {
		if err != nil {
			out[i] = e.finish(p, ind, Result{}, err)
			continue
		}
		r, ok := found[string(ind.Kind)+" "+ind.Value]
		if !ok {
			out[i] = e.finish(p, ind, Result{}, ErrNotFound)
			continue
		}
		out[i] = e.finish(p, ind, r, nil)
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
	r.Severity, r.Details, r.Raw = SeverityUnknown, nil, nil
	var rl *RateLimitError
	switch {
	case errors.Is(err, ErrNotFound):
		r.Status, r.Reason = StatusNotFound, ""
	case errors.Is(err, ErrUnsupported):
		r.Status, r.Reason = StatusUnsupported, err.Error()
	case errors.As(err, &rl):
		r.Status, r.Reason = StatusRateLimited, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		r.Status, r.Reason = StatusTimeout, err.Error()
	default:
		r.Status, r.Reason = StatusError, err.Error()
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
