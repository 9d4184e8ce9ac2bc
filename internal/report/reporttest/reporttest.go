// Package reporttest holds the reports the renderers' tests share: every
// field filled with a value an attacker could have put in the data.
package reporttest

import (
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// Hostile are values that break a renderer that does not escape them:
// markup, Markdown syntax, control and bidirectional characters, and one
// very long value.
var Hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	"a | b\n| c | d |",
	"[click](javascript:alert(1))",
	"\u202Egnp.exe",
	"`code` *bold* _em_ # head",
	"\x00\x1b[31mred",
	strings.Repeat("A", 100_000),
}

// Report is a report with s in every field the data fills.
func Report(s string) *report.Report {
	return &report.Report{
		SchemaVersion: report.SchemaVersion,
		Workspace:     "demo",
		// Severities, statuses and unknown kinds come from the data too.
		Incident: triage.Incident{Number: 7, Title: s, Description: s, Severity: triage.Severity(s),
			Status: triage.Status(s), Classification: triage.Classification(s), Created: time.Unix(0, 0)},
		Alerts:   []triage.Alert{{ID: "a1", Name: s, Product: s, Severity: triage.Severity(s), EntityKeys: []string{"Url:" + s}}},
		Entities: []triage.Entity{{Kind: triage.Kind(s), Key: "Url:" + s, Name: s, Properties: map[string]any{"url": s}}},
		TI: report.TI{Severity: intel.SeverityHigh, Explanation: s,
			Reasons: []intel.Result{{Indicator: s, Provider: "p", Status: intel.StatusOK, Severity: intel.SeverityHigh, Summary: s}},
			Results: []intel.Result{{Indicator: s, Provider: "p", Status: intel.StatusOK, Severity: intel.SeverityHigh, Summary: s}}},
		RelatedAlerts: []report.Related{{Entity: "Url:" + s, Kind: triage.Kind(s), Name: s, Alerts: []report.RelatedAlert{{ID: "b", Name: s, Severity: triage.Severity(s)}}}},
		Summaries:     []report.Summary{{Entity: "Url:" + s, Kind: triage.Kind(s), Name: s, Facts: []report.Fact{{Label: s, Value: s}}}},
		Sections:      []report.Section{{Name: "x", Status: report.StatusError, Reason: s}},
		Problems:      []triage.Problem{{Where: s, What: s}},
	}
}
