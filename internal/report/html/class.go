package html

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report/chart"
	"github.com/triage-dev/triage/internal/triage"
)

// The class functions map values from the data onto the fixed class names
// report.css and chart.css style ("sev-high", "st-error"): whatever a
// value is, the class is one of a known set, so the data never names a
// class. The report and the web UI both use them.

// SeverityClass maps an incident or alert severity, whatever its spelling,
// to one of the chart severity classes, or "unknown".
func SeverityClass(s triage.Severity) string {
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "high":
		return chart.ClassHigh
	case "medium":
		return chart.ClassMedium
	case "low":
		return chart.ClassLow
	case "informational", "information", "info":
		return chart.ClassInformational
	}
	return "unknown"
}

// TIClass maps a threat-intel severity to a fixed class name.
func TIClass(s intel.Severity) string {
	switch s {
	case intel.SeverityHigh:
		return chart.ClassHigh
	case intel.SeverityWarning:
		return chart.ClassMedium
	case intel.SeverityInformation:
		return chart.ClassInformational
	case intel.SeverityNone:
		return "none"
	}
	return "unknown"
}

// StatusClass maps a status to a fixed class name: the status of a step or
// a summary section (report.Status), of a lookup (intel.Status), or the web
// UI's "waiting" for a step not yet run. Any type whose text is one of
// them will do; anything else is "unknown".
func StatusClass(s any) string {
	switch v := fmt.Sprint(s); v {
	case "ok", "partial", "empty", "skipped", "error", "waiting",
		"not_found", "rate_limited", "timeout", "not_configured", "unsupported":
		return v
	}
	return "unknown"
}

// outcomeClass maps an outcome cell to the success or failure class, or
// "" when it says neither. In a result-code column (code), 0 is success
// and any other number a failure, as sign-in logs have it.
func outcomeClass(s string, code bool) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if code {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n == 0 {
				return chart.ClassSuccess
			}
			return chart.ClassFailure
		}
	}
	switch {
	case s == "":
		return ""
	case strings.Contains(s, "fail"), strings.Contains(s, "denied"), strings.Contains(s, "block"),
		strings.Contains(s, "drop"), strings.Contains(s, "reject"), strings.Contains(s, "error"):
		return chart.ClassFailure
	case strings.Contains(s, "success"), strings.Contains(s, "succeeded"), strings.Contains(s, "allow"), s == "ok":
		return chart.ClassSuccess
	}
	return ""
}
