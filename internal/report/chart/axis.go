package chart

import (
	"math"
	"time"
)

// step is a calendar-aligned interval: ticks of a time axis and buckets of
// a histogram. Either d or months is set.
type step struct {
	d      time.Duration
	months int
}

// steps are the intervals axes and histograms choose from, smallest first:
// the table of the design (1m to 1 month), then quarters and years for
// spans of years.
var steps = []step{
	{d: time.Minute}, {d: 2 * time.Minute}, {d: 5 * time.Minute}, {d: 10 * time.Minute}, {d: 15 * time.Minute}, {d: 30 * time.Minute},
	{d: time.Hour}, {d: 2 * time.Hour}, {d: 3 * time.Hour}, {d: 6 * time.Hour}, {d: 12 * time.Hour},
	{d: 24 * time.Hour}, {d: 48 * time.Hour}, {d: 7 * 24 * time.Hour},
	{months: 1}, {months: 3}, {months: 12},
}

// String names the step ("15m", "1d", "1mo").
func (s step) String() string {
	switch {
	case s.months >= 12:
		return "1y"
	case s.months > 0:
		return itoa(s.months) + "mo"
	case s.d >= 24*time.Hour:
		return itoa(int(s.d/(24*time.Hour))) + "d"
	case s.d >= time.Hour:
		return itoa(int(s.d/time.Hour)) + "h"
	}
	return itoa(int(s.d/time.Minute)) + "m"
}

func itoa(i int) string { return count(float64(i)) }

// floor returns the last step boundary at or before t, in UTC. Durations
// are aligned on UTC midnight (2 days on even days since year 1, 7 days on
// Mondays, as 1 January of year 1 was a Monday); months on the first.
func (s step) floor(t time.Time) time.Time {
	t = t.UTC()
	if s.months == 0 {
		return t.Truncate(s.d)
	}
	m := (int(t.Month()) - 1) / s.months * s.months
	return time.Date(t.Year(), time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
}

// next returns the boundary after the boundary t.
func (s step) next(t time.Time) time.Time {
	if s.months == 0 {
		return t.Add(s.d)
	}
	return t.AddDate(0, s.months, 0)
}

// approx is the step's typical length.
func (s step) approx() time.Duration {
	if s.months == 0 {
		return s.d
	}
	return time.Duration(s.months) * 30 * 24 * time.Hour
}

// ticks returns the boundaries of s within [a, b].
func (s step) ticks(a, b time.Time) []time.Time {
	var ts []time.Time
	t := s.floor(a)
	if t.Before(a) {
		t = s.next(t)
	}
	for ; !t.After(b) && len(ts) < 1000; t = s.next(t) {
		ts = append(ts, t)
	}
	return ts
}

// tickLabel formats the tick t of an axis stepping by s; first is the
// leftmost tick, which carries the date.
func (s step) tickLabel(t time.Time, first bool) string {
	switch {
	case s.months > 0:
		if first || t.Month() == time.January {
			return t.Format("Jan 2006")
		}
		return t.Format("Jan")
	case s.d >= 24*time.Hour:
		if first && t.Month() == time.January && t.Day() <= 7 {
			return t.Format("Jan 2 2006")
		}
		return t.Format("Jan 2")
	}
	if first {
		return t.Format("Jan 2 15:04")
	}
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("Jan 2")
	}
	return t.Format("15:04")
}

// chooseTicks picks the step of a time axis over [a, b] drawn width pixels
// wide: the smallest step giving 4 to 10 ticks whose labels do not touch; if none
// does, the step whose tick count is nearest to that range.
func chooseTicks(a, b time.Time, width float64) (step, []time.Time) {
	best, bestTicks, bestPen := steps[len(steps)-1], []time.Time(nil), math.MaxFloat64
	for _, s := range steps {
		if b.Sub(a)/s.approx() > 200 {
			continue
		}
		ts := s.ticks(a, b)
		n := len(ts)
		// Neighbouring labels must not meet: half of each (all of the
		// first when it is drawn from its tick rightwards, as timeAxis
		// does near the edge) and a gap within one step's width.
		gap := width * float64(s.approx()) / float64(b.Sub(a))
		fits := true
		for i := 1; i < n; i++ {
			prev := textWidth(s.tickLabel(ts[i-1], i == 1), 11)
			if i > 1 || width*float64(ts[0].Sub(a))/float64(b.Sub(a)) >= 30 {
				prev /= 2
			}
			if prev+textWidth(s.tickLabel(ts[i], false), 11)/2+12 > gap {
				fits = false
				break
			}
		}
		if n >= 4 && n <= 10 && fits {
			return s, ts
		}
		pen := 0.0
		switch {
		case n > 10:
			pen = float64(n - 10)
		case n < 4:
			pen = 1.5 * float64(4-n)
		}
		if !fits {
			pen += 100
		}
		if pen < bestPen {
			best, bestTicks, bestPen = s, ts, pen
		}
	}
	return best, bestTicks
}

// chooseBucket picks a histogram's bucket: the smallest step giving at most
// max buckets over [a, b].
func chooseBucket(a, b time.Time, max int) step {
	for _, s := range steps {
		if n := len(s.ticks(s.floor(a), b)); n <= max {
			return s
		}
	}
	return steps[len(steps)-1]
}

// timeRange returns the span a time chart covers: o's bounds, else the
// events' range, widened to at least ten minutes.
func timeRange(ts []time.Time, o TimeOptions) (time.Time, time.Time) {
	a, b := o.Start.UTC(), o.End.UTC()
	if o.Start.IsZero() || o.End.IsZero() {
		var lo, hi time.Time
		for i, t := range ts {
			if i == 0 || t.Before(lo) {
				lo = t
			}
			if i == 0 || t.After(hi) {
				hi = t
			}
		}
		if o.Start.IsZero() {
			a = lo.UTC()
		}
		if o.End.IsZero() {
			b = hi.UTC()
		}
	}
	if b.Before(a) {
		a, b = b, a
	}
	// Durations saturate at 292 years; no chart needs more than 20.
	if span := 20 * 365 * 24 * time.Hour; b.Sub(a) > span {
		a = b.Add(-span)
	}
	if min := 10 * time.Minute; b.Sub(a) < min {
		mid := a.Add(b.Sub(a) / 2)
		a, b = mid.Add(-min/2).Truncate(time.Minute), mid.Add(min/2).Truncate(time.Minute).Add(time.Minute)
	}
	return a, b
}

// niceMax returns a round upper bound of a value axis reaching v, and its
// tick step (1, 2 or 5 times a power of ten, at least 1).
func niceMax(v float64, ticks int) (float64, float64) {
	if v <= 0 {
		return 1, 1
	}
	raw := v / float64(ticks)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	st := p
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			st = m * p
			break
		}
	}
	if st < 1 {
		st = 1
	}
	return math.Ceil(v/st) * st, st
}
