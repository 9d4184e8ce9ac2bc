// Package reporttest holds the reports the renderers' tests share: every
// field filled with a value an attacker could have put in the data.
package reporttest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/textsafe"
	"github.com/triage-dev/triage/internal/triage"
)

// Hostile are values that break a renderer that does not escape them:
// markup, Markdown syntax, control and bidirectional characters, and one
// very long value; the Invisible values are added to them.
var Hostile = append([]string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	"a | b\n| c | d |",
	"[click](javascript:alert(1))",
	"\u202Egnp.exe",
	"`code` *bold* _em_ # head",
	"\x00\x1b[31mred",
	strings.Repeat("A", 100_000),
}, invisible()...)

func invisible() []string {
	var out []string
	for _, v := range Invisible {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// Invisible are values with characters a reader cannot see, one value per
// class that package textsafe marks, by class. Every renderer shows each as
// its mark (textsafe.Mark) and never raw; Hostile holds them all.
var Invisible = map[string]string{
	"bidi override":       "invoice\u202Egpj.exe",
	"bidi embedding":      "a\u202Ab\u202Bc\u202Cd\u202De",
	"bidi isolate":        "\u2066x\u2067y\u2068z\u2069",
	"bidi mark":           "l\u200Er\u200Fa\u061C",
	"C0 control":          "bell\x07esc\x1b[2Jnul\x00",
	"C1 control":          "c1\u0085\u009Bx",
	"DEL":                 "del\x7f",
	"zero width":          "pay\u200Bpal\u200C\u200D",
	"word joiner":         "w\u2060\u2061\u2062\u2063\u2064j",
	"byte order mark":     "\uFEFFbom",
	"soft hyphen":         "ad\u00ADmin",
	"tag characters":      "tag\U000E0041\U000E0062\U000E007F",
	"line separator":      "one\u2028two\u2029",
	"Hangul filler":       "\u3164\uFFA0",
	"variation selectors": "x\uFE0F\uFE00\U000E0100\U000E0101",
}

var marks = regexp.MustCompile(`⟨U\+[0-9A-F]+⟩`)

// CheckVisible fails t when out holds a character textsafe marks, or when it
// lacks the marks of what the values put in it (a renderer that drops a
// hidden character hides that it was there). The marks of U+2028 and U+2029
// are not required (a renderer of one-line values makes them spaces), nor
// that of NUL (html/template writes U+FFFD).
func CheckVisible(t testing.TB, name, out string, values ...string) {
	t.Helper()
	if !textsafe.Clean(out) {
		for _, r := range out {
			if textsafe.Hidden(r) {
				t.Errorf("%s: %U reaches the reader raw", name, r)
				return
			}
		}
		t.Errorf("%s: invalid UTF-8 or a variation selector out of place reaches the reader", name)
		return
	}
	for _, v := range values {
		for _, m := range marks.FindAllString(textsafe.Text(v), -1) {
			if m != textsafe.Mark(0x2028) && m != textsafe.Mark(0x2029) && m != textsafe.Mark(0) && !strings.Contains(out, m) {
				t.Errorf("%s: a character of %q is not shown as %s", name, v, m)
			}
		}
	}
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
