package intel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The quota windows, shortest first.
var windows = []struct {
	name string
	d    time.Duration
	n    func(Quota) int
}{
	{"second", time.Second, func(q Quota) int { return q.PerSecond }},
	{"minute", time.Minute, func(q Quota) int { return q.PerMinute }},
	{"hour", time.Hour, func(q Quota) int { return q.PerHour }},
	{"day", 24 * time.Hour, func(q Quota) int { return q.PerDay }},
	{"month", 30 * 24 * time.Hour, func(q Quota) int { return q.PerMonth }},
}

// longest is the longest window q limits.
func (q Quota) longest() time.Duration {
	var d time.Duration
	for _, w := range windows {
		if w.n(q) > 0 {
			d = w.d
		}
	}
	return d
}

// String describes q: "4 per minute, 500 per day".
func (q Quota) String() string {
	s := ""
	for _, w := range windows {
		if n := w.n(q); n > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%d per %s", n, w.name)
		}
	}
	if s == "" {
		return "no limit"
	}
	return s
}

// QuotaError is a request that would have had to wait longer than allowed
// for its provider's quota: the day's requests are spent, say.
type QuotaError struct {
	Provider string
	Window   string    // "day"; "" for a provider's own Retry-After
	Limit    int       // the window's limit
	Resets   time.Time // when a request may be made again
}

func (e *QuotaError) Error() string {
	if e.Window == "" {
		return fmt.Sprintf("%s asked to wait until %s", e.Provider, e.Resets.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("%s quota of %d per %s is spent; it frees at %s", e.Provider, e.Limit, e.Window, e.Resets.UTC().Format(time.RFC3339))
}

// limiter holds one provider's request times within its longest window and
// makes requests wait for room. It is shared by every run of an Engine.
type limiter struct {
	name   string
	quota  Quota
	log    RequestLog
	mu     sync.Mutex
	times  []time.Time // ascending
	paused time.Time   // no request before this (a Retry-After)
}

// pause holds every request until t.
func (l *limiter) pause(t time.Time) {
	l.mu.Lock()
	if t.After(l.paused) {
		l.paused = t
	}
	l.mu.Unlock()
}

// errOverBudget marks a request not made because its wait would have
// ended past the wait budget.
var errOverBudget = errors.New("over the wait budget")

// wait blocks until a request may be made and counts it. A wait that would
// end past deadline (zero: none) is not made: the error, a *QuotaError
// wrapping errOverBudget, says which quota and when it frees.
func (l *limiter) wait(ctx context.Context, now func() time.Time, deadline time.Time, notify func(string)) (time.Duration, error) {
	var waited time.Duration
	told := false
	for {
		l.mu.Lock()
		t := now()
		next, qe := l.next(t)
		if !next.After(t) {
			l.times = append(l.times, t)
			l.prune(t)
			l.mu.Unlock()
			if l.log != nil {
				l.log.Record(context.WithoutCancel(ctx), l.name, t)
			}
			return waited, nil
		}
		l.mu.Unlock()
		d := next.Sub(t)
		if !deadline.IsZero() && next.After(deadline) {
			return waited, overBudget{qe}
		}
		if notify != nil && !told && d >= time.Second {
			notify(fmt.Sprintf("%s: %s; waiting %s", l.name, qe.reason(), d.Round(time.Second)))
			told = true
		}
		if err := sleep(ctx, d); err != nil {
			return waited, err
		}
		waited += d
	}
}

// next is the earliest time a request may be made after t, and the limit
// that sets it.
func (l *limiter) next(t time.Time) (time.Time, *QuotaError) {
	at := t
	qe := &QuotaError{Provider: l.name}
	if l.paused.After(at) {
		at, qe.Resets = l.paused, l.paused
	}
	for _, w := range windows {
		n := w.n(l.quota)
		if n <= 0 {
			continue
		}
		// The requests in (t-w, t]; room frees when the n-th latest of them
		// leaves the window.
		in := 0
		for i := len(l.times) - 1; i >= 0 && t.Sub(l.times[i]) < w.d; i-- {
			in++
		}
		if in < n {
			continue
		}
		free := l.times[len(l.times)-n].Add(w.d)
		if free.After(at) {
			at = free
			*qe = QuotaError{Provider: l.name, Window: w.name, Limit: n, Resets: free}
		}
	}
	return at, qe
}

func (e *QuotaError) reason() string {
	if e.Window == "" {
		return "the provider asked to wait"
	}
	return fmt.Sprintf("quota of %d per %s reached", e.Limit, e.Window)
}

// prune forgets requests older than the longest window.
func (l *limiter) prune(t time.Time) {
	keep := l.quota.longest()
	i := 0
	for i < len(l.times) && t.Sub(l.times[i]) >= keep {
		i++
	}
	if i > 0 {
		l.times = append(l.times[:0], l.times[i:]...)
	}
}

// overBudget is a *QuotaError that the wait budget refused to wait out.
type overBudget struct{ *QuotaError }

func (e overBudget) Unwrap() []error { return []error{e.QuotaError, errOverBudget} }
