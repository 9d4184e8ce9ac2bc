package intel

import (
	"context"
	"time"
)

// Quota is a provider's request budget over several windows; 0 means no
// limit of that length.
type Quota struct {
	PerSecond int `json:"per_second,omitempty"`
	PerMinute int `json:"per_minute,omitempty"`
	PerHour   int `json:"per_hour,omitempty"`
	PerDay    int `json:"per_day,omitempty"`
	PerMonth  int `json:"per_month,omitempty"` // a month is 30 days, rolling
}

// IsZero reports whether q sets no limit.
func (q Quota) IsZero() bool { return q == Quota{} }

// CacheKey identifies one cached answer. Fingerprint stands for the
// provider's configuration (its base URL, a hash of its key: never the key
// itself), so a change of account or endpoint does not reuse old answers.
type CacheKey struct {
	Provider    string
	Fingerprint string
	Type        string // ioc.Kind
	Value       string // the normalised indicator value
}

// Cache keeps lookup results across runs.
//
// Get returns the result stored under k that has not expired at now, and
// whether there was one. Put stores r under k until expires. Implementations
// are safe for concurrent use; a failing cache is reported, never fatal to a
// lookup.
type Cache interface {
	Get(ctx context.Context, k CacheKey, now time.Time) (Result, bool, error)
	Put(ctx context.Context, k CacheKey, r Result, expires time.Time) error
}

// RequestLog remembers the requests made to each provider, so that quotas of
// an hour, a day or a month hold across runs of the program.
//
// Record notes one request to provider at t. Since returns the times of the
// requests to provider at or after t, oldest first. Implementations are
// safe for concurrent use and may forget requests older than 31 days.
type RequestLog interface {
	Record(ctx context.Context, provider string, t time.Time) error
	Since(ctx context.Context, provider string, t time.Time) ([]time.Time, error)
}
