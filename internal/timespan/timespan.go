// Package timespan reads lengths of time as people and services write them:
// a duration in a flag, the configuration or a query's default ("90m",
// "36h", "7d"), and the wait an HTTP service asks for in Retry-After.
//
// It imports only the standard library, so that every package that reads
// such a length (cli, config, the workspace catalog, the threat-intel
// engine and its HTTP clients, RDAP, Sentinel) shares this one reading
// without importing the others: the domain package triage would do for the
// workspace and the CLI, but neither the intel nor the enrich packages may
// know of incidents.
package timespan

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// maxDays is the most days a time.Duration holds.
const maxDays = math.MaxInt64 / int64(day)

// Parse reads a length of time: a Go duration ("90s", "90m", "36h",
// "1h30m", "500ms") or a whole number of days ("7d"). White space around it
// is ignored and zero is accepted ("0", "0s", "0d"); a negative length is
// refused, since no caller has a use for one. Callers that need more
// (a positive length, words such as "forever") check or add that on top.
// The error names the value and what is accepted.
func Parse(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		n = strings.TrimPrefix(n, "+")
		days, err := strconv.ParseInt(n, 10, 64)
		if err == nil && allDigits(n) && days <= maxDays {
			return time.Duration(days) * day, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("invalid duration %q (want a length such as 30s, 90m, 36h or 1h30m, or whole days such as 7d)", s)
}

// Format writes d as Parse reads it and as a person would type it: whole
// days beyond 48 hours ("7d"), else Go's form without zero minutes and
// seconds ("48h", "1h30m", not "48h0m0s").
func Format(d time.Duration) string {
	if d > 2*day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// maxRetryAfter bounds the wait a Retry-After value can ask for, far beyond
// any budget, so that a huge number cannot overflow a time.Duration.
const maxRetryAfter = 1 << 31 * time.Second

// RetryAfter reads the value of an HTTP Retry-After header (RFC 9110
// section 10.2.3): a number of seconds, also with a fraction ("1.5", which
// some services send), or an HTTP date, waited from now. It returns 0 when
// the value is empty, unreadable, zero or negative, or a date not after
// now: the caller then chooses its own wait.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, ok := decimalSeconds(v); ok {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, maxRetryAfter.Seconds()) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// decimalSeconds reads digits with an optional fraction ("7", "1.5", "-3");
// not the exponents, hexadecimal, Inf or NaN strconv.ParseFloat also takes.
func decimalSeconds(v string) (float64, bool) {
	digits := strings.TrimPrefix(v, "-")
	whole, frac, dot := strings.Cut(digits, ".")
	if !allDigits(whole) || dot && !allDigits(frac) {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
