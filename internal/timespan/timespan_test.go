package timespan

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := map[string]time.Duration{
		// Go durations, as cli, config, the catalog and the wait budget read them.
		"90s": 90 * time.Second, "90m": 90 * time.Minute, "36h": 36 * time.Hour, "1h30m": 90 * time.Minute,
		"500ms": 500 * time.Millisecond, "0": 0, "0s": 0,
		// Whole days.
		"7d": 7 * day, "1d": day, "0d": 0, "+2d": 2 * day, "365d": 365 * day,
		// White space around the value, as config and the wait budget allowed.
		" 48h ": 48 * time.Hour, "\t7d\n": 7 * day,
	}
	for in, want := range tests {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{
		"", " ", "soon", "5 minutes", "7", "d", "7D", "1.5d", "-1d", "-0d", "-5s", "-1h", "7 d", "1h7d", "++7d",
		"0x10d", "7days", "99999999999999999999d", "106752d", // beyond what a time.Duration holds
	} {
		got, err := Parse(bad)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, got)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "invalid duration") || !strings.Contains(msg, "7d") || !strings.Contains(msg, strings.TrimSpace(bad)) {
			t.Errorf("Parse(%q) error %q: want it to name the value and what is accepted", bad, msg)
		}
	}
	if got, err := Parse("106751d"); err != nil || got != 106751*day {
		t.Errorf("Parse(106751d) = %v, %v; want the longest whole days a duration holds", got, err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{48 * time.Hour, "48h"},
		{7 * 24 * time.Hour, "7d"},
		{72 * time.Hour, "3d"},
		{90 * time.Minute, "1h30m"},
		{time.Hour, "1h"},
		{30 * time.Second, "30s"},
		{0, "0s"},
		{25 * time.Hour, "25h"},
		{73 * time.Hour, "73h"},
	}
	for _, tt := range tests {
		got := Format(tt.d)
		if got != tt.want {
			t.Errorf("Format(%v) = %q, want %q", tt.d, got, tt.want)
		}
		if back, err := Parse(got); err != nil || back != tt.d {
			t.Errorf("Parse(%q) = %v, %v; want %v back", got, back, err, tt.d)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		// Seconds.
		"7": 7 * time.Second, " 120 ": 2 * time.Minute, "1.5": 1500 * time.Millisecond, "0.25": 250 * time.Millisecond,
		// HTTP dates, in the three forms RFC 9110 allows, waited from now.
		"Sun, 01 Mar 2026 12:00:30 GMT":  30 * time.Second,
		"Sunday, 01-Mar-26 12:01:00 GMT": time.Minute,
		"Sun Mar  1 12:00:05 2026":       5 * time.Second,
		// A date not after now, zero, negative: no wait asked.
		"Sun, 01 Mar 2026 11:59:00 GMT": 0,
		"Sun, 01 Mar 2026 12:00:00 GMT": 0,
		"0":                             0,
		"-5":                            0,
		"-1.5":                          0,
		// Garbage: no wait asked.
		"": 0, "soon": 0, "5s": 0, "1e3": 0, "0x10": 0, "Inf": 0, "NaN": 0, "+5": 0, "1.": 0, ".5": 0, "1,5": 0,
		"Sun, 32 Mar 2026 12:00:30 GMT": 0,
		// Huge: bounded, never an overflowed (negative) duration.
		"99999999999999999999999":       maxRetryAfter,
		"Fri, 31 Dec 9999 23:59:59 GMT": maxRetryAfter,
	}
	for in, want := range tests {
		if got := RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
