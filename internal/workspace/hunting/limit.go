package hunting

import (
	"context"
	"strings"
	"sync"
	"time"
)

// limiter holds a tenant's calls to advanced hunting to perMinute in any
// sixty seconds: a call takes the earliest start that keeps the count, and
// waits for it. Slots are handed out in the order calls ask, so the wait is
// a queue. A slot once taken counts even when its caller gives up waiting
// (its context ends): the limiter may then be slower than it needs to be,
// never faster than the service allows.
type limiter struct {
	perMinute int
	mu        sync.Mutex
	starts    []time.Time // the latest perMinute slots handed out, oldest first
}

// reserve returns the start of the caller's slot, at or after now.
func (l *limiter) reserve(now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	slot := now
	if len(l.starts) == l.perMinute {
		// The slot perMinute calls back must be a minute old first.
		if free := l.starts[0].Add(time.Minute); free.After(slot) {
			slot = free
		}
		l.starts = l.starts[1:]
	}
	// Slots stay in order: one asked later never starts before one asked
	// earlier.
	if n := len(l.starts); n > 0 && l.starts[n-1].After(slot) {
		slot = l.starts[n-1]
	}
	l.starts = append(l.starts, slot)
	return slot
}

// limiters holds one limiter per tenant (and Graph root): every Client of a
// tenant in this process shares it, as the service counts the tenant's
// calls whichever client makes them.
var limiters = struct {
	sync.Mutex
	m map[string]*limiter
}{m: map[string]*limiter{}}

// tenantLimiter returns the tenant's limiter, made with perMinute by the
// first Client of the tenant; later Clients share it as it is.
func tenantLimiter(root, tenant string, perMinute int) *limiter {
	key := strings.ToLower(root) + "|" + strings.ToLower(tenant)
	limiters.Lock()
	defer limiters.Unlock()
	l, ok := limiters.m[key]
	if !ok {
		l = &limiter{perMinute: perMinute}
		limiters.m[key] = l
	}
	return l
}

// sleep waits d or until ctx ends, whichever is first.
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
