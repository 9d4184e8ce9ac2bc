package cli

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/textsafe"
	"github.com/triage-dev/triage/internal/timespan"
)

func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &FlagError{fmt.Errorf("unexpected argument %q", args[0])}
	}
	return nil
}

func oneIncident(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return &FlagError{fmt.Errorf("want one INCIDENT (its number or name), got %s", english.Plural(len(args), "argument", "arguments"))}
	}
	return nil
}

// durationValue is a flag that takes a length of time as timespan.Parse
// reads it (Go durations plus days, "7d"). Its String is the default the
// help shows, so it is written as a person types it (timespan.Format): "48h"
// and "7d", not "48h0m0s" and "168h0m0s".
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil {
		return ""
	}
	return timespan.Format(*v.d)
}
func (v durationValue) Type() string { return "duration" }
func (v durationValue) Set(s string) error {
	d, err := timespan.Parse(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

// waitValue is --wait: a wait budget as intel.ParseWait reads it. Unset,
// it leaves the configuration's (intel.max_wait) or the engine's default.
type waitValue struct {
	d   *time.Duration
	set *bool
}

func (v waitValue) String() string {
	switch {
	case v.d == nil || !*v.set:
		return ""
	case *v.d == intel.WaitForever:
		return "forever"
	case *v.d < 0:
		return "0"
	}
	return timespan.Format(*v.d)
}
func (v waitValue) Type() string { return "duration" }
func (v waitValue) Set(s string) error {
	d, err := intel.ParseWait(s)
	if err != nil {
		return err
	}
	*v.d, *v.set = d, true
	return nil
}

// window resolves --since/--start/--end into a time range ending now by default.
func window(now time.Time, since time.Duration, start, end string) (time.Time, time.Time, error) {
	e := now
	if end != "" {
		t, err := parseTime(end)
		if err != nil {
			return time.Time{}, time.Time{}, &FlagError{fmt.Errorf("--end: %w", err)}
		}
		e = t
	}
	s := e.Add(-since)
	if start != "" {
		t, err := parseTime(start)
		if err != nil {
			return time.Time{}, time.Time{}, &FlagError{fmt.Errorf("--start: %w", err)}
		}
		s = t
	}
	if !s.Before(e) {
		return time.Time{}, time.Time{}, &FlagError{fmt.Errorf("window start %s is not before its end %s", s.Format(time.RFC3339), e.Format(time.RFC3339))}
	}
	return s.UTC(), e.UTC(), nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q (want RFC 3339 or 2006-01-02)", s)
}

// ago formats t relative to now for people.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clean makes an attacker-controlled value safe for one terminal cell: tabs
// and line breaks become spaces, and control, bidirectional and other
// invisible characters show as their marks, "⟨U+202E⟩", as in every other
// rendering (textsafe.Line); the value is cut to max runes (0: no limit),
// never inside a mark.
func clean(s string, max int) string {
	s = textsafe.Line(s)
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	out := []rune(s)[:max-1]
	if i := lastIndex(out, '⟨'); i >= 0 && !slices.Contains(out[i:], '⟩') {
		out = out[:i] // a mark cut in half reads as something else
	}
	return string(append(out, '…'))
}

func lastIndex(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// parseTimeFlag parses the value of a time flag; "" is the zero time.
func parseTimeFlag(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return t, &FlagError{fmt.Errorf("%s: %w", name, err)}
	}
	return t, nil
}

// workspacesValue is the --workspace flag: it keeps every value given, in
// order, for watch, and the last one, as a plain string flag would, for
// the commands that use one workspace.
type workspacesValue struct {
	last *string
	all  *[]string
}

func (v workspacesValue) String() string {
	if v.last == nil {
		return ""
	}
	return *v.last
}

func (v workspacesValue) Set(s string) error {
	*v.last = s
	*v.all = append(*v.all, s)
	return nil
}

func (workspacesValue) Type() string { return "string" }
